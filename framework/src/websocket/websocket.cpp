#include "asiohttp/websocket.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <nlohmann/json.hpp>

#include "asiohttp/application.hpp"
#include "asiohttp/http_exceptions.hpp"
#include "asiohttp/request.hpp"
#include "net/transport.hpp"
#include "web/exchange.hpp"
#include "base/header_values.hpp"
#include "base/json_text.hpp"
#include "websocket/live_websockets.hpp"
#include "websocket/ws_connection.hpp"

namespace asiohttp::web {

using detail::WsConnection;
using Kind = WsConnection::Outgoing::Kind;

namespace {

using asiohttp::detail::has_token;

bool valid_key(std::string_view key) {
    // base64 of 16 bytes: 22 characters and "=="
    if (key.size() != 24 || key.substr(22) != "==") return false;
    for (char c : key.substr(0, 22))
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/')) return false;
    return true;
}

// Why the request is not a WebSocket handshake we can accept, or nothing.
void check_handshake(const Request& req) {
    auto& h = req.headers();
    if (!has_token(h.get("Upgrade", ""), "websocket"))
        throw HTTPBadRequest("400: Bad Request: expected a WebSocket upgrade (Upgrade: websocket)");
    if (req.method() != "GET") throw HTTPBadRequest("400: Bad Request: a WebSocket handshake must be a GET");
    if (!has_token(h.get("Connection", ""), "upgrade"))
        throw HTTPBadRequest("400: Bad Request: a WebSocket handshake needs Connection: Upgrade");
    if (h.get("Sec-WebSocket-Version", "") != "13") {
        HTTPUpgradeRequired err("426: Upgrade Required: only WebSocket version 13 is supported");
        err.headers().set("Sec-WebSocket-Version", "13");
        throw err;
    }
    if (!valid_key(h.get("Sec-WebSocket-Key", "")))
        throw HTTPBadRequest("400: Bad Request: missing or malformed Sec-WebSocket-Key");
}

// The first of our protocols (in our order of preference) that the client offers.
std::string choose_protocol(const Request& req, const std::vector<std::string>& ours) {
    for (auto& offered : req.headers().getall("Sec-WebSocket-Protocol"))
        for (auto& p : ours)
            if (has_token(offered, p)) return p;
    return {};
}

}  // namespace

// --- WebSocketHandle: any thread ---

bool WebSocketHandle::send_str(std::string text) const {
    return mailbox_ && detail::deliver(mailbox_, {Kind::text, std::move(text)});
}
bool WebSocketHandle::send_bytes(std::string data) const {
    return mailbox_ && detail::deliver(mailbox_, {Kind::binary, std::move(data)});
}
bool WebSocketHandle::send_json(const nlohmann::json& data) const { return send_str(detail::json_text(data)); }
bool WebSocketHandle::close(WSCloseCode code, std::string reason) const {
    return mailbox_ && detail::deliver(mailbox_, {Kind::close, std::move(reason), int(code)});
}

bool WebSocketHandle::alive() const noexcept {
    if (!mailbox_) return false;
    std::lock_guard lock(mailbox_->mutex);
    return mailbox_->alive;
}

// --- WebSocketResponse: the handler's thread ---

WebSocketResponse::WebSocketResponse(WebSocketOptions options) : Response(101), options_(std::move(options)) {}
WebSocketResponse::WebSocketResponse(WebSocketResponse&&) noexcept = default;
WebSocketResponse& WebSocketResponse::operator=(WebSocketResponse&&) noexcept = default;

WebSocketResponse::~WebSocketResponse() {
    // A handler that returns without closing gets a normal close (1000).
    if (connection_)
        boost::asio::co_spawn(
            connection_->mailbox()->executor, [s = connection_]() { return s->finish(); }, boost::asio::detached);
}

bool WebSocketResponse::can_prepare(const Request& req) {
    try {
        check_handshake(req);
        return true;
    } catch (const HTTPException&) {
        return false;
    }
}

awaitable<void> WebSocketResponse::prepare(Request& req) {
    if (connection_) co_return;
    check_handshake(req);
    auto protocol = choose_protocol(req, options_.protocols);
    auto taken = detail::RequestAccess::exchange(req).take_over();
    connection_ = WsConnection::make(std::move(taken), options_, *req.app().live_);
    co_await connection_->accept(detail::RequestAccess::head(req), protocol);
    set_status(101);
}

namespace {
WsConnection& require(const std::shared_ptr<WsConnection>& s) {
    if (!s) throw std::logic_error("WebSocketResponse used before prepare()");
    return *s;
}
}  // namespace

awaitable<std::optional<WSMessage>> WebSocketResponse::receive() { return require(connection_).receive(); }

awaitable<void> WebSocketResponse::send_str(std::string_view text) {
    return require(connection_).send({Kind::text, std::string(text)});
}
awaitable<void> WebSocketResponse::send_bytes(std::string_view data) {
    return require(connection_).send({Kind::binary, std::string(data)});
}
awaitable<void> WebSocketResponse::send_json(const nlohmann::json& data) {
    return require(connection_).send({Kind::text, detail::json_text(data)});
}
awaitable<void> WebSocketResponse::ping(std::string_view payload) {
    return require(connection_).send({Kind::ping, std::string(payload)});
}
awaitable<void> WebSocketResponse::pong(std::string_view payload) {
    return require(connection_).send({Kind::pong, std::string(payload)});
}
awaitable<void> WebSocketResponse::close(WSCloseCode code, std::string_view reason) {
    return require(connection_).close(int(code), std::string(reason));
}

bool WebSocketResponse::closed() const noexcept { return !connection_ || connection_->closed(); }
std::optional<int> WebSocketResponse::close_code() const noexcept {
    return connection_ ? connection_->close_code() : std::nullopt;
}
std::string_view WebSocketResponse::protocol() const noexcept {
    return connection_ ? std::string_view(connection_->protocol()) : std::string_view();
}
WebSocketHandle WebSocketResponse::handle() const { return WebSocketHandle(require(connection_).mailbox()); }

}  // namespace asiohttp::web
