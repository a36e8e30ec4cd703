// The client's cookie store, as aiohttp's CookieJar (RFC 6265): cookies from
// Set-Cookie are kept with their domain, path, expiry and Secure flag, and sent
// back on the requests they match. Thread-safe: one jar serves a session.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asiohttp/multidict.hpp"
#include "asiohttp/url.hpp"

namespace asiohttp {

class CookieJar {
public:
    struct Cookie {
        std::string name, value;
        std::string domain;  // without a leading dot
        std::string path = "/";
        bool host_only = true;  // no Domain attribute: this exact host only
        bool secure = false;
        bool http_only = false;
        std::optional<std::chrono::system_clock::time_point> expires;  // unset: until the session ends
    };

    // One Set-Cookie header value received from `from`; nullopt if malformed or
    // refused (a Domain that `from` is not part of).
    static std::optional<Cookie> parse_set_cookie(std::string_view header, const URL& from);

    // Stores (or, when expired, removes) the cookies of these Set-Cookie values.
    void update_cookies(const std::vector<std::string>& set_cookie_headers, const URL& from);
    // Stores plain name=value cookies for `from`'s host.
    void update_cookies(const MultiDict& cookies, const URL& from);
    // The Cookie header for a request to `url` ("" if none match).
    std::string filter_cookies(const URL& url) const;

    std::vector<Cookie> cookies() const;
    std::size_t size() const;
    void clear();

private:
    void store(Cookie c);
    mutable std::mutex mutex_;
    std::vector<Cookie> cookies_;
};

}  // namespace asiohttp
