// JSON text for a response, a WebSocket message or a request body.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace asiohttp::detail {

// What data.dump() returns, without dump()'s per-call set-up (see json_text.cpp).
std::string json_text(const nlohmann::json& data);

}  // namespace asiohttp::detail
