// An absolute http(s)/ws(s) URL, as yarl.URL: parsed once, with the pieces a
// client needs (host, port, request target) and RFC 3986 resolution for redirects.
//
//   auto u = URL::parse("http://example.org:8080/a/b?x=1");
//   u.host();              // "example.org"
//   u.join("../c").str();  // "http://example.org:8080/c"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "asiohttp/client_exceptions.hpp"
#include "asiohttp/multidict.hpp"

namespace asiohttp {

class URL {
public:
    URL() = default;
    // Throws InvalidURL for anything but an absolute http, https, ws or wss URL.
    static URL parse(std::string_view text);

    const std::string& scheme() const noexcept { return scheme_; }
    const std::string& user() const noexcept { return user_; }
    const std::string& password() const noexcept { return password_; }
    // Lower-cased; an IPv6 address without its brackets.
    const std::string& host() const noexcept { return host_; }
    // The explicit port, or the scheme's default.
    std::uint16_t port() const noexcept { return port_; }
    // Percent-encoded, "/" at least.
    const std::string& path() const noexcept { return path_; }
    // Percent-encoded, without the '?'.
    const std::string& query_string() const noexcept { return query_; }
    MultiDict query() const;
    const std::string& fragment() const noexcept { return fragment_; }

    bool is_secure() const noexcept { return scheme_ == "https" || scheme_ == "wss"; }
    bool is_default_port() const noexcept;
    // For the Host header: "host" or "host:port", IPv6 in brackets.
    std::string authority() const;
    // For the request line: path and query.
    std::string target() const;
    // "scheme://authority", e.g. for pool keys and logs.
    std::string origin() const;
    std::string str() const;

    // The reference resolved against this URL (RFC 3986, section 5.2).
    URL join(std::string_view reference) const;
    // This URL with `params` appended to its query.
    URL extend_query(const MultiDict& params) const;
    // This URL with another scheme (ws -> http for the handshake, say).
    URL with_scheme(std::string_view scheme) const;

    friend bool operator==(const URL& a, const URL& b) { return a.str() == b.str(); }

private:
    std::string scheme_, user_, password_, host_;
    std::uint16_t port_ = 0;
    bool explicit_port_ = false;
    std::string path_ = "/", query_, fragment_;
};

}  // namespace asiohttp
