// What every thread's share of a pool has in common: the configuration, the
// count of open connections against max_size, connections no loop watches
// yet, callers waiting for room, and the statements to prepare.
#pragma once

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "asiohttp/metrics.hpp"
#include "asiohttp/pg.hpp"

namespace asiohttp::pg::detail {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

class Shard;

// An open libpq connection in non-blocking pipeline mode, and the statements
// prepared on it (they last as long as the server session does).
struct RawConnection {
    explicit RawConnection(PGconn* c) : pg(c) {}
    ~RawConnection() {
        if (pg) PQfinish(pg);
    }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    PGconn* pg;
    std::unordered_set<std::string> prepared;
};

// libpq's keyword/value arrays for the DSN, with statement_timeout added to
// the server options it may already carry.
class ConnectParams {
public:
    ConnectParams(const std::string& dsn, std::chrono::milliseconds statement_timeout);
    const char* const* keywords() const { return keyword_ptrs_.data(); }
    const char* const* values() const { return value_ptrs_.data(); }

private:
    std::vector<std::string> keywords_, values_;
    std::vector<const char*> keyword_ptrs_, value_ptrs_;
};

// "cannot connect to PostgreSQL: <libpq's message on one line>".
ConnectionError connect_error(std::string_view message);
// Connects, blocking (the pool's constructor), and enters pipeline mode.
std::unique_ptr<RawConnection> connect_blocking(const ConnectParams& params);
// Puts a freshly connected PGconn in non-blocking pipeline mode.
std::unique_ptr<RawConnection> ready_for_pipeline(PGconn* conn);

// Somebody waiting for room on a connection; woken to look again.
struct Waiter {
    Waiter(asio::any_io_executor ex, Shard* s, bool exclusive) : timer(std::move(ex)), shard(s), exclusive(exclusive) {}
    asio::steady_timer timer;
    Shard* shard;
    bool exclusive;
    bool woken = false;
    // A connection moved here from another loop for this waiter alone.
    std::unique_ptr<RawConnection> handed;
};

class PoolCore : public std::enable_shared_from_this<PoolCore> {
public:
    explicit PoolCore(PoolConfig c);

    const PoolConfig config;
    const ConnectParams params;
    const std::uint64_t id;  // shards are found by it

    // The SQL registered for `name`, if any.
    std::optional<std::string> statement_sql(const std::string& name);
    // A connection open or opening went away: its room goes to a waiter.
    void connection_gone();
    // An idle connection nobody's loop watches; returns false (and closes it) when closed.
    void give_back(std::unique_ptr<RawConnection> conn);
    std::unique_ptr<RawConnection> take_unattached();
    // Adds one for the caller that took it from another shard to adopt next.
    void park(std::unique_ptr<RawConnection> conn);
    std::vector<std::shared_ptr<Shard>> live_shards();
    // Reserves room for one more connection; false at max_size.
    bool reserve_open();
    // Wakes the first waiter `accept` takes (mutex held).
    template <class Accept>
    bool wake_first(Accept accept);
    void wake(const std::shared_ptr<Waiter>& w);  // mutex held
    // Takes the waiter at `it` out of the line and wakes it, with a connection
    // handed to it alone if one is given (mutex held).
    void serve(std::deque<std::shared_ptr<Waiter>>::iterator it, std::unique_ptr<RawConnection> handed = nullptr);
    void register_shard(const std::shared_ptr<Shard>& shard);

    std::mutex mutex;
    std::vector<std::unique_ptr<RawConnection>> unattached;
    std::size_t open = 0;  // connections open or opening
    std::deque<std::shared_ptr<Waiter>> waiters;  // in arrival order
    // waiters.size(), readable without the mutex; call after changing `waiters`.
    std::atomic<std::size_t> waiting{0};
    void waiters_changed() noexcept { waiting.store(waiters.size(), std::memory_order_relaxed); }
    // A caller on another loop than `shard`'s waits longest (mutex held).
    bool longest_waiter_elsewhere(const Shard* shard) const {
        return !waiters.empty() && waiters.front()->shard != shard;
    }
    std::unordered_map<std::string, std::string> statements;
    std::vector<std::weak_ptr<Shard>> shards;
    std::atomic<bool> closed{false};

    std::atomic<std::size_t> busy{0};  // connections with statements in flight, or in a transaction
    metrics::Histogram acquire_wait;
};

template <class Accept>
bool PoolCore::wake_first(Accept accept) {
    for (auto it = waiters.begin(); it != waiters.end(); ++it) {
        if (!accept(**it)) continue;
        serve(it);
        return true;
    }
    return false;
}

}  // namespace asiohttp::pg::detail
