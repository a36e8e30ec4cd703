// The one 413 for a request body over client_max_size, wherever it is found:
// from Content-Length before reading, while reading, or in a mocked request.
#pragma once

#include <cstddef>
#include <string>

#include "asiohttp/http_exceptions.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

inline HTTPRequestEntityTooLarge body_too_large(std::size_t limit) {
    return HTTPRequestEntityTooLarge("413: Request Entity Too Large (limit " + std::to_string(limit) + " bytes)");
}

}  // namespace asiohttp::detail
