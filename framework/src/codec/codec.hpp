// Content codings piece by piece, one interface for every library behind
// them: the server compresses responses and decompresses request bodies, the
// client decompresses responses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "asiohttp/compression.hpp"

namespace asiohttp::detail {

using web::ContentCoding;

class Encoder {
public:
    virtual ~Encoder() = default;
    // Appends what `in` compresses to so far (possibly nothing: the library buffers).
    virtual void write(std::string_view in, std::string& out) = 0;
    // Appends everything buffered, so that a reader can decode all input so far
    // (a streamed response's piece reaches the client now, not at the end).
    virtual void flush(std::string& out) = 0;
    // Appends the end of the stream; the encoder is spent.
    virtual void finish(std::string& out) = 0;
};

// Levels as in web::CompressionOptions. Throws std::invalid_argument for identity.
std::unique_ptr<Encoder> make_encoder(ContentCoding coding, const web::CompressionOptions& options);

// Corrupt input, or input that goes on after its stream ended.
class DecodeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};
// The decoded data would pass the decoder's limit (a zip bomb, or just too big).
class DecodedTooLarge : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Decoder {
public:
    explicit Decoder(std::size_t limit) : limit_(limit) {}
    virtual ~Decoder() = default;
    // Appends what `in` decodes to; input after the stream's end is ignored.
    // Throws DecodeError, or DecodedTooLarge as soon as the output passes the limit.
    virtual void write(std::string_view in, std::string& out) = 0;
    // True once the compressed stream has ended properly.
    virtual bool done() const noexcept = 0;

protected:
    // The most output worth producing next: one byte past the limit shows it was passed.
    std::size_t room() const noexcept { return limit_ - decoded_ + (limit_ - decoded_ < SIZE_MAX ? 1 : 0); }
    // Counts output appended; throws DecodedTooLarge once it passes the limit.
    void count(std::size_t n) {
        decoded_ += n;
        if (decoded_ > limit_) throw DecodedTooLarge("decoded data passes " + std::to_string(limit_) + " bytes");
    }

private:
    std::size_t limit_;
    std::size_t decoded_ = 0;
};

// Throws std::invalid_argument for identity.
std::unique_ptr<Decoder> make_decoder(ContentCoding coding, std::size_t limit = SIZE_MAX);

// The library entry points, one file each.
std::unique_ptr<Encoder> make_zlib_encoder(bool gzip, int level);
std::unique_ptr<Decoder> make_zlib_decoder(bool gzip, std::size_t limit);
// One WebSocket message compressed on its own for permessage-deflate (RFC 7692
// §7.2.1), with an LZ77 window of 2^window_bits (9..15) bytes at most.
std::string deflate_message(std::string_view message, int window_bits);
std::unique_ptr<Encoder> make_brotli_encoder(int quality);
std::unique_ptr<Decoder> make_brotli_decoder(std::size_t limit);
std::unique_ptr<Encoder> make_zstd_encoder(int level);
std::unique_ptr<Decoder> make_zstd_decoder(std::size_t limit);

}  // namespace asiohttp::detail
