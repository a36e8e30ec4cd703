// Text to typed values for Settings, one rule each; the error text says what
// was expected ("not a whole number").
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace asiohttp::detail {

// What a value should have looked like; Settings adds where it came from.
struct BadValue : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

bool parse_flag(std::string_view text);
// Digits with an optional k, M or G suffix (1024-based), within [min, max].
std::int64_t parse_integer(std::string_view text, std::int64_t min, std::int64_t max);
double parse_number(std::string_view text);
// Seconds ("7", "0.5") or a number with a unit: ms, s, m, h. Never negative.
std::chrono::milliseconds parse_duration(std::string_view text);
// The shortest exact spelling parse_duration reads back: "7s", "500ms", "2m".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace asiohttp::detail
