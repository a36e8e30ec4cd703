// WebSocket messages and close codes, shared by the server's WebSocketResponse
// and the client's ClientWebSocketResponse.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace asiohttp {

// Close codes (RFC 6455, section 7.4.1).
enum class WSCloseCode : int {
    ok = 1000,
    going_away = 1001,
    protocol_error = 1002,
    unsupported_data = 1003,
    abnormal_closure = 1006,  // never sent: the connection ended without a close frame
    invalid_text = 1007,
    policy_violation = 1008,
    message_too_big = 1009,
    mandatory_extension = 1010,
    internal_error = 1011,
    service_restart = 1012,
    try_again_later = 1013,
};

enum class WSMsgType { text, binary, ping, pong };

class WSMessage {
public:
    WSMessage(WSMsgType type, std::string data) : type_(type), data_(std::move(data)) {}
    WSMsgType type() const noexcept { return type_; }
    bool is_text() const noexcept { return type_ == WSMsgType::text; }
    bool is_binary() const noexcept { return type_ == WSMsgType::binary; }
    const std::string& text() const noexcept { return data_; }
    const std::string& bytes() const noexcept { return data_; }
    std::string& data() noexcept { return data_; }
    // The payload parsed as JSON; throws nlohmann::json::parse_error.
    nlohmann::json json() const;

private:
    WSMsgType type_;
    std::string data_;
};

}  // namespace asiohttp
