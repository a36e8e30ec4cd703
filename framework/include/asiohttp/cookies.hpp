// Cookie attributes for Response::set_cookie (RFC 6265).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace asiohttp::web {

struct CookieOptions {
    std::optional<std::chrono::seconds> max_age;  // Max-Age; unset = session cookie
    std::string expires;                          // an HTTP date, if you need Expires too
    std::string domain;
    std::string path = "/";
    bool secure = false;
    bool httponly = false;
    std::string samesite;  // "Lax", "Strict" or "None"; empty = not sent
};

}  // namespace asiohttp::web
