// br through libbrotli.
#include <brotli/decode.h>
#include <brotli/encode.h>

#include "codec/codec.hpp"

namespace asiohttp::detail {
namespace {

class BrotliEncoder final : public Encoder {
public:
    explicit BrotliEncoder(int quality) : state_(BrotliEncoderCreateInstance(nullptr, nullptr, nullptr)) {
        if (!state_) throw std::bad_alloc();
        BrotliEncoderSetParameter(state_, BROTLI_PARAM_QUALITY, std::uint32_t(quality));
        // A 4 MiB window (brotli's default is 4 MiB too, but say so: memory per stream).
        BrotliEncoderSetParameter(state_, BROTLI_PARAM_LGWIN, 22);
    }
    ~BrotliEncoder() override { BrotliEncoderDestroyInstance(state_); }

    void write(std::string_view in, std::string& out) override { run(in, BROTLI_OPERATION_PROCESS, out); }
    void flush(std::string& out) override { run({}, BROTLI_OPERATION_FLUSH, out); }
    void finish(std::string& out) override { run({}, BROTLI_OPERATION_FINISH, out); }

private:
    void run(std::string_view in, BrotliEncoderOperation op, std::string& out) {
        auto avail_in = in.size();
        auto next_in = reinterpret_cast<const std::uint8_t*>(in.data());
        for (;;) {
            std::size_t avail_out = 0;
            if (!BrotliEncoderCompressStream(state_, op, &avail_in, &next_in, &avail_out, nullptr, nullptr))
                throw std::runtime_error("brotli: compression failed");
            std::size_t size = 0;
            const auto* taken = BrotliEncoderTakeOutput(state_, &size);
            out.append(reinterpret_cast<const char*>(taken), size);
            const bool pending = BrotliEncoderHasMoreOutput(state_);
            if (op == BROTLI_OPERATION_FINISH ? BrotliEncoderIsFinished(state_) : (avail_in == 0 && !pending)) break;
        }
    }
    BrotliEncoderState* state_;
};

class BrotliDecoder final : public Decoder {
public:
    explicit BrotliDecoder(std::size_t limit)
        : Decoder(limit), state_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {
        if (!state_) throw std::bad_alloc();
    }
    ~BrotliDecoder() override { BrotliDecoderDestroyInstance(state_); }

    void write(std::string_view in, std::string& out) override {
        if (done_ || in.empty()) return;
        auto avail_in = in.size();
        auto next_in = reinterpret_cast<const std::uint8_t*>(in.data());
        for (;;) {
            const auto before = out.size();
            std::size_t piece = std::min<std::size_t>(room(), 64u << 10);
            out.resize(before + piece);
            auto next_out = reinterpret_cast<std::uint8_t*>(out.data() + before);
            std::size_t avail_out = piece;
            const auto rc = BrotliDecoderDecompressStream(state_, &avail_in, &next_in, &avail_out, &next_out, nullptr);
            out.resize(before + piece - avail_out);
            count(piece - avail_out);
            if (rc == BROTLI_DECODER_RESULT_SUCCESS) {
                done_ = true;
                return;
            }
            if (rc == BROTLI_DECODER_RESULT_ERROR)
                throw DecodeError(std::string("corrupt br data: ") +
                                  BrotliDecoderErrorString(BrotliDecoderGetErrorCode(state_)));
            // Wanting input can still leave decoded bytes held back for a full piece.
            if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT && !BrotliDecoderHasMoreOutput(state_)) return;
        }
    }
    bool done() const noexcept override { return done_; }

private:
    BrotliDecoderState* state_;
    bool done_ = false;
};

}  // namespace

std::unique_ptr<Encoder> make_brotli_encoder(int quality) { return std::make_unique<BrotliEncoder>(quality); }
std::unique_ptr<Decoder> make_brotli_decoder(std::size_t limit) { return std::make_unique<BrotliDecoder>(limit); }

}  // namespace asiohttp::detail
