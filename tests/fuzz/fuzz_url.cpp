// URL parsing, joining and query encoding, and percent-decoding.
#include <algorithm>

#include <asiohttp/url.hpp>

#include "base/url_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto url = asiohttp::URL::parse(text);
        const auto again = asiohttp::URL::parse(url.str());  // what it prints, it parses
        if (again.str() != url.str()) __builtin_trap();
    } catch (const asiohttp::InvalidURL&) {
    }
    asiohttp::MultiDict query;
    asiohttp::detail::parse_urlencoded(text, query);
    asiohttp::MultiDict back;
    asiohttp::detail::parse_urlencoded(asiohttp::detail::encode_query(query), back);
    if (!std::equal(back.begin(), back.end(), query.begin(), query.end()))
        __builtin_trap();  // encoding round-trips
    return 0;
}
