// Percent-encoding and application/x-www-form-urlencoded, shared by the router,
// the request accessors and the form parser.
#pragma once

#include <string>
#include <string_view>

#include "asiohttp/multidict.hpp"

namespace asiohttp::detail {

// Decodes %XX escapes; with `plus_as_space` also '+' (form encoding). Invalid
// escapes are kept as they are, as browsers and aiohttp do.
std::string percent_decode(std::string_view in, bool plus_as_space = false);
// Encodes everything but unreserved characters and, if given, `safe` ones.
std::string percent_encode(std::string_view in, std::string_view safe = "");
// Parses "a=1&b=2&a=3" into `out` (kept in order, repeated keys kept).
void parse_urlencoded(std::string_view in, MultiDict& out);
std::string encode_query(const MultiDict& query);

}  // namespace asiohttp::detail
