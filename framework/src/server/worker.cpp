#include "server/worker.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "asiohttp/tasks.hpp"

#include "base/log.hpp"
#include "base/nothrow.hpp"
#include "net/transport.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

namespace asio = boost::asio;

awaitable<void> Worker::accept_loop() {
    asio::steady_timer backoff(ioc);
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(nothrow);
        if (ec) {
            if (stopping || ec == asio::error::operation_aborted) co_return;
            // Out of descriptors or memory: wait a little instead of spinning.
            server_logger().warn("accept failed: {}", ec.message());
            backoff.expires_after(std::chrono::milliseconds(50));
            co_await backoff.async_wait(nothrow);
            continue;
        }
        boost::system::error_code ignored;
        socket.set_option(asio::ip::tcp::no_delay(true), ignored);
        ++open_connections;
        accepted.fetch_add(1, std::memory_order_relaxed);
        auto log_failure = [](std::exception_ptr e) {
            if (e) server_logger().error("connection failed: {}", what_of(e));
        };
        if (shared_.tls) asio::co_spawn(ioc, serve_tls(std::move(socket)), log_failure);
        else asio::co_spawn(ioc, serve_http(PlainStream(std::move(socket)), *this), log_failure);
    }
}

namespace {

// A connection still in its TLS handshake, registered like any other: the
// worker's tick enforces handshake_timeout, and a stopping server drops it.
class Handshaking final : public Connection {
public:
    Handshaking(TlsStream& stream, Clock::time_point deadline) : stream_(stream), deadline_(deadline) {}
    void check_deadline(Clock::time_point now) override {
        if (now < deadline_) return;
        deadline_ = Clock::time_point::max();
        cancel(stream_);  // a peer that never finishes the handshake
    }
    void begin_shutdown(Clock::time_point) override { cancel(stream_); }
    void abort() override { close(stream_); }

private:
    TlsStream& stream_;
    Clock::time_point deadline_;
};

}  // namespace

awaitable<void> Worker::serve_tls(asio::ip::tcp::socket socket) {
    auto contexts = shared_.tls->current();  // this handshake's certificates, even if a reload comes meanwhile
    TlsStream stream(std::move(socket), contexts->default_context());
    boost::system::error_code ec;
    {
        Handshaking pending(stream, now_ + shared_.tls->handshake_timeout());
        add(pending);
        auto [handshake_ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, nothrow);
        ec = handshake_ec;
    }
    if (ec) {  // plain HTTP on the TLS port, an old protocol, a scanner, a stop: nothing to answer
        close(stream);
        connection_closed();
        co_return;
    }
    co_await serve_http(std::move(stream), *this);
}

awaitable<void> Worker::tick_loop(std::chrono::milliseconds tick) {
    for (;;) {
        ticker.expires_after(tick);
        auto [ec] = co_await ticker.async_wait(nothrow);
        if (ec) co_return;
        now_ = Clock::now();
        for (auto it = connections.begin(); it != connections.end();) (it++)->check_deadline(now_);
    }
}

}  // namespace asiohttp::detail
