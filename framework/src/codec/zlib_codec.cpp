// gzip and deflate (zlib-wrapped, as RFC 9110 means "deflate") through zlib.
#include <zlib.h>

#include <algorithm>
#include <array>

#include "codec/codec.hpp"

namespace asiohttp::detail {
namespace {

constexpr int kMaxWindow = 15;
constexpr int kGzipWindow = kMaxWindow + 16;

Bytef* bytes(std::string_view s) { return reinterpret_cast<Bytef*>(const_cast<char*>(s.data())); }

class ZlibEncoder final : public Encoder {
public:
    // zlib's windowBits: 9..15 zlib-wrapped, +16 gzip, negative raw deflate.
    ZlibEncoder(int window_bits, int level) {
        if (deflateInit2(&z_, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            throw std::runtime_error("zlib: cannot start compressing");
    }
    ~ZlibEncoder() override { deflateEnd(&z_); }

    void write(std::string_view in, std::string& out) override { run(in, Z_NO_FLUSH, out); }
    void flush(std::string& out) override { run({}, Z_SYNC_FLUSH, out); }
    void finish(std::string& out) override { run({}, Z_FINISH, out); }
    // Starts a new stream with the same settings, keeping the memory.
    void reset() { deflateReset(&z_); }

private:
    void run(std::string_view in, int mode, std::string& out) {
        z_.next_in = bytes(in);
        z_.avail_in = uInt(in.size());
        for (;;) {
            const auto before = out.size();
            const auto room = std::max<std::size_t>(deflateBound(&z_, z_.avail_in), 64);
            out.resize(before + room);
            z_.next_out = reinterpret_cast<Bytef*>(out.data() + before);
            z_.avail_out = uInt(room);
            const int rc = deflate(&z_, mode);
            out.resize(before + room - z_.avail_out);
            if (rc == Z_STREAM_END || (z_.avail_out > 0 && z_.avail_in == 0)) break;
            if (rc != Z_OK && rc != Z_BUF_ERROR) throw std::runtime_error("zlib: compression failed");
        }
    }
    z_stream z_{};
};

class ZlibDecoder final : public Decoder {
public:
    ZlibDecoder(bool gzip, std::size_t limit) : Decoder(limit), gzip_(gzip) { init(gzip ? kGzipWindow : kMaxWindow); }
    ~ZlibDecoder() override { inflateEnd(&z_); }

    void write(std::string_view in, std::string& out) override {
        if (done_ || in.empty()) return;
        // "deflate" is meant to carry a zlib header; a first byte that cannot
        // start one means raw deflate, as some servers send.
        if (!gzip_ && !started_ && (static_cast<unsigned char>(in[0]) & 0x0f) != Z_DEFLATED) {
            inflateEnd(&z_);
            init(-kMaxWindow);
        }
        started_ = true;
        z_.next_in = bytes(in);
        z_.avail_in = uInt(in.size());
        for (;;) {
            const auto before = out.size();
            const auto piece = std::min<std::size_t>(room(), 64u << 10);
            out.resize(before + piece);
            z_.next_out = reinterpret_cast<Bytef*>(out.data() + before);
            z_.avail_out = uInt(piece);
            const int rc = inflate(&z_, Z_NO_FLUSH);
            out.resize(before + piece - z_.avail_out);
            count(piece - z_.avail_out);
            if (rc == Z_STREAM_END) {
                done_ = true;
                break;
            }
            if (rc != Z_OK && rc != Z_BUF_ERROR)
                throw DecodeError(std::string("corrupt ") + (gzip_ ? "gzip" : "deflate") +
                                  " data: " + (z_.msg ? z_.msg : "unexpected input"));
            // A full piece may leave more output pending; otherwise zlib wants input.
            if (rc == Z_BUF_ERROR || (z_.avail_out > 0 && z_.avail_in == 0)) break;
        }
    }
    bool done() const noexcept override { return done_; }

private:
    void init(int window) {
        z_ = z_stream{};
        if (inflateInit2(&z_, window) != Z_OK) throw std::runtime_error("zlib: cannot start decompressing");
    }
    z_stream z_{};
    bool gzip_;
    bool started_ = false;
    bool done_ = false;
};

}  // namespace

std::unique_ptr<Encoder> make_zlib_encoder(bool gzip, int level) {
    return std::make_unique<ZlibEncoder>(gzip ? kGzipWindow : kMaxWindow, level);
}

std::string deflate_message(std::string_view message, int window_bits) {
    // One compressor per window size and thread, reset for each message: a
    // deflate state is 256 KiB to set up, and messages come one at a time.
    constexpr int kLevel = 6, kSmallestWindow = 9;
    thread_local std::array<std::unique_ptr<ZlibEncoder>, kMaxWindow - kSmallestWindow + 1> encoders;
    window_bits = std::clamp(window_bits, kSmallestWindow, kMaxWindow);  // zlib cannot do 8 (RFC 7692 allows it)
    auto& encoder = encoders[std::size_t(window_bits - kSmallestWindow)];
    if (!encoder) encoder = std::make_unique<ZlibEncoder>(-window_bits, kLevel);
    encoder->reset();
    std::string out;
    encoder->write(message, out);
    encoder->flush(out);
    out.resize(out.size() - 4);  // the sync flush's empty block, 00 00 ff ff: the reader adds it back
    return out;
}
std::unique_ptr<Decoder> make_zlib_decoder(bool gzip, std::size_t limit) {
    return std::make_unique<ZlibDecoder>(gzip, limit);
}

}  // namespace asiohttp::detail
