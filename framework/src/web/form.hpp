// multipart/form-data bodies (urlencoded ones are base/url_codec's).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "asiohttp/request.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

// Parses a multipart/form-data body. Throws HTTPBadRequest when malformed.
void parse_multipart(std::string_view body, std::string_view boundary, PostData& out);

}  // namespace asiohttp::detail
