// Text that compresses as real text does, not as a run of one byte: words
// drawn by a fixed linear congruential sequence, the same every run.
#pragma once

#include <cstdint>
#include <string>

inline std::string sample_text(std::size_t size) {
    static const char* words[] = {"asio ", "beast ", "coroutine ", "handler ", "request ", "socket ", "the ", "of "};
    std::string s;
    std::uint32_t x = 7;
    while (s.size() < size) {
        x = x * 1103515245 + 12345;
        s += words[(x >> 16) % 8];
    }
    s.resize(size);
    return s;
}
