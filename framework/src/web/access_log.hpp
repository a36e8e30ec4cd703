// The access log in aiohttp's format language, compiled once at start-up.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "asiohttp/request.hpp"
#include "asiohttp/response.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

class AccessLog {
public:
    // Directives: %a remote, %t time, %r request line, %s status, %b body bytes,
    // %T seconds, %Tf seconds (float), %D microseconds, %P pid,
    // %{Name}i request header, %{Name}o response header, %% a percent sign.
    explicit AccessLog(std::string_view format);
    void log(const Request& req, const Response& resp, std::uint64_t body_bytes,
             std::chrono::steady_clock::duration elapsed) const;
    std::string format(const Request& req, const Response& resp, std::uint64_t body_bytes,
                       std::chrono::steady_clock::duration elapsed) const;

private:
    enum class Kind { literal, remote, time, request_line, status, bytes, seconds, seconds_float, micros, pid,
                      request_header, response_header };
    struct Token {
        Kind kind;
        std::string text;  // literal text or header name
    };
    std::vector<Token> tokens_;
};

}  // namespace asiohttp::detail
