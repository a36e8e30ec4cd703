#include "websocket/websocket_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket/error.hpp>

#include "base/log.hpp"
#include "websocket/ws_read.hpp"
#include "base/nothrow.hpp"

namespace asiohttp::web::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

// A handler's own sends wait while more than this is queued for its client.
constexpr std::size_t kHighWater = 256 << 10;

}  // namespace

bool deliver(const std::shared_ptr<WebSocketMailbox>& mailbox, OutgoingFrame frame) {
    std::lock_guard lock(mailbox->mutex);
    if (!mailbox->alive) return false;
    mailbox->inbox.push_back(std::move(frame));
    if (!mailbox->drain_scheduled) {
        mailbox->drain_scheduled = true;
        asio::post(mailbox->executor, [mailbox] {
            std::vector<OutgoingFrame> batch;
            {
                std::lock_guard inner(mailbox->mutex);
                batch.swap(mailbox->inbox);
                mailbox->drain_scheduled = false;
            }
            if (mailbox->session)
                for (auto& f : batch) mailbox->session->enqueue(std::move(f));
        });
    }
    return true;
}

WebSocketSession::WebSocketSession(TakenOver taken, const WebSocketOptions& options, LiveWebSockets& live)
    : ws_(std::move(taken.socket)), worker_(taken.worker), options_(options), live_(live), wakeup_(ws_.get_executor()) {
    mailbox_ = std::make_shared<WebSocketMailbox>();
    mailbox_->executor = ws_.get_executor();
    mailbox_->session = this;
    live_.add(mailbox_);
    wakeup_.expires_at(asio::steady_timer::time_point::max());
    worker_.connections.push_back(*this);

    ws_.read_message_max(options_.max_msg_size);
    ws_.auto_fragment(false);
    ws_.write_buffer_bytes(512);  // only for control frames and compression: idle memory matters more
    websocket::permessage_deflate pmd;
    pmd.server_enable = options_.compress;
    ws_.set_option(pmd);
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = options_.close_timeout;
    timeouts.idle_timeout = options_.heartbeat ? *options_.heartbeat * 2 : websocket::stream_base::none();
    timeouts.keep_alive_pings = options_.heartbeat.has_value();
    ws_.set_option(timeouts);
}

WebSocketSession::~WebSocketSession() {
    live_.remove(mailbox_.get());
    std::lock_guard lock(mailbox_->mutex);
    mailbox_->alive = false;
    mailbox_->session = nullptr;
}

awaitable<void> WebSocketSession::accept(const RequestHead& head, const std::string& protocol) {
    http::request<http::empty_body> req;
    req.method_string(head.method);
    req.target(head.target);
    req.version(head.version);
    for (auto& [name, value] : head.headers) req.insert(name, value);
    protocol_ = protocol;
    ws_.set_option(websocket::stream_base::decorator(
        [server = worker_.config.server_header, protocol](websocket::response_type& res) {
            if (!server.empty()) res.set(http::field::server, server);
            if (!protocol.empty()) res.set(http::field::sec_websocket_protocol, protocol);
        }));
    auto [ec] = co_await ws_.async_accept(req, nothrow);
    if (ec) {
        mark_closed(1006);
        throw ClientDisconnectedError("WebSocket handshake failed: " + ec.message());
    }
}

awaitable<std::optional<WSMessage>> WebSocketSession::receive() {
    if (closed_) co_return std::nullopt;
    beast::error_code ec;
    reading_ = true;
    auto msg = co_await asiohttp::detail::read_message(ws_, ec);
    reading_ = false;
    if (ec) mark_closed(asiohttp::detail::close_code_for(ec, ws_));
    co_return msg;
}

awaitable<void> WebSocketSession::send(Outgoing msg) {
    if (closed_ || close_queued_) throw ClientDisconnectedError("send on a closed WebSocket");
    if (!writing_ && queue_.empty() && msg.is_data()) {
        // Nothing in flight: write from this coroutine instead of starting a writer.
        writing_ = true;
        queued_bytes_ += msg.data.size();
        queue_.push_back(std::move(msg));
        co_await write_loop();
        co_return;
    }
    enqueue(std::move(msg));
    while (queued_bytes_ > kHighWater && !closed_) co_await wakeup_.async_wait(nothrow);
}

