// Form bodies (urlencoded and multipart/form-data) and header parameters.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "asiohttp/request.hpp"

namespace asiohttp::web::detail {

// The value of parameter `name` in a header value like
// `multipart/form-data; boundary="abc"` (quotes removed), if present.
std::optional<std::string> header_param(std::string_view value, std::string_view name);
// The part before the first ';', trimmed and lower-cased: "text/html".
std::string media_type(std::string_view value);

// Parses a multipart/form-data body. Throws HTTPBadRequest when malformed.
void parse_multipart(std::string_view body, std::string_view boundary, PostData& out);

}  // namespace asiohttp::web::detail
