// URL parsing and RFC 3986 resolution; the cookie jar's matching rules.
#include <asiohttp/cookie_jar.hpp>
#include <asiohttp/url.hpp>

#include "test_support.hpp"

namespace {

using asiohttp::CookieJar;
using asiohttp::URL;

TEST(Url, ParsesThePiecesAClientNeeds) {
    auto u = URL::parse("HTTP://User:p%40ss@Example.ORG:8080/a/b c?x=1&y=é#frag");
    EXPECT_EQ(u.scheme(), "http");
    EXPECT_EQ(u.user(), "User");
    EXPECT_EQ(u.password(), "p@ss");
    EXPECT_EQ(u.host(), "example.org");
    EXPECT_EQ(u.port(), 8080);
    EXPECT_EQ(u.path(), "/a/b%20c");
    EXPECT_EQ(u.query_string(), "x=1&y=%C3%A9");
    EXPECT_EQ(u.fragment(), "frag");
    EXPECT_EQ(u.authority(), "example.org:8080");
    EXPECT_EQ(u.target(), "/a/b%20c?x=1&y=%C3%A9");

    auto v6 = URL::parse("https://[::1]/");
    EXPECT_EQ(v6.host(), "::1");
    EXPECT_EQ(v6.port(), 443);
    EXPECT_EQ(v6.authority(), "[::1]");
    EXPECT_EQ(URL::parse("ws://h").path(), "/");
    EXPECT_EQ(URL::parse("ws://h").with_scheme("http").str(), "http://h/");
    EXPECT_EQ(URL::parse("http://h/p?a=1").extend_query({{"b", "x y"}}).target(), "/p?a=1&b=x%20y");
}

TEST(Url, RejectsWhatCannotBeFetched) {
    for (auto bad : {"", "example.org", "/path", "mailto:a@b", "ftp://h/", "http://", "http://:80/", "http://h:0/",
                     "http://h:65536/", "http://h:8x/", "http://[::1", "http://a b/", "http://h/\r\nX: y"})
        EXPECT_THROW(URL::parse(bad), asiohttp::InvalidURL) << bad;
}

TEST(Url, ResolvesReferencesAsRfc3986Says) {
    // RFC 3986, section 5.4.1 (normal examples).
    const auto base = URL::parse("http://a/b/c/d;p?q");
    const std::pair<const char*, const char*> cases[] = {
        {"g", "http://a/b/c/g"},          {"./g", "http://a/b/c/g"},        {"g/", "http://a/b/c/g/"},
        {"/g", "http://a/g"},             {"//g", "http://g/"},             {"?y", "http://a/b/c/d;p?y"},
        {"g?y", "http://a/b/c/g?y"},      {"#s", "http://a/b/c/d;p?q#s"},   {"g#s", "http://a/b/c/g#s"},
        {";x", "http://a/b/c/;x"},        {"", "http://a/b/c/d;p?q"},       {".", "http://a/b/c/"},
        {"./", "http://a/b/c/"},          {"..", "http://a/b/"},            {"../", "http://a/b/"},
        {"../g", "http://a/b/g"},         {"../..", "http://a/"},           {"../../g", "http://a/g"},
        {"../../../g", "http://a/g"},     {"https://x:1/y", "https://x:1/y"},
    };
    for (auto& [ref, want] : cases) EXPECT_EQ(base.join(ref).str(), want) << ref;
}

TEST(CookieJar, MatchesDomainPathSecureAndExpiry) {
    CookieJar jar;
    auto from = URL::parse("http://www.example.org/account/login");
    jar.update_cookies({"a=1", "b=2; Path=/", "c=3; Domain=example.org; Path=/", "d=4; Secure; Path=/",
                        "e=5; Domain=other.org", "f=6; Max-Age=0", "g=7; Expires=Thu, 01 Jan 1970 00:00:00 GMT"},
                       from);
    EXPECT_EQ(jar.size(), 4u);  // e: someone else's domain; f, g: already expired
    EXPECT_EQ(jar.filter_cookies(URL::parse("http://www.example.org/account/x")), "a=1; b=2; c=3");
    EXPECT_EQ(jar.filter_cookies(URL::parse("http://www.example.org/")), "b=2; c=3");
    EXPECT_EQ(jar.filter_cookies(URL::parse("http://api.example.org/")), "c=3");  // Domain= covers subdomains
    EXPECT_EQ(jar.filter_cookies(URL::parse("https://www.example.org/")), "b=2; c=3; d=4");
    EXPECT_EQ(jar.filter_cookies(URL::parse("http://example.com/")), "");

    jar.update_cookies({"b=gone; Path=/; Max-Age=0"}, from);  // deleting a cookie
    EXPECT_EQ(jar.filter_cookies(URL::parse("http://www.example.org/")), "c=3");
}

// Found by tests/fuzz's cookies target: a Max-Age of 18214728081 seconds
// overflowed the clock (undefined behaviour). Lifetimes are capped at 400 days
// (RFC 6265bis §5.5), so far ones are kept, and no date overflows.
TEST(CookieJar, FarMaxAgeAndExpiresAreCappedNotOverflowed) {
    CookieJar jar;
    auto from = URL::parse("http://example.org/");
    jar.update_cookies({"a=1; Max-Age=000000000000018214728081", "b=2; Max-Age=9223372036854775807",
                        "c=3; Expires=Fri, 31 Dec 9999 23:59:59 GMT"},
                       from);
    EXPECT_EQ(jar.filter_cookies(from), "a=1; b=2; c=3");
    const auto in_401_days = std::chrono::system_clock::now() + std::chrono::hours(24 * 401);
    for (auto& c : jar.cookies()) {
        ASSERT_TRUE(c.expires) << c.name;
        EXPECT_LT(*c.expires, in_401_days) << c.name;
    }
}

// Found by the cookies target in a 10-minute run: "Expires=Wed, 21 Oct 1007
// 07:28:00 Pa/" was read as a date (sscanf ignored what followed the seconds)
// whose year overflowed the clock. Dates before 1601 or without GMT are no dates
// (RFC 6265 §5.1.1: the attribute is ignored); dates before 1970 expire the cookie.
TEST(CookieJar, AncientOrMalformedExpiresNeverOverflows) {
    CookieJar jar;
    auto from = URL::parse("http://example.org/");
    jar.update_cookies({"a=1", "b=2", "c=3"}, from);
    jar.update_cookies({"a=1; Expires=Wed, 21 Oct 1007 07:28:00 GMT", "b=2; Expires=Wed, 21 Oct 2015 07:28:00 Pa/",
                        "c=gone; Expires=Mon, 01 Jan 1700 00:00:00 GMT", "d=4; Expires=Wed, 21 Oct 2015 25:61:00 GMT"},
                       from);
    // a, b and d: no valid date, so session cookies; c: expired (and removed).
    EXPECT_EQ(jar.filter_cookies(from), "a=1; b=2; d=4");
    for (auto& c : jar.cookies()) EXPECT_FALSE(c.expires) << c.name;
}

}  // namespace
