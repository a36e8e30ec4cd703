// The header of a frame the server writes itself (RFC 6455 §5.2): final,
// unmasked, RSV1 set when the payload is deflated (RFC 7692 §6).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace asiohttp::detail {

class FrameHeader {
public:
    static constexpr unsigned char kText = 0x1, kBinary = 0x2;

    FrameHeader() = default;
    FrameHeader(unsigned char opcode, bool deflated, std::uint64_t length) {
        bytes_[0] = static_cast<unsigned char>(0x80 | (deflated ? 0x40 : 0) | opcode);
        if (length < 126) {
            bytes_[1] = static_cast<unsigned char>(length);
            size_ = 2;
        } else if (length <= 0xffff) {
            bytes_[1] = 126;
            put(length, 2);
        } else {
            bytes_[1] = 127;
            put(length, 8);
        }
    }

    std::string_view bytes() const noexcept { return {reinterpret_cast<const char*>(bytes_.data()), size_}; }

private:
    void put(std::uint64_t length, unsigned char n) {
        for (unsigned char i = 0; i < n; ++i) bytes_[2 + i] = static_cast<unsigned char>(length >> (8 * (n - 1 - i)));
        size_ = 2 + n;
    }

    std::array<unsigned char, 10> bytes_{};
    unsigned char size_ = 0;
};

}  // namespace asiohttp::detail
