// One server thread: its io_context, its own acceptor on the shared port
// (SO_REUSEPORT) and the connections it accepted. Nothing here is shared with
// other workers except the counters the server reads when shutting down.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>

#include "server/access_log.hpp"
#include "asiohttp/application.hpp"
#include "asiohttp/server.hpp"

namespace asiohttp::web::detail {

using Clock = std::chrono::steady_clock;

// What a worker needs from each live connection: deadlines and shutdown.
class Connection
    : public boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
public:
    virtual ~Connection() = default;
    // Called every tick with the worker's clock: time out if past the deadline.
    virtual void check_deadline(Clock::time_point now) = 0;
    // Graceful shutdown: close now if idle, else after the current response.
    virtual void begin_shutdown() = 0;
    // Hard stop: close the socket, whatever it is doing.
    virtual void abort() = 0;
};

struct Worker {
    Worker(Application& app, const ServerConfig& config, const AccessLog* access_log)
        : app(app), config(config), access_log(access_log) {}

    Application& app;
    const ServerConfig& config;
    const AccessLog* access_log;  // null when off

    // Declared before the io_context: destroying the io_context destroys pending
    // connection coroutines, which unlink themselves from this list.
    boost::intrusive::list<Connection, boost::intrusive::constant_time_size<false>> connections;
    std::atomic<std::size_t> in_flight{0};
    std::atomic<std::size_t> open_connections{0};
    std::atomic<std::size_t> accepted{0};  // connections since start
    Clock::time_point now = Clock::now();  // coarse clock, advanced every tick
    bool stopping = false;

    boost::asio::io_context ioc{1};
    boost::asio::ip::tcp::acceptor acceptor{ioc};
    boost::asio::steady_timer ticker{ioc};
    std::thread thread;
};

// Accepts until the acceptor closes; each connection runs as its own coroutine.
boost::asio::awaitable<void> accept_loop(Worker& worker);
// Advances the worker clock and enforces deadlines until the worker stops.
boost::asio::awaitable<void> tick_loop(Worker& worker, std::chrono::milliseconds tick);

}  // namespace asiohttp::web::detail
