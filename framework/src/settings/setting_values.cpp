#include "settings/setting_values.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "base/ascii.hpp"

namespace asiohttp::detail {

bool parse_flag(std::string_view text) {
    const auto t = to_lower(std::string(trim(text)));
    if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
    if (t == "false" || t == "no" || t == "off" || t == "0") return false;
    throw BadValue("not true or false");
}

std::int64_t parse_integer(std::string_view text, std::int64_t min, std::int64_t max) {
    text = trim(text);
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc::result_out_of_range) throw BadValue("out of range");
    if (ec != std::errc() || end == text.data()) throw BadValue("not a whole number");
    std::string_view suffix(end, std::size_t(text.data() + text.size() - end));
    int shift = 0;
    if (suffix == "k" || suffix == "K") shift = 10;
    else if (suffix == "M") shift = 20;
    else if (suffix == "G") shift = 30;
    else if (!suffix.empty()) throw BadValue("not a whole number (suffixes: k, M, G)");
    if (shift && (value > (std::numeric_limits<std::int64_t>::max() >> shift) || value < 0)) throw BadValue("out of range");
    value <<= shift;
    if (value < min || value > max)
        throw BadValue("out of range (" + std::to_string(min) + " to " + std::to_string(max) + ")");
    return value;
}

double parse_number(std::string_view text) {
    const std::string t(trim(text));
    char* end = nullptr;
    const double value = std::strtod(t.c_str(), &end);
    if (t.empty() || end != t.c_str() + t.size() || !std::isfinite(value)) throw BadValue("not a number");
    return value;
}

std::chrono::milliseconds parse_duration(std::string_view text) {
    text = trim(text);
    std::size_t digits = 0;
    while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.'))
        ++digits;
    const auto unit = text.substr(digits);
    double scale = 0;
    if (unit.empty() || unit == "s") scale = 1000;
    else if (unit == "ms") scale = 1;
    else if (unit == "m") scale = 60'000;
    else if (unit == "h") scale = 3'600'000;
    if (digits == 0 || scale == 0) throw BadValue("not a duration (seconds, or a number with ms, s, m or h)");
    const double ms = parse_number(text.substr(0, digits)) * scale;
    if (ms > 1e15) throw BadValue("out of range");
    return std::chrono::milliseconds(std::llround(ms));
}

std::string format_duration(std::chrono::milliseconds d) {
    const auto ms = d.count();
    if (ms % 60'000 == 0 && ms >= 60'000) return std::to_string(ms / 60'000) + "m";
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

}  // namespace asiohttp::detail
