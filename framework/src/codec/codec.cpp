#include "codec/codec.hpp"

#include "asiohttp/multidict.hpp"

namespace asiohttp::web {

std::string_view to_string(ContentCoding coding) noexcept {
    switch (coding) {
        case ContentCoding::gzip: return "gzip";
        case ContentCoding::deflate: return "deflate";
        case ContentCoding::br: return "br";
        case ContentCoding::zstd: return "zstd";
        case ContentCoding::identity: break;
    }
    return "identity";
}

std::optional<ContentCoding> parse_content_coding(std::string_view token) noexcept {
    if (iequals(token, "gzip") || iequals(token, "x-gzip")) return ContentCoding::gzip;
    if (iequals(token, "deflate")) return ContentCoding::deflate;
    if (iequals(token, "br")) return ContentCoding::br;
    if (iequals(token, "zstd")) return ContentCoding::zstd;
    if (iequals(token, "identity")) return ContentCoding::identity;
    return std::nullopt;
}

}  // namespace asiohttp::web

namespace asiohttp::detail {

std::unique_ptr<Encoder> make_encoder(ContentCoding coding, const web::CompressionOptions& o) {
    switch (coding) {
        case ContentCoding::gzip: return make_zlib_encoder(true, o.gzip_level);
        case ContentCoding::deflate: return make_zlib_encoder(false, o.gzip_level);
        case ContentCoding::br: return make_brotli_encoder(o.brotli_quality);
        case ContentCoding::zstd: return make_zstd_encoder(o.zstd_level);
        case ContentCoding::identity: break;
    }
    throw std::invalid_argument("identity is not a compression");
}

std::unique_ptr<Decoder> make_decoder(ContentCoding coding, std::size_t limit) {
    switch (coding) {
        case ContentCoding::gzip: return make_zlib_decoder(true, limit);
        case ContentCoding::deflate: return make_zlib_decoder(false, limit);
        case ContentCoding::br: return make_brotli_decoder(limit);
        case ContentCoding::zstd: return make_zstd_decoder(limit);
        case ContentCoding::identity: break;
    }
    throw std::invalid_argument("identity is not a compression");
}

}  // namespace asiohttp::detail
