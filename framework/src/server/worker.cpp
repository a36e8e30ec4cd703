#include "server/worker.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "asiohttp/tasks.hpp"

#include "base/log.hpp"
#include "base/nothrow.hpp"
#include "net/transport.hpp"
#include "net/watched_executor.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

namespace asio = boost::asio;

// The worker as connections on the redirect port see it: its registry, counters
// and clock, with the application that answers every request with a redirect.
class RedirectHost final : public HttpHost {
public:
    RedirectHost(Worker& worker, web::Application& app) : worker_(worker), app_(app) {}
    void add(Connection& c) noexcept override { worker_.add(c); }
    const web::ServerConfig& config() const noexcept override { return worker_.config(); }
    Clock::time_point now() const noexcept override { return worker_.now(); }
    web::Application& app() noexcept override { return app_; }
    const AccessLog* access_log() const noexcept override { return worker_.access_log(); }
    const TrustedProxies* trusted_proxies() const noexcept override { return worker_.trusted_proxies(); }
    HttpMetrics* metrics() noexcept override { return worker_.metrics(); }
    void request_started() noexcept override { worker_.request_started(); }
    void request_finished() noexcept override { worker_.request_finished(); }
    void connection_closed() noexcept override { worker_.connection_closed(); }

private:
    Worker& worker_;
    web::Application& app_;
};

Worker::Worker(const Shared& shared) : shared_(shared) {
    if (shared.redirect_app) redirect_host_ = std::make_unique<RedirectHost>(*this, *shared.redirect_app);
}

Worker::~Worker() = default;

void Worker::start_accepting() {
    asio::co_spawn(ioc, accept_loop(acceptor, *this, shared_.tls != nullptr), asio::detached);
    if (redirect_host_) asio::co_spawn(ioc, accept_loop(redirect_acceptor, *redirect_host_, false), asio::detached);
}

void Worker::close_acceptors() noexcept {
    boost::system::error_code ec;
    acceptor.close(ec);
    redirect_acceptor.close(ec);
}

awaitable<void> Worker::accept_loop(asio::ip::tcp::acceptor& from, HttpHost& host, bool tls) {
    asio::steady_timer backoff(ioc);
    for (;;) {
        auto [ec, accepted_socket] = co_await from.async_accept(nothrow);
        // A plain local: clang 15 cannot capture a structured binding in a lambda.
        asio::ip::tcp::socket socket = std::move(accepted_socket);
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
        auto spawn = [&](auto executor) {
            if (tls) asio::co_spawn(executor, serve_tls(std::move(socket)), log_failure);
            else asio::co_spawn(executor, serve_http(PlainStream(std::move(socket)), host), log_failure);
        };
        if (shared_.config.watchdog || shared_.config.debug) {
            // Each step of the connection's coroutines timed (net/watched_executor.hpp).
            spawn(WatchedExecutor(ioc.get_executor(), std::make_shared<WatchedConnection>(WatchedConnection{
                                                          nullptr, shared_.config.slow_callback_duration})));
        } else {
            spawn(ioc.get_executor());
        }
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
        // From the real clock, not the tick's: a handshake is never cut short.
        Handshaking pending(stream, Clock::now() + shared_.tls->handshake_timeout());
        add(pending);
        auto [handshake_ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, nothrow_awaitable);
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
