// X-Request-ID (ServerConfig::request_ids): what a trusted proxy says, if it is
// a sane token, else a new 128-bit id.
#pragma once

#include <array>
#include <string_view>

namespace asiohttp::detail {

// An id as sent: 1 to 128 characters of letters, digits and "-_.:+/=@".
bool valid_request_id(std::string_view id) noexcept;

// A new id, unique across threads and processes: 32 hex digits written to `out`.
std::string_view new_request_id(std::array<char, 32>& out) noexcept;

}  // namespace asiohttp::detail
