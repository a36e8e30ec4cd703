// ClientWebSocketResponse: Beast's client-side WebSocket over the session's
// connector (DNS, TCP, TLS, timeouts), with the server's message API.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <nlohmann/json.hpp>

#include "client/client_core.hpp"
#include "websocket/ws_read.hpp"
#include "base/heap_allocator.hpp"
#include "base/json_text.hpp"
#include "base/nothrow.hpp"

namespace asiohttp {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace detail {

class ClientWebSocket {
public:
    explicit ClientWebSocket(asio::any_io_executor ex) : ws(ex), wakeup(ex) {
        wakeup.expires_at(asio::steady_timer::time_point::max());
    }

    websocket::stream<ClientStream> ws;
    std::string protocol;
    CIMultiDict headers;
    std::optional<int> close_code;
    std::string close_reason;
    bool is_closed = false;

    awaitable<std::optional<WSMessage>> receive() { return read_message(ws, *this); }
    // For read_message.
    bool closed() const noexcept { return is_closed; }
    void after_read(const beast::error_code& ec, int close_code) {
        if (ec) mark_closed(close_code, ec);
    }

    // Beast allows one write at a time: frames from several coroutines take turns.
    template <class Write>
    awaitable<void> write(Write write_op) {
        while (writing && !is_closed) co_await wakeup.async_wait(nothrow);
        if (is_closed) throw ClientClosedError("send on a closed WebSocket");
        writing = true;
        beast::error_code ec = co_await write_op();
        writing = false;
        wakeup.cancel();
        if (ec) {
            mark_closed(1006, ec);
            throw ClientConnectionError("WebSocket send failed: " + ec.message());
        }
    }

    awaitable<void> send(bool text, std::string_view data) {
        auto op = [this, text, data]() -> awaitable<beast::error_code> {
            ws.text(text);
            auto [ec, n] = co_await ws.async_write(asio::buffer(data), nothrow);
            co_return ec;
        };
        co_await write(op);
    }

    awaitable<void> control(bool ping, std::string_view payload) {
        auto op = [this, ping, payload]() -> awaitable<beast::error_code> {
            websocket::ping_data p(payload.data(), std::min(payload.size(), websocket::ping_data::static_capacity));
            auto [ec] = ping ? co_await ws.async_ping(p, nothrow) : co_await ws.async_pong(p, nothrow);
            co_return ec;
        };
        co_await write(op);
    }

    awaitable<void> close(int code, std::string_view reason) {
        if (is_closed) co_return;
        while (writing && !is_closed) co_await wakeup.async_wait(nothrow);
        if (is_closed) co_return;
        writing = true;
        close_code = code;
        websocket::close_reason cr(static_cast<websocket::close_code>(code), reason.substr(0, 123));
        // Beast sends the frame and waits for the server's (up to close_timeout).
        auto [ec] = co_await ws.async_close(cr, nothrow);
        writing = false;
        mark_closed(code, ec);
    }

    void mark_closed(int code, const beast::error_code& ec) {
        if (!close_code) close_code = code;
        if (close_reason.empty()) {
            auto& r = ws.reason();
            close_reason = r.code != websocket::close_code::none ? std::string(r.reason.data(), r.reason.size())
                                                                 : (ec ? ec.message() : std::string());
        }
        is_closed = true;
        wakeup.cancel();
    }

private:
    bool writing = false;
    asio::steady_timer wakeup;  // wakes writers waiting their turn
};

awaitable<std::unique_ptr<ClientWebSocket>> ws_connect(std::shared_ptr<ClientCore> core, std::string url_text,
                                                       WSConnectOptions o) {
    if (core->connector->closed()) throw ClientClosedError("the session is closed");
    const URL url = core->resolve(url_text);
    ClientTimeout timeout = core->options.timeout;
    if (o.timeout) timeout.total = o.timeout;
    const Deadlines d(timeout);

    auto impl = std::make_unique<ClientWebSocket>(co_await asio::this_coro::executor);
    auto& ws = impl->ws;
    co_await core->connector->open(ws.next_layer(), url, core->options.tls, d);

    ws.read_message_max(o.max_msg_size);
    websocket::permessage_deflate pmd;
    pmd.client_enable = o.compress;
    ws.set_option(pmd);
    auto handshake_limit = d.read();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = handshake_limit.at ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                                   *handshake_limit.at - Clock::now())
                                             : std::chrono::milliseconds(o.close_timeout);
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws.set_option(t);

