// Cookie headers as the server reads them, Set-Cookie as the client's jar
// stores them, and the jar's Cookie header for a request.
#include <fuzzer/FuzzedDataProvider.h>

#include <asiohttp/cookie_jar.hpp>
#include <asiohttp/url.hpp>

#include "base/header_values.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const auto cookie_header = in.ConsumeRandomLengthString(4096);
    asiohttp::MultiDict cookies;
    asiohttp::detail::parse_cookie_header(cookie_header, cookies);
    static const auto from = asiohttp::URL::parse("https://www.example.org/a/b");
    static const auto other = asiohttp::URL::parse("http://example.org/");
    asiohttp::CookieJar jar;
    std::vector<std::string> set_cookie;
    while (in.remaining_bytes() > 0 && set_cookie.size() < 16) set_cookie.push_back(in.ConsumeRandomLengthString(512));
    jar.update_cookies(set_cookie, from);
    (void)jar.filter_cookies(from);
    (void)jar.filter_cookies(other);
    jar.update_cookies(cookies, from);
    return int(jar.filter_cookies(from).size() > (1u << 30));
}
