#include "web/request_id.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <random>

namespace asiohttp::detail {
namespace {

// splitmix64: a bijection, so distinct counters give distinct ids.
std::uint64_t mix(std::uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// Two hex digits per byte from one table: half the steps of digit by digit.
constexpr auto kHexPairs = [] {
    constexpr char digits[] = "0123456789abcdef";
    std::array<char, 512> t{};
    for (int b = 0; b < 256; ++b) t[2 * b] = digits[b >> 4], t[2 * b + 1] = digits[b & 15];
    return t;
}();

void hex(std::uint64_t v, char* out) noexcept {
    for (int i = 7; i >= 0; --i, v >>= 8) std::memcpy(out + 2 * i, &kHexPairs[2 * (v & 0xff)], 2);
}

}  // namespace

bool valid_request_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 128) return false;
    for (unsigned char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '/' || c == '=' || c == '@';
        if (!ok) return false;
    }
    return true;
}

std::string_view new_request_id(std::array<char, 32>& out) noexcept {
    // A random half per thread (no two threads or processes share one in
    // practice), and a counter mixed so that ids do not look sequential.
    thread_local const std::array<char, 16> thread_part = [] {
        std::random_device rd;
        std::array<char, 16> part;
        hex((std::uint64_t(rd()) << 32) ^ rd(), part.data());
        return part;
    }();
    thread_local std::uint64_t counter = 0;
    std::memcpy(out.data(), thread_part.data(), thread_part.size());
    hex(mix(counter++), out.data() + 16);
    return {out.data(), out.size()};
}

}  // namespace asiohttp::detail
