// Follows WebSocket frame boundaries through a byte stream seen in pieces of
// any size: which frame the bytes belong to and where its payload stands.
// The close-code watch reads a client's frames with it; the write gate follows
// Beast's own frames with it, so our frames go out only between Beast's.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace asiohttp::detail {

class FrameCursor {
public:
    // Takes bytes; for each stretch of payload calls on_payload(p, n, position in
    // the payload). Returns nothing: the state is the cursor's.
    template <class OnPayload>
    void advance(unsigned char* p, std::size_t n, OnPayload&& on_payload) {
        while (n > 0) {
            if (payload_left_ > 0) {
                const auto take = std::size_t(std::min<std::uint64_t>(payload_left_, n));
                on_payload(p, take, position_);
                p += take;
                n -= take;
                payload_left_ -= take;
                position_ += take;
                continue;
            }
            header_[have_++] = *p++;
            --n;
            header_done();
        }
    }
    void advance(const unsigned char* p, std::size_t n) {
        advance(const_cast<unsigned char*>(p), n, [](unsigned char*, std::size_t, std::uint64_t) {});
    }

    // No frame begun and not finished.
    bool at_boundary() const noexcept { return have_ == 0 && payload_left_ == 0; }
    // The opcode of the frame the last bytes belonged to.
    unsigned opcode() const noexcept { return opcode_; }
    const std::array<unsigned char, 4>& mask() const noexcept { return mask_; }

private:
    void header_done() {
        if (have_ < 2) return;
        const std::size_t length7 = header_[1] & 0x7f;
        const std::size_t extended = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
        const bool masked = header_[1] & 0x80;
        if (have_ < 2 + extended + (masked ? 4 : 0)) return;
        std::uint64_t length = length7;
        if (extended) {
            length = 0;
            for (std::size_t i = 0; i < extended; ++i) length = (length << 8) | header_[2 + i];
        }
        mask_ = {};
        if (masked)
            for (std::size_t i = 0; i < 4; ++i) mask_[i] = header_[2 + extended + i];
        opcode_ = header_[0] & 0x0f;
        payload_left_ = length;
        position_ = 0;
        have_ = 0;
    }

    std::array<unsigned char, 14> header_{};
    std::size_t have_ = 0;  // header bytes gathered
    std::array<unsigned char, 4> mask_{};
    unsigned opcode_ = 0;
    std::uint64_t payload_left_ = 0;  // of the current frame
    std::uint64_t position_ = 0;      // in the current frame's payload
};

}  // namespace asiohttp::detail