void WebSocketSession::enqueue(Outgoing msg) {
    if (closed_ || close_queued_) return;
    const bool is_data = msg.is_data();
    if (is_data && queued_bytes_ + msg.data.size() > options_.max_queue_size) {
        drop_slow_consumer();
        return;
    }
    if (msg.kind == Outgoing::Kind::close) close_queued_ = true;
    if (is_data) queued_bytes_ += msg.data.size();
    queue_.push_back(std::move(msg));
    if (!writing_) {
        writing_ = true;
        asio::co_spawn(ws_.get_executor(), [self = shared_from_this()] { return self->write_loop(); }, asio::detached);
    }
}

awaitable<void> WebSocketSession::write_loop() {
    while (!queue_.empty()) {
        if (!ws_.is_open()) {  // the peer went away or Beast failed the stream: nothing more goes out
            mark_closed(1006);
            queue_.clear();
            queued_bytes_ = 0;
            break;
        }
        auto& m = queue_.front();
        beast::error_code ec;
        const bool was_data = m.is_data();
        switch (m.kind) {
            case Outgoing::Kind::text:
            case Outgoing::Kind::binary: {
                ws_.text(m.kind == Outgoing::Kind::text);
                auto [e, n] = co_await ws_.async_write(asio::buffer(m.data), nothrow);
                ec = e;
                break;
            }
            case Outgoing::Kind::ping:
            case Outgoing::Kind::pong: {
                websocket::ping_data payload(m.data.data(), std::min(m.data.size(), websocket::ping_data::static_capacity));
                auto [e] = m.kind == Outgoing::Kind::ping ? co_await ws_.async_ping(payload, nothrow)
                                                          : co_await ws_.async_pong(payload, nothrow);
                ec = e;
                break;
            }
            case Outgoing::Kind::close: {
                if (!close_code_) close_code_ = m.code;
                websocket::close_reason reason(static_cast<websocket::close_code>(m.code),
                                               std::string_view(m.data).substr(0, 123));
                auto [e] = co_await ws_.async_close(reason, nothrow);
                ec = e;
                mark_closed(m.code);
                break;
            }
        }
        if (was_data && !closed_) queued_bytes_ -= m.data.size();
        queue_.pop_front();
        wake_waiters();
        if (ec) {
            mark_closed(1006);
            break;
        }
    }
    writing_ = false;
}

awaitable<void> WebSocketSession::close(int code, std::string reason) {
    if (!closed_ && !close_queued_) enqueue({Outgoing::Kind::close, std::move(reason), code});
    while (!closed_) co_await wakeup_.async_wait(nothrow);
}

awaitable<void> WebSocketSession::finish() {
    if (!closed_) co_await close(1000, {});
    beast::error_code ec;
    ws_.next_layer().close(ec);
}

void WebSocketSession::abort() {
    beast::error_code ec;
    ws_.next_layer().close(ec);
    mark_closed(1006);
}

void WebSocketSession::mark_closed(int code) {
    if (!close_code_) close_code_ = code;
    if (closed_) return;
    closed_ = true;
    discard_pending();  // whatever is not being written now never will be
    wake_waiters();
}

void WebSocketSession::discard_pending() {
    while (queue_.size() > (writing_ ? 1u : 0u)) queue_.pop_back();
    queued_bytes_ = 0;
    if (!queue_.empty() && queue_.front().is_data()) queued_bytes_ = queue_.front().data.size();
}

void WebSocketSession::wake_waiters() { wakeup_.cancel(); }

void WebSocketSession::drop_slow_consumer() {
    asiohttp::detail::server_logger().warn("WebSocket client too slow ({} bytes queued): closing with 1013",
                                           queued_bytes_);
    discard_pending();
    close_code_ = 1013;
    enqueue({Outgoing::Kind::close, "consumer too slow", 1013});
    // A client that reads nothing never lets the close frame out: cut it off.
    asio::co_spawn(
        ws_.get_executor(),
        [self = shared_from_this()]() -> awaitable<void> {
            asio::steady_timer timer(self->ws_.get_executor(), self->options_.close_timeout);
            co_await timer.async_wait(nothrow);
            if (!self->closed_) self->abort();
        },
        asio::detached);
}

}  // namespace asiohttp::web::detail
