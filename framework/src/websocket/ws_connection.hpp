// One server-side WebSocket connection after the handshake: the outgoing queue,
// the mailbox other threads send through, and the close handshake. The stream
// under it (plain or TLS) is a template parameter of WsStreamConnection, which
// supplies the few stream operations; everything else is written once here.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/container/devector.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include "metrics/runtime_metrics.hpp"
#include "asiohttp/topics.hpp"
#include "asiohttp/websocket.hpp"
#include "asiohttp/detail/request_head.hpp"
#include "net/connection.hpp"
#include "net/transport.hpp"
#include "web/exchange.hpp"
#include "websocket/shared_frame.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

// The bytes one socket has queued, mirrored into the process's gauge
// (asiohttp_websocket_send_queue_bytes) whatever changes them.
class QueuedBytes {
public:
    QueuedBytes() = default;
    QueuedBytes(const QueuedBytes&) = delete;
    ~QueuedBytes() { set(0); }
    operator std::size_t() const noexcept { return n_; }
    QueuedBytes& operator=(std::size_t v) noexcept { return set(v); }
    QueuedBytes& operator+=(std::size_t v) noexcept { return set(n_ + v); }
    QueuedBytes& operator-=(std::size_t v) noexcept { return set(n_ - v); }

private:
    QueuedBytes& set(std::size_t v) noexcept {
        runtime_metrics().ws_queued_bytes.add(std::int64_t(v) - std::int64_t(n_));
        n_ = v;
        return *this;
    }
    std::size_t n_ = 0;
};

class WsConnection;
class LiveWebSockets;

// A frame waiting to be written.
struct OutgoingFrame {
    enum class Kind { text, binary, ping, pong, close } kind;
    std::string data;  // the payload, unless `shared` holds it
    int code = 1000;
    // A published message: one payload (and its frames) for every subscriber's queue.
    std::shared_ptr<const SharedFrame> shared;
    // What to do when the queue is full; a keep_latest frame replaces a queued one with the same key.
    SlowReader slow_reader = SlowReader::close;
    std::string key;

    bool is_data() const noexcept { return kind == Kind::text || kind == Kind::binary; }
    std::string_view payload() const noexcept { return shared ? shared->payload() : std::string_view(data); }
};

// Shared with WebSocketHandles on any thread. Frames sent through handles wait
// in `inbox` (under the mutex) and move to the connection's queue on its own
// thread in the order they were delivered, so a broadcast made under one lock
// reaches every member in one order (asio's own queues may reorder posts made
// from different threads). `connection` is only touched on the connection's
// thread: the drain runs there, and so does its destructor.
struct WebSocketMailbox {
    boost::asio::any_io_executor executor;
    WsConnection* connection = nullptr;
    std::mutex mutex;
    bool alive = true;
    bool drain_scheduled = false;
    std::vector<OutgoingFrame> inbox;
};

// Queues a frame for the mailbox's connection; false if the connection is gone.
bool deliver(const std::shared_ptr<WebSocketMailbox>& mailbox, OutgoingFrame frame);

// The same for many mailboxes at once (a publish): one handler per executor
// drains all of that thread's mailboxes, instead of one per mailbox.
class DeliveryBatch {
public:
    void add(const std::shared_ptr<WebSocketMailbox>& mailbox, OutgoingFrame frame);
    // Posts the drains; call once, after the last add().
    void send();

private:
    struct ForExecutor {
        boost::asio::any_io_executor executor;
        std::vector<std::shared_ptr<WebSocketMailbox>> to_drain;
    };
    std::vector<ForExecutor> executors_;
};

class WsConnection : public asiohttp::detail::Connection, public std::enable_shared_from_this<WsConnection> {
public:
    using Outgoing = OutgoingFrame;

    // The connection for the stream the HTTP connection hands over, registered
    // with the registry it names.
    static std::shared_ptr<WsConnection> make(TakenOver taken, const WebSocketOptions& options, LiveWebSockets& live);
    ~WsConnection() override;

    // The server side of the handshake: writes the 101 (with `protocol`, if any).
    awaitable<void> accept(const RequestHead& head, const std::string& protocol);

