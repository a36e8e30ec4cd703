#include "web/byte_range.hpp"

#include <algorithm>

namespace asiohttp::detail {

RangeResult parse_range(std::string_view header, std::uint64_t size, ByteRange& out) {
    if (header.substr(0, 6) != "bytes=") return RangeResult::none;
    auto spec = header.substr(6);
    if (spec.find(',') != std::string_view::npos) return RangeResult::none;
    auto dash = spec.find('-');
    if (dash == std::string_view::npos) return RangeResult::none;
    auto num = [](std::string_view s, std::uint64_t& v) {
        if (s.empty() || s.size() > 19) return false;
        v = 0;
        for (char c : s) {
            if (c < '0' || c > '9') return false;
            v = v * 10 + std::uint64_t(c - '0');
        }
        return true;
    };
    std::uint64_t a = 0, b = 0;
    auto first = spec.substr(0, dash), last = spec.substr(dash + 1);
    if (first.empty()) {  // suffix: the last n bytes
        if (!num(last, b)) return RangeResult::none;
        if (b == 0 || size == 0) return RangeResult::unsatisfiable;
        out = {size - std::min(b, size), size - 1};
        return RangeResult::ok;
    }
    if (!num(first, a)) return RangeResult::none;
    if (last.empty()) b = size ? size - 1 : 0;
    else if (!num(last, b) || b < a) return RangeResult::none;
    if (a >= size) return RangeResult::unsatisfiable;
    out = {a, std::min(b, size - 1)};
    return RangeResult::ok;
}

}  // namespace asiohttp::detail
