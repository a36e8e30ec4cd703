// Serializes a response's status line and header block.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "asiohttp/response.hpp"
#include "web/exchange.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

// How the body is delimited on the wire.
enum class Framing {
    none,             // no body at all (1xx, 204, 304)
    length,           // Content-Length
    chunked,          // Transfer-Encoding: chunked
    close_delimited,  // HTTP/1.0 stream: the body ends when the connection closes
};

struct HeadOptions {
    Framing framing = Framing::length;
    std::uint64_t content_length = 0;
    bool keep_alive = true;
    unsigned request_version = 11;
    std::string_view server_header = "asiohttp";
    std::string_view request_id;  // sent as X-Request-ID unless the response has one
};

// Appends the head to `out`. Framing headers the application set are replaced by
// the server's own, so the message is always delimited correctly.
void serialize_head(std::string& out, const Response& resp, const HeadOptions& options);

}  // namespace asiohttp::detail
