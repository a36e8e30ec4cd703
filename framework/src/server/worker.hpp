// One server thread: its io_context, its own acceptor on the shared port
// (SO_REUSEPORT) and the connections it accepted. Nothing here is shared with
// other workers except the counters the server reads when shutting down.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <chrono>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>

#include "asiohttp/application.hpp"
#include "asiohttp/server.hpp"
#include "http1/http_host.hpp"
#include "metrics/http_metrics.hpp"
#include "server/tls_contexts.hpp"
#include "web/access_log.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

// How workers tell a stopping server that a counter it waits on went down.
class DrainSignal {
public:
    void notify() noexcept {
        std::lock_guard lock(mutex_);
        cv_.notify_all();
    }
    // Waits until `done()` or the deadline; returns done().
    template <class Done>
    bool wait_until(Clock::time_point deadline, Done done) {
        std::unique_lock lock(mutex_);
        return cv_.wait_until(lock, deadline, done);
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
};

class RedirectHost;

class Worker final : public HttpHost {
public:
    // What the workers share, owned by the server.
    struct Shared {
        web::Application& app;
        const web::ServerConfig& config;
        const AccessLog* access_log;         // null when off
        const TlsSettings* tls;              // null: plain HTTP
        const TrustedProxies* proxies;       // null: none
        DrainSignal& drained;
        web::Application* redirect_app;      // null: no plain port redirecting to https
    };
    explicit Worker(const Shared& shared);
    ~Worker();

    // HttpHost
    void add(Connection& c) noexcept override { connections.push_back(c); }
    const web::ServerConfig& config() const noexcept override { return shared_.config; }
    Clock::time_point now() const noexcept override { return now_; }
    web::Application& app() noexcept override { return shared_.app; }
    const AccessLog* access_log() const noexcept override { return shared_.access_log; }
    const TrustedProxies* trusted_proxies() const noexcept override { return shared_.proxies; }
    HttpMetrics* metrics() noexcept override { return http_metrics ? &*http_metrics : nullptr; }
    void request_started() noexcept override { ++in_flight; }
    void request_finished() noexcept override {
        if (--in_flight == 0 && stopping) shared_.drained.notify();
    }
    void connection_closed() noexcept override {
        if (--open_connections == 0 && stopping) shared_.drained.notify();
    }

    // The thread runs the loop until stop_thread(), even while it has nothing to do.
    void start_thread() {
        work_.emplace(ioc.get_executor());
        thread = std::thread([this] { ioc.run(); });
    }
    void stop_thread() {
        work_.reset();
        ioc.stop();
        if (thread.joinable()) thread.join();
    }

    // Accepts until the acceptor closes; each connection runs as its own coroutine,
    // over TLS on the main port, in plain HTTP for `host` on the redirect port.
    awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& from, HttpHost& host, bool tls);
    // Both acceptors' loops.
    void start_accepting();
    void close_acceptors() noexcept;
    // The TLS handshake (bounded by handshake_timeout), then HTTP over it.
    awaitable<void> serve_tls(boost::asio::ip::tcp::socket socket);
    // Advances the clock and enforces deadlines until the ticker is cancelled.
    awaitable<void> tick_loop(std::chrono::milliseconds tick);

    // Declared before the io_context: destroying the io_context destroys pending
    // connection coroutines, which unlink themselves from this list.
    boost::intrusive::list<Connection, boost::intrusive::constant_time_size<false>> connections;
    std::atomic<std::size_t> in_flight{0};
    std::atomic<std::size_t> open_connections{0};
    std::atomic<std::size_t> accepted{0};  // connections since start
    std::optional<HttpMetrics> http_metrics;  // ServerConfig::metrics
    bool stopping = false;

    boost::asio::io_context ioc{1};
    boost::asio::ip::tcp::acceptor acceptor{ioc};
    boost::asio::ip::tcp::acceptor redirect_acceptor{ioc};  // open with ServerTLS::redirect_port
    boost::asio::steady_timer ticker{ioc};
    std::thread thread;

private:
    const Shared shared_;
    std::unique_ptr<RedirectHost> redirect_host_;  // this worker, with the redirect application
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    Clock::time_point now_ = Clock::now();
};

}  // namespace asiohttp::detail
