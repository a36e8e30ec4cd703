#include "websocket/ws_connection.hpp"

#include <algorithm>
#include <array>
#include <atomic>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "websocket/frame_header.hpp"
#include "websocket/ws_stream_layer.hpp"

#include "asiohttp/server.hpp"
#include "base/heap_allocator.hpp"
#include "base/log.hpp"
#include "base/nothrow.hpp"
#include "websocket/live_websockets.hpp"
#include "websocket/ws_read.hpp"

namespace asiohttp::detail {


using namespace asiohttp::web;  // the web layer's internals name its types unqualified

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asiohttp::nothrow;
using asiohttp::nothrow_awaitable;

namespace {

// A handler's own sends wait while more than this is queued for its client.
constexpr std::size_t kHighWater = 256 << 10;
// How long a peer gets to answer our close frame at shutdown.
constexpr std::chrono::milliseconds kShutdownCloseWait{1000};
// Buffers in one gather write: Asio hands at most 64 to one writev.
constexpr std::size_t kMaxGather = 64;
// Payload bytes in one gather write: enough to save the system calls.
constexpr std::size_t kMaxGatherBytes = 64 << 10;

// The server_max_window_bits of a negotiated permessage-deflate (Beast's 101
// names the one extension it accepted), or 0 if none was.
int deflate_bits_of(std::string_view extensions) {
    if (!extensions.starts_with("permessage-deflate")) return 0;
    constexpr std::string_view key = "server_max_window_bits=";
    const auto at = extensions.find(key);
    if (at == std::string_view::npos) return 15;
    int bits = 0;
    for (auto c : extensions.substr(at + key.size())) {
        if (c < '0' || c > '9') break;
        bits = bits * 10 + (c - '0');
    }
    return std::clamp(bits, 9, 15);
}

// The stream half: Beast's websocket::stream over the accepted stream.
template <class Stream>
class WsStreamConnection final : public WsConnection {
public:
    WsStreamConnection(Stream stream, asiohttp::detail::ConnectionRegistry& registry, const WebSocketOptions& options,
                       LiveWebSockets& live)
        : WsConnection(stream.get_executor(), registry, options, live), ws_(std::move(stream)) {
        ws_.next_layer().watch_frames();  // the request was read already
        ws_.read_message_max(options_.max_msg_size);
        ws_.auto_fragment(false);
        ws_.write_buffer_bytes(512);  // only for control frames and compression: idle memory matters more
        websocket::permessage_deflate pmd;
        pmd.server_enable = options_.compress;
        // Each message deflated on its own: a published one is then deflated once
        // and the same bytes are right for every subscriber (RFC 7692 §7.1.1.1
        // lets the server ask for this whatever the client offered).
        pmd.server_no_context_takeover = true;
        ws_.set_option(pmd);
        websocket::stream_base::timeout timeouts{};
        timeouts.handshake_timeout = options_.close_timeout;
        timeouts.idle_timeout = options_.heartbeat ? *options_.heartbeat * 2 : websocket::stream_base::none();
        timeouts.keep_alive_pings = options_.heartbeat.has_value();
        ws_.set_option(timeouts);
    }

    awaitable<std::optional<WSMessage>> receive() override { return asiohttp::detail::read_message(ws_, *this); }

private:
    awaitable<boost::system::error_code> stream_accept(const RequestHead& head, std::string server,
                                                       std::string protocol) override {
        http::request<http::empty_body> req;
        req.method_string(head.method);
        req.target(head.target);
        req.version(head.version);
        for (auto& [name, value] : head.headers) req.insert(name, value);
        ws_.set_option(websocket::stream_base::decorator(
            [this, server = std::move(server), protocol = std::move(protocol)](websocket::response_type& res) {
                if (!server.empty()) res.set(http::field::server, server);
                if (!protocol.empty()) res.set(http::field::sec_websocket_protocol, protocol);
                deflate_bits_ = deflate_bits_of(res[http::field::sec_websocket_extensions]);
            }));
        // The handshake's operations are large (the 101's writing) and come
        // from the heap, not Asio's per-thread cache of freed blocks: cached,
        // such a block would be handed to the next operation that fits, the
        // read every idle socket then waits in, and kept for its whole life.
        auto [ec] = co_await ws_.async_accept(req, asio::bind_allocator(HeapAllocator<char>(), nothrow_awaitable));
        ws_.next_layer().frames_out();
        co_return ec;
    }

