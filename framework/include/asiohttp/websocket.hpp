// web::WebSocketResponse, as aiohttp.web.WebSocketResponse:
//
//   awaitable<web::Response> echo(web::Request& req) {
//       web::WebSocketResponse ws({.heartbeat = 30s});
//       co_await ws.prepare(req);
//       while (auto msg = co_await ws.receive()) {
//           if (msg->is_text()) co_await ws.send_str(msg->text());
//           else if (msg->is_binary()) co_await ws.send_bytes(msg->bytes());
//       }
//       co_return ws;
//   }
//
// RFC 6455 framing, UTF-8 checks, fragmentation and the close handshake are
// Beast's. Outgoing messages go through one bounded queue per socket, so any
// thread may send (through a WebSocketHandle) and a client that stops reading is
// dropped with 1013 instead of growing memory.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "asiohttp/awaitable.hpp"
#include "asiohttp/response.hpp"
#include "asiohttp/ws_message.hpp"

namespace asiohttp::web {

class Request;

}  // namespace asiohttp::web

namespace asiohttp::detail {
class WsConnection;
struct WebSocketMailbox;
class LiveWebSockets;
}  // namespace asiohttp::detail

namespace asiohttp::web {

using asiohttp::WSCloseCode;
using asiohttp::WSMessage;
using asiohttp::WSMsgType;

struct WebSocketOptions {
    // Ping after this long without receiving anything; close (1006 to the
    // handler) when another such interval passes in silence. Unset: no heartbeat.
    std::optional<std::chrono::milliseconds> heartbeat;
    std::size_t max_msg_size = 4 << 20;  // larger incoming messages: close 1009
    std::vector<std::string> protocols;  // subprotocols we speak, in order of preference
    bool compress = false;               // permessage-deflate, if the client offers it
    std::chrono::milliseconds close_timeout{10'000};
    // Bytes waiting to be sent to this client; beyond it the client is too slow
    // and is dropped with 1013 (Try Again Later).
    std::size_t max_queue_size = 4 << 20;
};

// A thread-safe reference to a live WebSocket: sends are queued and carried out
// on the socket's own thread. Cheap to copy; harmless after the socket closed.
class WebSocketHandle {
public:
    WebSocketHandle() = default;
    // Each returns false if the socket is already gone.
    bool send_str(std::string text) const;
    bool send_bytes(std::string data) const;
    bool send_json(const nlohmann::json& data) const;
    bool close(WSCloseCode code = WSCloseCode::ok, std::string reason = {}) const;
    bool alive() const noexcept;
    explicit operator bool() const noexcept { return mailbox_ != nullptr; }
    friend bool operator==(const WebSocketHandle& a, const WebSocketHandle& b) noexcept {
        return a.mailbox_ == b.mailbox_;
    }

private:
    friend class detail::WsConnection;
    friend class detail::LiveWebSockets;
    friend class WebSocketResponse;
    friend class Topics;
    explicit WebSocketHandle(std::shared_ptr<detail::WebSocketMailbox> m) : mailbox_(std::move(m)) {}
    std::shared_ptr<detail::WebSocketMailbox> mailbox_;
};

class WebSocketResponse : public Response {
public:
    explicit WebSocketResponse(WebSocketOptions options = {});
    ~WebSocketResponse();
    WebSocketResponse(WebSocketResponse&&) noexcept;
    WebSocketResponse& operator=(WebSocketResponse&&) noexcept;

    // Whether the request asks for a WebSocket (and which of our protocols it wants).
    static bool can_prepare(const Request& req);

    // The handshake. A request that is not a valid upgrade gets a 400 (426 for a
    // wrong version) through HTTPException, and the connection goes on as HTTP.
    awaitable<void> prepare(Request& req);

    // The next text or binary message (pings are answered automatically), or
    // nullopt once the socket is closed: by either side, by an error, or by a
    // missed heartbeat. close_code() then says how.
    awaitable<std::optional<WSMessage>> receive();

    awaitable<void> send_str(std::string_view text);
    awaitable<void> send_bytes(std::string_view data);
    awaitable<void> send_json(const nlohmann::json& data);
    awaitable<void> ping(std::string_view payload = {});
    awaitable<void> pong(std::string_view payload = {});
    // Starts the close handshake and waits for it (up to close_timeout).
    awaitable<void> close(WSCloseCode code = WSCloseCode::ok, std::string_view reason = {});

    bool prepared() const noexcept { return connection_ != nullptr; }
    bool closed() const noexcept;
    // The close code received or sent (1006 when the connection just ended).
    std::optional<int> close_code() const noexcept;
    // The negotiated subprotocol, or "".
    std::string_view protocol() const noexcept;
    // For sending from other threads (chat rooms, broadcasts).
    WebSocketHandle handle() const;

private:
    WebSocketOptions options_;
    std::shared_ptr<detail::WsConnection> connection_;
};

}  // namespace asiohttp::web
