// What parsing a request's head produces (the server's http1/head_rules.hpp).
// The connection owns it and reuses its buffers from request to request; a
// Request is a view over it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "asiohttp/multidict.hpp"

namespace asiohttp::detail {

struct RequestHead {
    std::string method;
    std::string target;            // as sent: path and query, percent-encoded
    unsigned version = 11;         // 10 or 11
    std::string fields;            // every field name and value, back to back
    CIMultiDictProxy headers;      // views into `fields`
    std::optional<std::uint64_t> content_length;
    bool chunked = false;
    bool keep_alive = true;
    bool upgrade = false;          // Connection: upgrade
    bool expect_continue = false;
    std::string body;              // filled when the handler reads it
    bool body_complete = false;

    void clear() noexcept {
        method.clear();
        target.clear();
        version = 11;
        fields.clear();
        headers.clear();
        content_length.reset();
        chunked = keep_alive = upgrade = expect_continue = body_complete = false;
        // Keep a small body buffer for the next request; give a large one back.
        if (body.capacity() > (64u << 10)) std::string().swap(body);
        else body.clear();
    }
};

}  // namespace asiohttp::detail
