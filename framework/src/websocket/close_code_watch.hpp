// Watches the frames a client sends for close codes RFC 6455 §7.4 does not
// allow but Beast lets through (5000 and above: Beast would echo them back).
// It turns such a code, in place, into one Beast refuses, so Beast answers
// with 1002 as it does for every other invalid code.
#pragma once

#include "websocket/frame_cursor.hpp"

namespace asiohttp::detail {

class CloseCodeWatch {
public:
    void inspect(unsigned char* p, std::size_t n) {
        cursor_.advance(p, n, [this](unsigned char* at, std::size_t count, std::uint64_t position) {
            if (cursor_.opcode() == 0x8 && position == 0) watch_code(at, count);
        });
    }

private:
    // The code is the close payload's first two bytes (masked, from a client).
    void watch_code(unsigned char* p, std::size_t n) {
        const auto& mask = cursor_.mask();
        const unsigned high = p[0] ^ mask[0];
        if (n >= 2) {
            const unsigned code = (high << 8) | unsigned(p[1] ^ mask[1]);
            if (code >= 5000) p[0] = mask[0];  // high byte 0: below 1000, refused
        } else if (high >= 0x13) {
            p[0] = mask[0];  // its low byte comes later: refuse what may be 5000 or more
        }
    }

    FrameCursor cursor_;
};

}  // namespace asiohttp::detail