    awaitable<std::tuple<boost::system::error_code, std::size_t>> stream_write_data(const Outgoing& m) override {
        ws_.text(m.kind == Outgoing::Kind::text);
        const auto payload = m.payload();
        return ws_.async_write(asio::buffer(payload.data(), payload.size()), nothrow_awaitable);
    }

    awaitable<std::tuple<boost::system::error_code, std::size_t>> stream_write_frames(
        std::span<const asio::const_buffer> frames) override {
        return ws_.next_layer().async_write_frames(frames, nothrow_awaitable);
    }

    awaitable<boost::system::error_code> stream_write_control(const Outgoing& m) override {
        if (m.kind == Outgoing::Kind::close) {
            websocket::close_reason reason(static_cast<websocket::close_code>(m.code),
                                           std::string_view(m.data).substr(0, 123));
            auto [ec] = co_await ws_.async_close(reason, nothrow);
            co_return ec;
        }
        websocket::ping_data payload(m.data.data(), std::min(m.data.size(), websocket::ping_data::static_capacity));
        auto [ec] = m.kind == Outgoing::Kind::ping ? co_await ws_.async_ping(payload, nothrow)
                                                   : co_await ws_.async_pong(payload, nothrow);
        co_return ec;
    }

    bool stream_open() const noexcept override { return ws_.is_open(); }
    void stream_close_timeout(std::chrono::milliseconds timeout) override {
        websocket::stream_base::timeout t{};
        ws_.get_option(t);
        t.handshake_timeout = timeout;
        ws_.set_option(t);
    }
    void stream_close() noexcept override { asiohttp::detail::close(ws_.next_layer().next_layer()); }

    websocket::stream<asiohttp::detail::WsStreamLayer<Stream>> ws_;
};

}  // namespace

namespace {

// On the mailbox's thread: what arrived moves to the connection's queue, in order.
void drain(WebSocketMailbox& mailbox) {
    std::vector<OutgoingFrame> batch;
    {
        std::lock_guard lock(mailbox.mutex);
        batch.swap(mailbox.inbox);
        mailbox.drain_scheduled = false;
    }
    if (mailbox.connection)
        for (auto& f : batch) mailbox.connection->enqueue(std::move(f));
}

// Puts the frame in the inbox; true if the mailbox now needs a drain scheduled.
bool put(WebSocketMailbox& mailbox, OutgoingFrame&& frame, bool& alive) {
    std::lock_guard lock(mailbox.mutex);
    alive = mailbox.alive;
    if (!alive) return false;
    mailbox.inbox.push_back(std::move(frame));
    if (mailbox.drain_scheduled) return false;
    mailbox.drain_scheduled = true;
    return true;
}

}  // namespace

bool deliver(const std::shared_ptr<WebSocketMailbox>& mailbox, OutgoingFrame frame) {
    bool alive = false;
    if (put(*mailbox, std::move(frame), alive)) asio::post(mailbox->executor, [mailbox] { drain(*mailbox); });
    return alive;
}

void DeliveryBatch::add(const std::shared_ptr<WebSocketMailbox>& mailbox, OutgoingFrame frame) {
    bool alive = false;
    if (!put(*mailbox, std::move(frame), alive)) return;
    auto it = std::find_if(executors_.begin(), executors_.end(),
                           [&](auto& e) { return e.executor == mailbox->executor; });
    if (it == executors_.end()) it = executors_.insert(executors_.end(), {mailbox->executor, {}});
    it->to_drain.push_back(mailbox);
}

namespace {

// Batches sent so far, process-wide: a drain waiting sees publishing go on.
std::atomic<std::uint64_t> batches_sent{0};

// Drains one thread's mailboxes for a batch, but not at once: it lets the
// executor's queue go round first, and again while more batches are being
// sent (up to kMaxTurns turns or kMaxWait), so that what a publisher sent in
// one burst (several messages read at once) reaches each socket's queue
// together and goes out in one write, as uWebSockets' end-of-iteration drain
// does. A lone publish waits one turn.
class DrainTask {
public:
    DrainTask(asio::any_io_executor executor, std::vector<std::shared_ptr<WebSocketMailbox>> mailboxes)
        : executor_(std::move(executor)), mailboxes_(std::move(mailboxes)) {}

