// One WebSocket connection after the handshake: Beast's stream, the outgoing
// queue, and the mailbox other threads send through.
#pragma once

#include <deque>
#include <mutex>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "asiohttp/websocket.hpp"
#include "exchange.hpp"
#include "live_websockets.hpp"
#include "worker.hpp"

namespace asiohttp::web::detail {

class WebSocketSession;

// Shared with WebSocketHandles on any thread. `session` is only touched on the
// session's own thread (posted lambdas run there, and so does its destructor);
// `alive` and the mutex make posting to a finished session harmless.
struct WebSocketMailbox {
    boost::asio::any_io_executor executor;
    WebSocketSession* session = nullptr;
    std::mutex mutex;
    bool alive = true;
};

// Runs fn(session) on the session's thread, if the session still exists then.
template <class Fn>
bool post_to(const std::shared_ptr<WebSocketMailbox>& mailbox, Fn fn);

class WebSocketSession final : public Connection, public std::enable_shared_from_this<WebSocketSession> {
public:
    struct Outgoing {
        enum class Kind { text, binary, ping, pong, close } kind;
        std::string data;
        int code = 1000;
        bool is_data() const noexcept { return kind == Kind::text || kind == Kind::binary; }
    };

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

template <class Fn>
bool post_to(const std::shared_ptr<WebSocketMailbox>& mailbox, Fn fn) {
    std::lock_guard lock(mailbox->mutex);
    if (!mailbox->alive) return false;
    boost::asio::post(mailbox->executor, [mailbox, fn = std::move(fn)]() mutable {
        if (mailbox->session) fn(*mailbox->session);
    });
    return true;
}

}  // namespace asiohttp::web::detail
