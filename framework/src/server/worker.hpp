// One server thread: its io_context, its own acceptor on the shared port
// (SO_REUSEPORT) and the connections it accepted. Nothing here is shared with
// other workers except the counters the server reads when shutting down.
#pragma once

#include <atomic>
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
#include "web/access_log.hpp"

namespace asiohttp::detail {

class Worker final : public HttpHost {
public:
    Worker(web::Application& app, const web::ServerConfig& config, const web::detail::AccessLog* access_log)
        : app_(app), config_(config), access_log_(access_log) {}

    // HttpHost
    void add(Connection& c) noexcept override { connections.push_back(c); }
    const web::ServerConfig& config() const noexcept override { return config_; }
    Clock::time_point now() const noexcept override { return now_; }
    web::Application& app() noexcept override { return app_; }
    const web::detail::AccessLog* access_log() const noexcept override { return access_log_; }
    void request_started() noexcept override { ++in_flight; }
    void request_finished() noexcept override { --in_flight; }
    void connection_closed() noexcept override { --open_connections; }

    // Accepts until the acceptor closes; each connection runs as its own coroutine.
    awaitable<void> accept_loop();
    // Advances the clock and enforces deadlines until the ticker is cancelled.
    awaitable<void> tick_loop(std::chrono::milliseconds tick);

    // Declared before the io_context: destroying the io_context destroys pending
    // connection coroutines, which unlink themselves from this list.
    boost::intrusive::list<Connection, boost::intrusive::constant_time_size<false>> connections;
    std::atomic<std::size_t> in_flight{0};
    std::atomic<std::size_t> open_connections{0};
    std::atomic<std::size_t> accepted{0};  // connections since start
    bool stopping = false;

    boost::asio::io_context ioc{1};
    boost::asio::ip::tcp::acceptor acceptor{ioc};
    boost::asio::steady_timer ticker{ioc};
    std::thread thread;

private:
    web::Application& app_;
    const web::ServerConfig& config_;
    const web::detail::AccessLog* access_log_;
    Clock::time_point now_ = Clock::now();
};

}  // namespace asiohttp::detail
