// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") formatting and parsing.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace asiohttp::detail {

std::string format_http_date(std::time_t t);
std::optional<std::time_t> parse_http_date(std::string_view s);
// The current date, formatted once per second per thread (for the Date header).
std::string_view current_http_date();

}  // namespace asiohttp::detail
