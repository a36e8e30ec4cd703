// zstd through libzstd.
#include <zstd.h>

#include "codec/codec.hpp"

namespace asiohttp::detail {
namespace {

void check(std::size_t rc, const char* what) {
    if (ZSTD_isError(rc)) throw std::runtime_error(std::string("zstd: ") + what + ": " + ZSTD_getErrorName(rc));
}

class ZstdEncoder final : public Encoder {
public:
    explicit ZstdEncoder(int level) : ctx_(ZSTD_createCCtx()) {
        if (!ctx_) throw std::bad_alloc();
        check(ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, level), "level");
        // Browsers decode windows up to 8 MiB only (RFC 8878's limit for HTTP).
        check(ZSTD_CCtx_setParameter(ctx_, ZSTD_c_windowLog, 23), "window");
    }
    ~ZstdEncoder() override { ZSTD_freeCCtx(ctx_); }

    void write(std::string_view in, std::string& out) override { run(in, ZSTD_e_continue, out); }
    void flush(std::string& out) override { run({}, ZSTD_e_flush, out); }
    void finish(std::string& out) override { run({}, ZSTD_e_end, out); }

private:
    void run(std::string_view in, ZSTD_EndDirective mode, std::string& out) {
        ZSTD_inBuffer input{in.data(), in.size(), 0};
        for (;;) {
            const auto before = out.size();
            const auto piece = std::max<std::size_t>(ZSTD_CStreamOutSize(), in.size() / 2);
            out.resize(before + piece);
            ZSTD_outBuffer output{out.data() + before, piece, 0};
            const auto remaining = ZSTD_compressStream2(ctx_, &output, &input, mode);
            out.resize(before + output.pos);
            check(remaining, "compression failed");
            const bool consumed = input.pos == input.size;
            if (mode == ZSTD_e_continue ? consumed : remaining == 0) break;
        }
    }
    ZSTD_CCtx* ctx_;
};

class ZstdDecoder final : public Decoder {
public:
    explicit ZstdDecoder(std::size_t limit) : Decoder(limit), ctx_(ZSTD_createDCtx()) {
        if (!ctx_) throw std::bad_alloc();
        // The encoder side's 8 MiB window, and no more: a larger one is memory a peer chooses.
        ZSTD_DCtx_setParameter(ctx_, ZSTD_d_windowLogMax, 23);
    }
    ~ZstdDecoder() override { ZSTD_freeDCtx(ctx_); }

    void write(std::string_view in, std::string& out) override {
        if (in.empty()) return;
        ZSTD_inBuffer input{in.data(), in.size(), 0};
        for (;;) {
            const auto before = out.size();
            const auto piece = std::min<std::size_t>(room(), 64u << 10);
            out.resize(before + piece);
            ZSTD_outBuffer output{out.data() + before, piece, 0};
            const auto read_before = input.pos;
            const auto rc = ZSTD_decompressStream(ctx_, &output, &input);
            out.resize(before + output.pos);
            if (ZSTD_isError(rc)) throw DecodeError(std::string("corrupt zstd data: ") + ZSTD_getErrorName(rc));
            count(output.pos);
            // rc == 0: a frame ended; another may follow (concatenated frames are one stream).
            if (rc == 0) done_ = true;
            else if (input.pos > read_before) done_ = false;
            // Done with this input once it is all read and a piece came back not full.
            if (input.pos == input.size && output.pos < output.size) break;
        }
    }
    bool done() const noexcept override { return done_; }

private:
    ZSTD_DCtx* ctx_;
    bool done_ = false;
};

}  // namespace

std::unique_ptr<Encoder> make_zstd_encoder(int level) { return std::make_unique<ZstdEncoder>(level); }
std::unique_ptr<Decoder> make_zstd_decoder(std::size_t limit) { return std::make_unique<ZstdDecoder>(limit); }

}  // namespace asiohttp::detail
