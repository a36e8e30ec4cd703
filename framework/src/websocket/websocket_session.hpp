// One WebSocket connection after the handshake: Beast's stream, the outgoing
// queue, and the mailbox other threads send through.
#pragma once

#include <deque>
#include <mutex>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "asiohttp/websocket.hpp"
#include "web/exchange.hpp"
#include "websocket/live_websockets.hpp"
#include "server/worker.hpp"

namespace asiohttp::web::detail {

class WebSocketSession;

// A frame waiting to be written.
struct OutgoingFrame {
    enum class Kind { text, binary, ping, pong, close } kind;
    std::string data;
    int code = 1000;
    bool is_data() const noexcept { return kind == Kind::text || kind == Kind::binary; }
};

// Shared with WebSocketHandles on any thread. Frames sent through handles wait
// in `inbox` (under the mutex) and move to the session's queue on its own
// thread in the order they were delivered, so a broadcast made under one lock
// reaches every member in one order (asio's own queues may reorder posts made
// from different threads). `session` is only touched on the session's thread:
// the drain runs there, and so does its destructor.
struct WebSocketMailbox {
    boost::asio::any_io_executor executor;
    WebSocketSession* session = nullptr;
    std::mutex mutex;
    bool alive = true;
    bool drain_scheduled = false;
    std::vector<OutgoingFrame> inbox;
};

// Queues a frame for the mailbox's session; false if the session is gone.
bool deliver(const std::shared_ptr<WebSocketMailbox>& mailbox, OutgoingFrame frame);

class WebSocketSession final : public Connection, public std::enable_shared_from_this<WebSocketSession> {
public:
    using Outgoing = OutgoingFrame;

    WebSocketSession(TakenOver taken, const WebSocketOptions& options, LiveWebSockets& live);
    ~WebSocketSession() override;

    // The server side of the handshake: writes the 101 (with `protocol`, if any).
    awaitable<void> accept(const RequestHead& head, const std::string& protocol);

    awaitable<std::optional<WSMessage>> receive();
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

    // Connection: shutdown closes with 1001; deadlines are Beast's own.
    void check_deadline(Clock::time_point) override {}
    void begin_shutdown() override { enqueue({Outgoing::Kind::close, "server shutdown", 1001}); }
    void abort() override;

private:
    awaitable<void> write_loop();
    void mark_closed(int code);
    void drop_slow_consumer();
    void discard_pending();
    void wake_waiters();

    boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
    Worker& worker_;
    WebSocketOptions options_;
    std::string protocol_;
    std::shared_ptr<WebSocketMailbox> mailbox_;
    LiveWebSockets& live_;

    std::deque<Outgoing> queue_;
    std::size_t queued_bytes_ = 0;
    bool writing_ = false;
    bool close_queued_ = false;
    bool closed_ = false;
    bool reading_ = false;
    std::optional<int> close_code_;
    // Waiters (send backpressure, close) sleep on this timer; state changes cancel it.
    boost::asio::steady_timer wakeup_;
};

}  // namespace asiohttp::web::detail
