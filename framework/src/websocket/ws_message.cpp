#include "asiohttp/ws_message.hpp"

#include <nlohmann/json.hpp>

namespace asiohttp {

nlohmann::json WSMessage::json() const { return nlohmann::json::parse(data_); }

}  // namespace asiohttp
