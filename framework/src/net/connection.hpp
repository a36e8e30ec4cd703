// What every server-side connection (HTTP/1, WebSocket) is to the thread that
// runs it, and the small interface it sees of that thread. Connections of one
// thread are touched only on that thread, so none of this needs a lock.
#pragma once

#include <chrono>

#include <boost/intrusive/list_hook.hpp>

namespace asiohttp::web {
struct ServerConfig;
}

namespace asiohttp::detail {

using Clock = std::chrono::steady_clock;

// A live connection: it meets its deadlines and shutdown through these.
class Connection
    : public boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
public:
    virtual ~Connection() = default;  // unlinks itself from its registry
    // Called every tick with the coarse clock: time out if past the deadline.
    virtual void check_deadline(Clock::time_point now) = 0;
    // Graceful shutdown: close now if idle, else after the current exchange,
    // finishing by `deadline` (what is left of the server's shutdown_timeout).
    virtual void begin_shutdown(Clock::time_point deadline) = 0;
    // Hard stop: close the socket, whatever it is doing.
    virtual void abort() = 0;
};

// Where connections register: the worker thread that accepted them.
class ConnectionRegistry {
public:
    // Until `c` is destroyed, it gets ticks, shutdown and abort.
    virtual void add(Connection& c) noexcept = 0;
    virtual const web::ServerConfig& config() const noexcept = 0;
    // The coarse clock, advanced every tick.
    virtual Clock::time_point now() const noexcept = 0;
    // An accepted socket's last connection object is gone (its socket closed):
    // the HTTP connection's, or the WebSocket's that took it over.
    virtual void connection_closed() noexcept = 0;

protected:
    ~ConnectionRegistry() = default;
};

}  // namespace asiohttp::detail