    auto headers = core->common_headers(url, o.headers, core->options.auth, {});
    std::string protocols;
    for (auto& p : o.protocols) protocols += (protocols.empty() ? "" : ", ") + p;
    ws.set_option(websocket::stream_base::decorator([headers, protocols](websocket::request_type& req) {
        for (auto& [k, v] : headers)
            if (!beast::iequals(k, "Host")) req.set(k, v);
        if (!protocols.empty()) req.set(http::field::sec_websocket_protocol, protocols);
    }));
    websocket::response_type res;
    // From the heap, not Asio's cache of freed blocks: see the server's accept.
    auto [ec] = co_await ws.async_handshake(res, url.authority(), url.target(),
                                            asio::bind_allocator(detail::HeapAllocator<char>(), nothrow_awaitable));
    if (ec == beast::error::timeout) Deadlines::fail(handshake_limit, "WebSocket handshake with " + url.str());
    if (ec && res.result_int() != 0 && res.result_int() != 101)
        throw ClientResponseError(int(res.result_int()), "WebSocket handshake refused", url.str());
    if (ec) throw ClientConnectionError("WebSocket handshake with " + url.str() + " failed: " + ec.message());

    for (auto& field : res) impl->headers.add(field.name_string(), field.value());
    impl->protocol = std::string(res[http::field::sec_websocket_protocol]);
    std::vector<std::string> set_cookie;
    for (auto c : impl->headers.getall("Set-Cookie")) set_cookie.emplace_back(c);
    if (core->options.cookie_jar) core->jar.update_cookies(set_cookie, url);

    t.handshake_timeout = o.close_timeout;  // now the close handshake's
    t.idle_timeout = o.heartbeat ? *o.heartbeat * 2 : websocket::stream_base::none();
    t.keep_alive_pings = o.heartbeat.has_value();
    ws.set_option(t);
    co_return impl;
}

}  // namespace detail

awaitable<ClientWebSocketResponse> ClientSession::ws_connect(std::string url, WSConnectOptions options) {
    auto impl = co_await detail::ws_connect(core_, std::move(url), std::move(options));
    co_return ClientWebSocketResponse(std::move(impl));
}

ClientWebSocketResponse::ClientWebSocketResponse() = default;
ClientWebSocketResponse::ClientWebSocketResponse(std::unique_ptr<detail::ClientWebSocket> impl)
    : impl_(std::move(impl)) {}
ClientWebSocketResponse::~ClientWebSocketResponse() {
    if (impl_ && !impl_->is_closed) impl_->ws.next_layer().close();
}
ClientWebSocketResponse::ClientWebSocketResponse(ClientWebSocketResponse&&) noexcept = default;
ClientWebSocketResponse& ClientWebSocketResponse::operator=(ClientWebSocketResponse&&) noexcept = default;

awaitable<std::optional<WSMessage>> ClientWebSocketResponse::receive() { return impl_->receive(); }
awaitable<void> ClientWebSocketResponse::send_str(std::string_view text) { return impl_->send(true, text); }
awaitable<void> ClientWebSocketResponse::send_bytes(std::string_view data) { return impl_->send(false, data); }
awaitable<void> ClientWebSocketResponse::send_json(const nlohmann::json& data) {
    auto text = detail::json_text(data);
    co_await impl_->send(true, text);
}
awaitable<void> ClientWebSocketResponse::ping(std::string_view payload) { return impl_->control(true, payload); }
awaitable<void> ClientWebSocketResponse::pong(std::string_view payload) { return impl_->control(false, payload); }
awaitable<void> ClientWebSocketResponse::close(WSCloseCode code, std::string_view reason) {
    return impl_->close(int(code), reason);
}

bool ClientWebSocketResponse::closed() const noexcept { return !impl_ || impl_->is_closed; }
std::optional<int> ClientWebSocketResponse::close_code() const noexcept {
    return impl_ ? impl_->close_code : std::nullopt;
}
const std::string& ClientWebSocketResponse::close_reason() const noexcept { return impl_->close_reason; }
const std::string& ClientWebSocketResponse::protocol() const noexcept { return impl_->protocol; }
const CIMultiDict& ClientWebSocketResponse::headers() const noexcept { return impl_->headers; }

}  // namespace asiohttp
