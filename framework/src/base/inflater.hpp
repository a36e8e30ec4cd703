// Decompression of gzip and deflate response bodies (zlib), piece by piece as
// the body arrives: the client's auto_decompress, as aiohttp's.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace asiohttp::detail {

class Inflater {
public:
    // "gzip" or "deflate" (zlib-wrapped, as RFC 9110 means it; raw deflate, which
    // some servers send instead, is recognised too).
    explicit Inflater(std::string_view encoding);
    ~Inflater();
    Inflater(const Inflater&) = delete;

    // Appends what `in` decompresses to. Throws ClientPayloadError on corrupt input.
    void feed(std::string_view in, std::string& out);
    // True once the compressed stream has ended properly.
    bool done() const noexcept { return done_; }
    bool started() const noexcept { return started_; }

private:
    struct Stream;
    std::unique_ptr<Stream> z_;
    bool gzip_;
    bool started_ = false;
    bool done_ = false;
};

// The encoding a response's Content-Encoding names, if it is one we decompress.
bool is_decompressible(std::string_view content_encoding);

}  // namespace asiohttp::detail
