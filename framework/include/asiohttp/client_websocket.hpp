// The client side of a WebSocket, as aiohttp's ClientWebSocketResponse: the
// same message API as the server's WebSocketResponse.
//
//   auto ws = co_await session.ws_connect("ws://127.0.0.1:8080/ws/echo");
//   co_await ws.send_str("hi");
//   auto msg = co_await ws.receive();   // nullopt once closed
//   co_await ws.close();
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "asiohttp/awaitable.hpp"
#include "asiohttp/multidict.hpp"
#include "asiohttp/ws_message.hpp"

namespace asiohttp {

struct ClientTimeout;
struct TLSConfig;

struct WSConnectOptions {
    std::vector<std::string> protocols;  // offered subprotocols
    CIMultiDict headers;                 // extra handshake headers
    // Ping after this long without receiving anything; give up (1006) when
    // another such interval passes in silence. Unset: no heartbeat.
    std::optional<std::chrono::milliseconds> heartbeat;
    std::size_t max_msg_size = 4 << 20;  // larger incoming messages: close 1009
    bool compress = false;               // offer permessage-deflate
    std::chrono::milliseconds close_timeout{10'000};
    // The handshake (connect included); unset: the session's timeout.total.
    std::optional<std::chrono::milliseconds> timeout;
};

namespace detail {
class ClientWebSocket;
}

class ClientWebSocketResponse {
public:
    ClientWebSocketResponse();
    ~ClientWebSocketResponse();  // closes the socket without a handshake if still open
    ClientWebSocketResponse(ClientWebSocketResponse&&) noexcept;
    ClientWebSocketResponse& operator=(ClientWebSocketResponse&&) noexcept;

    // The next text or binary message, or nullopt once closed (close_code() says how).
    awaitable<std::optional<WSMessage>> receive();
    awaitable<void> send_str(std::string_view text);
    awaitable<void> send_bytes(std::string_view data);
    awaitable<void> send_json(const nlohmann::json& data);
    awaitable<void> ping(std::string_view payload = {});
    awaitable<void> pong(std::string_view payload = {});
    // The close handshake, waiting for the server's answer up to close_timeout.
    awaitable<void> close(WSCloseCode code = WSCloseCode::ok, std::string_view reason = {});

    bool closed() const noexcept;
    std::optional<int> close_code() const noexcept;
    const std::string& close_reason() const noexcept;
    // The negotiated subprotocol, or "".
    const std::string& protocol() const noexcept;
    // The handshake response's headers.
    const CIMultiDict& headers() const noexcept;

private:
    friend class ClientSession;
    explicit ClientWebSocketResponse(std::unique_ptr<detail::ClientWebSocket> impl);
    std::unique_ptr<detail::ClientWebSocket> impl_;
};

}  // namespace asiohttp
