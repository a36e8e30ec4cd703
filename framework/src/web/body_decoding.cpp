#include "web/body_decoding.hpp"

#include "asiohttp/compression.hpp"
#include "asiohttp/http_exceptions.hpp"
#include "web/body_limit.hpp"

namespace asiohttp::detail {

std::unique_ptr<Decoder> body_decoder(std::string_view encoding, std::size_t limit) {
    const auto coding = parse_content_coding(encoding);
    if (coding == ContentCoding::identity) return nullptr;
    if (!coding)
        throw HTTPUnsupportedMediaType("415: Unsupported Media Type (Content-Encoding " + std::string(encoding) +
                                       "; this server decodes gzip, deflate, br and zstd)");
    return make_decoder(*coding, limit);
}

void decode_piece(Decoder& decoder, std::string_view in, std::string& out, std::size_t limit) {
    try {
        decoder.write(in, out);
    } catch (const DecodedTooLarge&) {
        throw body_too_large(limit);
    } catch (const DecodeError& e) {
        throw HTTPBadRequest("400: Bad Request (" + std::string(e.what()) + ")");
    }
}

void check_decoded_end(const Decoder& decoder, std::string_view encoding) {
    if (!decoder.done())
        throw HTTPBadRequest("400: Bad Request (the " + std::string(encoding) + " body ends early)");
}

}  // namespace asiohttp::detail