    void operator()() {
        const auto now = batches_sent.load(std::memory_order_relaxed);
        if (turns_ == 0 || (now != seen_ && turns_ < kMaxTurns && Clock::now() - first_ < kMaxWait)) {
            if (turns_++ == 0) first_ = Clock::now();
            seen_ = now;
            auto executor = executor_;
            asio::post(executor, std::move(*this));
            return;
        }
        for (auto& m : mailboxes_) drain(*m);
    }

private:
    using Clock = std::chrono::steady_clock;
    static constexpr int kMaxTurns = 64;
    static constexpr std::chrono::microseconds kMaxWait{1000};

    asio::any_io_executor executor_;
    std::vector<std::shared_ptr<WebSocketMailbox>> mailboxes_;
    std::uint64_t seen_ = 0;
    int turns_ = 0;
    Clock::time_point first_;
};

}  // namespace

void DeliveryBatch::send() {
    batches_sent.fetch_add(1, std::memory_order_relaxed);
    for (auto& e : executors_) asio::post(e.executor, DrainTask(e.executor, std::move(e.to_drain)));
    executors_.clear();
}

std::shared_ptr<WsConnection> WsConnection::make(TakenOver taken, const WebSocketOptions& options,
                                                LiveWebSockets& live) {
    return std::visit(
        [&](auto& stream) -> std::shared_ptr<WsConnection> {
            using Stream = std::decay_t<decltype(stream)>;
            return std::make_shared<WsStreamConnection<Stream>>(std::move(stream), taken.registry, options, live);
        },
        taken.stream);
}

WsConnection::WsConnection(asio::any_io_executor executor, asiohttp::detail::ConnectionRegistry& registry,
                           const WebSocketOptions& options, LiveWebSockets& live)
    : options_(options), registry_(registry), live_(live) {
    mailbox_ = std::make_shared<WebSocketMailbox>();
    mailbox_->executor = std::move(executor);
    mailbox_->connection = this;
    live_.add(mailbox_);
    registry_.add(*this);
}

WsConnection::~WsConnection() {
    registry_.connection_closed();  // the HTTP connection handed its place in the count over with the socket
    if (counted_open_) runtime_metrics().ws_open.add(-1);
    live_.remove(mailbox_.get());
    std::lock_guard lock(mailbox_->mutex);
    mailbox_->alive = false;
    mailbox_->connection = nullptr;
}

awaitable<void> WsConnection::accept(const RequestHead& head, const std::string& protocol) {
    protocol_ = protocol;
    auto ec = co_await stream_accept(head, registry_.config().server_header, protocol);
    if (ec) {
        mark_closed(1006);
        throw ClientDisconnectedError("WebSocket handshake failed: " + ec.message());
    }
    counted_open_ = true;
    runtime_metrics().ws_open.add(1);
}

void WsConnection::after_read(const boost::system::error_code& ec, int close_code) {
    if (ec) mark_closed(close_code);
    else runtime_metrics().ws_received.add(1);
}

awaitable<void> WsConnection::send(Outgoing msg) {
    if (closed_ || close_queued_) throw ClientDisconnectedError("send on a closed WebSocket");
    if (!writing_ && queue_.empty() && msg.is_data()) {
        // Nothing in flight: write from this coroutine instead of starting a writer.
        writing_ = true;
        queued_bytes_ += msg.payload().size();
        queue_.push_back(std::move(msg));
        co_await write_loop();
        co_return;
    }
    enqueue(std::move(msg));
    while (queued_bytes_ > kHighWater && !closed_) co_await sleep_until_woken();
}

void WsConnection::enqueue(Outgoing msg) {
    if (closed_ || close_queued_) return;
    const bool is_data = msg.is_data();
    const auto size = msg.payload().size();
    if (is_data && msg.slow_reader == SlowReader::keep_latest && !msg.key.empty() && replace_queued(msg)) return;
    if (is_data && queued_bytes_ + size > options_.max_queue_size) {
        if (msg.slow_reader == SlowReader::close) {
            drop_slow_consumer();
            return;
        }
        make_room(size);
        if (queued_bytes_ + size > options_.max_queue_size) return;  // larger than the whole queue: dropped
    }
    if (msg.kind == Outgoing::Kind::close) close_queued_ = true;
    if (is_data) queued_bytes_ += size;
    queue_.push_back(std::move(msg));
    if (!writing_) {
        // Started from the executor's queue, not here (co_spawn would start it
        // inline): what else is queued now, a whole drain's frames and the
        // publishes read with them, goes out in the same write.
        writing_ = true;
        asio::post(mailbox_->executor, [self = shared_from_this()]() mutable {
            const auto executor = self->mailbox_->executor;
            // The function object keeps the connection alive while the loop runs.
            asio::co_spawn(executor, [self = std::move(self)] { return self->write_loop(); }, asio::detached);
        });
    }
}

awaitable<void> WsConnection::write_loop() {
    while (!queue_.empty()) {
        if (!stream_open()) {  // the peer went away or Beast failed the stream: nothing more goes out
            mark_closed(1006);
            queue_.clear();
            queued_bytes_ = 0;
            break;
        }
        boost::system::error_code ec;
        if (frames_itself(queue_.front()))
            ec = co_await write_own_frames();
        else
            ec = co_await write_through_beast();
        if (!closed_) queued_bytes_ -= in_flight_bytes_;
        in_flight_bytes_ = 0;
        wake_waiters();
        if (ec) {
            mark_closed(1006);
            break;
        }
    }
    writing_ = false;
}

awaitable<boost::system::error_code> WsConnection::write_own_frames() {
    // Out of the queue while they are written: a slow-reader policy may drop or
    // replace queued frames meanwhile, and erasing inside the queue moves them.
    struct Framed {
        Outgoing frame;
        FrameHeader header;
    };
    // At most a quarter of the queue's limit in flight (past the first frame):
    // what is being written cannot be dropped, and a slow reader's newest
    // messages must still find room by dropping the oldest queued ones.
    const std::size_t max_bytes = std::min<std::size_t>(kMaxGatherBytes, options_.max_queue_size / 4);
    std::vector<Framed> batch;
    for (std::size_t buffers = 0; !queue_.empty() && frames_itself(queue_.front()) && buffers + 2 <= kMaxGather &&
                                  (batch.empty() || in_flight_bytes_ + queue_.front().payload().size() <= max_bytes);) {
        buffers += queue_.front().shared ? 1 : 2;
        in_flight_bytes_ += queue_.front().payload().size();
        batch.push_back({std::move(queue_.front()), {}});
        queue_.pop_front();
    }
    std::array<asio::const_buffer, kMaxGather> buffers;
    std::size_t used = 0;
    for (auto& [frame, header] : batch) {
        if (frame.shared) {
            buffers[used++] = asio::buffer(frame.shared->frame(deflate_bits_));
            continue;
        }
        header = FrameHeader(frame.kind == Outgoing::Kind::text ? FrameHeader::kText : FrameHeader::kBinary, false,
                             frame.data.size());
        buffers[used++] = asio::buffer(header.bytes());
        buffers[used++] = asio::buffer(frame.data);
    }
    auto [ec, n] = co_await stream_write_frames(std::span<const asio::const_buffer>(buffers.data(), used));
    if (!ec) runtime_metrics().ws_sent.add(std::int64_t(batch.size()));
    co_return ec;
}

awaitable<boost::system::error_code> WsConnection::write_through_beast() {
    Outgoing m = std::move(queue_.front());  // out of the queue, as in write_own_frames
    queue_.pop_front();
    if (m.kind == Outgoing::Kind::close && !close_code_) close_code_ = m.code;
    if (m.is_data()) {
        in_flight_bytes_ = m.payload().size();
        auto [ec, n] = co_await stream_write_data(m);
        if (!ec) runtime_metrics().ws_sent.add(1);
        co_return ec;
    }
    const auto ec = co_await stream_write_control(m);
    if (m.kind == Outgoing::Kind::close) mark_closed(m.code);
    co_return ec;
}

awaitable<void> WsConnection::close(int code, std::string reason) {
    if (!closed_ && !close_queued_) enqueue({Outgoing::Kind::close, std::move(reason), code});
    while (!closed_) co_await sleep_until_woken();
}

awaitable<void> WsConnection::finish() {
    if (!closed_) co_await close(1000, {});
    stream_close();
}

void WsConnection::begin_shutdown(Clock::time_point deadline) {
    // At most kShutdownCloseWait, and never past the server's deadline.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    stream_close_timeout(std::clamp(left, std::chrono::milliseconds(0), std::min(options_.close_timeout, kShutdownCloseWait)));
    enqueue({Outgoing::Kind::close, "server shutdown", 1001});
}

void WsConnection::abort() {
    stream_close();
    mark_closed(1006);
}

void WsConnection::mark_closed(int code) {
    if (!close_code_) close_code_ = code;
    if (closed_) return;
    closed_ = true;
    live_.closed(mailbox_.get());  // leaves its topics: publishes no longer count it
    discard_pending();  // whatever is not being written now never will be
    wake_waiters();
}

void WsConnection::discard_pending() {
    queue_.clear();  // the frame being written, if any, is not in the queue
    queued_bytes_ = in_flight_bytes_;
}

bool WsConnection::replace_queued(Outgoing& msg) {
    for (std::size_t i = 0; i < queue_.size(); ++i) {
        auto& queued = queue_[i];
        if (!queued.is_data() || queued.key != msg.key) continue;
        queued_bytes_ = queued_bytes_ - queued.payload().size() + msg.payload().size();
        queued = std::move(msg);
        return true;
    }
    return false;
}

void WsConnection::make_room(std::size_t bytes) {
    for (std::size_t i = 0; i < queue_.size() && queued_bytes_ + bytes > options_.max_queue_size;) {
        if (!queue_[i].is_data()) {
            ++i;
            continue;
        }
        queued_bytes_ -= queue_[i].payload().size();
        queue_.erase(queue_.begin() + std::ptrdiff_t(i));
    }
}

void WsConnection::wake_waiters() {
    if (wakeup_) wakeup_->cancel();
}

awaitable<void> WsConnection::sleep_until_woken() {
    if (!wakeup_) {
        wakeup_ = std::make_unique<asio::steady_timer>(mailbox_->executor, asio::steady_timer::time_point::max());
    }
    auto [ec] = co_await wakeup_->async_wait(nothrow);
    (void)ec;  // woken by cancel()
}

void WsConnection::drop_slow_consumer() {
    runtime_metrics().ws_slow_closes.add(1);
    asiohttp::detail::server_logger().warn("WebSocket client too slow ({} bytes queued): closing with 1013",
                                           std::size_t(queued_bytes_));
    discard_pending();
    close_code_ = 1013;
    enqueue({Outgoing::Kind::close, "consumer too slow", 1013});
    // A client that reads nothing never lets the close frame out: cut it off.
    asio::co_spawn(
        mailbox_->executor,
        [self = shared_from_this()]() -> awaitable<void> {
            asio::steady_timer timer(self->mailbox_->executor, self->options_.close_timeout);
            co_await timer.async_wait(nothrow);
            if (!self->closed_) self->abort();
        },
        asio::detached);
}

}  // namespace asiohttp::detail