    // The next message, or nullopt once closed (ws_read.hpp's read_message).
    virtual awaitable<std::optional<WSMessage>> receive() = 0;
    // How a read ended (for read_message): a failure closes with the code it means.
    void after_read(const boost::system::error_code& ec, int close_code);
    // Queues a message; waits while this client's queue is over its high-water mark.
    awaitable<void> send(Outgoing msg);
    // Queues a message without waiting (for other threads, through the mailbox).
    void enqueue(Outgoing msg);
    awaitable<void> close(int code, std::string reason);
    // Closes gracefully if the handler did not, then lets go of the socket.
    awaitable<void> finish();

    bool closed() const noexcept { return closed_; }
    std::optional<int> close_code() const noexcept { return close_code_; }
    const std::string& protocol() const noexcept { return protocol_; }
    std::shared_ptr<WebSocketMailbox> mailbox() const noexcept { return mailbox_; }

    // Connection: shutdown closes with 1001, and waits for the peer's answer only
    // briefly (a peer that never answers must not hold up the shutdown);
    // deadlines are otherwise Beast's own.
    void check_deadline(Clock::time_point) override {}
    void begin_shutdown(Clock::time_point deadline) override;
    void abort() override;

protected:
    WsConnection(boost::asio::any_io_executor executor, asiohttp::detail::ConnectionRegistry& registry,
                 const WebSocketOptions& options, LiveWebSockets& live);

    // What the stream does; the only parts that depend on its type. The reads and
    // data writes hand back Beast's own awaitables (no coroutine frame of their
    // own): they are the hot path, and an idle socket waits inside receive().
    virtual awaitable<boost::system::error_code> stream_accept(const RequestHead& head, std::string server,
                                                               std::string protocol) = 0;
    // A data frame through Beast: what it compresses with its own context.
    virtual awaitable<std::tuple<boost::system::error_code, std::size_t>> stream_write_data(const Outgoing& frame) = 0;
    // Whole frames the connection framed itself, in one gather write.
    virtual awaitable<std::tuple<boost::system::error_code, std::size_t>> stream_write_frames(
        std::span<const boost::asio::const_buffer> frames) = 0;
    // Ping, pong and close frames.
    virtual awaitable<boost::system::error_code> stream_write_control(const Outgoing& frame) = 0;
    virtual bool stream_open() const noexcept = 0;
    // How long the close handshake may wait for the peer from now on.
    virtual void stream_close_timeout(std::chrono::milliseconds timeout) = 0;
    virtual void stream_close() noexcept = 0;

    const WebSocketOptions options_;
    // The server_max_window_bits permessage-deflate was negotiated with; 0 without it.
    int deflate_bits_ = 0;

private:
    awaitable<void> write_loop();
    // Data frames the connection frames itself: published ones (encoded once for
    // every subscriber) and, without permessage-deflate, all of them.
    bool frames_itself(const Outgoing& frame) const noexcept {
        return frame.is_data() && (frame.shared || deflate_bits_ == 0);
    }
    // Writes the frames at the queue's front that frames_itself, as many as one gather write takes.
    awaitable<boost::system::error_code> write_own_frames();
    // Writes the frame at the queue's front through Beast.
    awaitable<boost::system::error_code> write_through_beast();
    void mark_closed(int code);
    void drop_slow_consumer();
    // keep_latest: puts `msg` in the place of a queued frame with its key; false if none.
    bool replace_queued(Outgoing& msg);
    // Drops the oldest queued data frames until `bytes` fit.
    void make_room(std::size_t bytes);
    void discard_pending();
    void wake_waiters();

    asiohttp::detail::ConnectionRegistry& registry_;
    std::string protocol_;
    std::shared_ptr<WebSocketMailbox> mailbox_;
    LiveWebSockets& live_;

    // Waiting; the frames being written are out of it. A devector: an idle
    // socket's empty queue holds no memory (std::deque allocates a block even then).
    boost::container::devector<Outgoing> queue_;
    QueuedBytes queued_bytes_;         // data bytes waiting and being written
    bool counted_open_ = false;        // in the open sockets gauge
    std::size_t in_flight_bytes_ = 0;  // of the data frames being written
    bool writing_ = false;
    bool close_queued_ = false;
    bool closed_ = false;
    std::optional<int> close_code_;
    // Waiters (send backpressure, close) sleep on this timer; state changes
    // cancel it. Made for the first waiter: most sockets never need it.
    std::unique_ptr<boost::asio::steady_timer> wakeup_;
    awaitable<void> sleep_until_woken();
};

}  // namespace asiohttp::detail
