#include "base/inflater.hpp"

#include <zlib.h>

#include "asiohttp/client_exceptions.hpp"
#include "asiohttp/multidict.hpp"

namespace asiohttp::detail {

struct Inflater::Stream {
    z_stream z{};
    bool open = false;
    void init(int window_bits) {
        if (open) inflateEnd(&z);
        z = z_stream{};
        if (inflateInit2(&z, window_bits) != Z_OK) throw ClientPayloadError("cannot start decompressing the body");
        open = true;
    }
    ~Stream() {
        if (open) inflateEnd(&z);
    }
};

bool is_decompressible(std::string_view encoding) {
    return iequals(encoding, "gzip") || iequals(encoding, "x-gzip") || iequals(encoding, "deflate");
}

Inflater::Inflater(std::string_view encoding) : z_(std::make_unique<Stream>()), gzip_(!iequals(encoding, "deflate")) {
    z_->init(gzip_ ? 15 + 16 : 15);
}

Inflater::~Inflater() = default;

void Inflater::feed(std::string_view in, std::string& out) {
    if (done_ || in.empty()) return;
    // "deflate" is meant to carry a zlib header; a first byte that cannot start
    // one means raw deflate, as some servers send.
    if (!gzip_ && !started_ && (static_cast<unsigned char>(in[0]) & 0x0f) != 8) z_->init(-15);
    started_ = true;
    auto& z = z_->z;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    char chunk[16 << 10];
    for (;;) {
        z.next_out = reinterpret_cast<Bytef*>(chunk);
        z.avail_out = sizeof chunk;
        const int rc = inflate(&z, Z_NO_FLUSH);
        out.append(chunk, sizeof chunk - z.avail_out);
        if (rc == Z_STREAM_END) {
            done_ = true;
            break;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            throw ClientPayloadError(std::string("cannot decompress the body: ") + (z.msg ? z.msg : "corrupt data"));
        // A full chunk may leave more output pending; otherwise zlib wants input.
        if (rc == Z_BUF_ERROR || (z.avail_out > 0 && z.avail_in == 0)) break;
    }
}

}  // namespace asiohttp::detail
