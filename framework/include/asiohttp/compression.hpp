// Response compression, as aiohttp's Response.enable_compression: the body is
// sent in the best content coding the client accepts (Accept-Encoding with
// q-values) among zstd, br, gzip and deflate, when its media type is worth
// compressing and it is large enough. Streamed responses are compressed as
// they stream. For every response of an application, see middleware::compression.
//
//   auto resp = web::Response::text(big_text);
//   resp.enable_compression();
//   co_return resp;
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asiohttp::web {

enum class ContentCoding { identity, gzip, deflate, br, zstd };

// The coding's token as HTTP writes it ("gzip", "br"...).
std::string_view to_string(ContentCoding coding) noexcept;
// The coding a token names, in any case ("x-gzip" is gzip); nullopt if unknown.
std::optional<ContentCoding> parse_content_coding(std::string_view token) noexcept;

struct CompressionOptions {
    // The codings offered, best first: the tie-breaker among equal q-values.
    std::vector<ContentCoding> codings{ContentCoding::zstd, ContentCoding::br, ContentCoding::gzip,
                                       ContentCoding::deflate};
    // Smaller bodies go out as they are (unless the client refuses identity).
    // A streamed response without a Content-Length is always compressed.
    std::size_t min_size = 1024;
    // Media types worth compressing; "text/*" matches every text type.
    std::vector<std::string> types{"text/*",
                                   "application/json",
                                   "application/javascript",
                                   "application/xml",
                                   "application/xhtml+xml",
                                   "application/manifest+json",
                                   "application/wasm",
                                   "image/svg+xml"};
    // Levels: fast ones, for bodies compressed on every request.
    int gzip_level = 5;      // zlib 1-9 (gzip and deflate)
    int brotli_quality = 4;  // 0-11
    int zstd_level = 3;      // 1-19
};

// The coding a client's Accept-Encoding chooses among `offered` (best first):
// the highest q-value, ties broken by `offered`'s order. identity if none is
// acceptable or worth it; `identity_refused` tells whether the client said
// identity;q=0 (or *;q=0 without identity).
struct NegotiatedCoding {
    ContentCoding coding = ContentCoding::identity;
    bool identity_refused = false;
};
NegotiatedCoding negotiate_coding(std::string_view accept_encoding, const std::vector<ContentCoding>& offered);

}  // namespace asiohttp::web
