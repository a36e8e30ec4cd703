// The client's response reading: Beast's response parser over a head and a
// body (Content-Length, chunked, to the end), fed in the input's steps, and the
// body decompressed as the client does (gzip, deflate, br or zstd), held to 8 MiB.
#include <fuzzer/FuzzedDataProvider.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "codec/codec.hpp"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const auto step = in.ConsumeIntegralInRange<std::size_t>(1, 256);
    using asiohttp::web::ContentCoding;
    constexpr ContentCoding codings[] = {ContentCoding::gzip, ContentCoding::deflate, ContentCoding::br,
                                         ContentCoding::zstd};
    const auto coding = codings[in.ConsumeIntegralInRange<int>(0, 3)];
    const auto bytes = in.ConsumeRemainingBytesAsString();
    http::response_parser<http::string_body> parser;
    parser.header_limit(16 << 10);
    parser.body_limit(1 << 20);
    parser.eager(true);
    std::string pending;
    boost::beast::error_code ec;
    for (std::size_t at = 0; at < bytes.size() && !parser.is_done(); at += step) {
        pending.append(bytes, at, step);
        const auto used = parser.put(boost::asio::buffer(pending), ec);
        pending.erase(0, used);
        if (ec == http::error::need_more) ec = {};
        if (ec) return 0;
    }
    if (!parser.is_done()) {
        parser.put_eof(ec);
        if (ec) return 0;
    }
    try {
        auto decoder = asiohttp::detail::make_decoder(coding, 8u << 20);
        std::string out;
        const auto& body = parser.get().body();
        for (std::size_t at = 0; at < body.size(); at += step) decoder->write(std::string_view(body).substr(at, step), out);
        if (out.size() > (8u << 20)) __builtin_trap();  // the limit held
    } catch (const asiohttp::detail::DecodeError&) {  // corrupt input is refused, not a crash
    } catch (const asiohttp::detail::DecodedTooLarge&) {
    }
    return 0;
}
