// A pool's connections on one event loop (one io_context): the callers on that
// loop use them without leaving it. The loop's ShardService owns its shards,
// so connections go (idle ones back to the pool) when the loop does.
#pragma once

#include <map>

#include <boost/asio/execution_context.hpp>

#include "pg_connection.hpp"

namespace asiohttp::pg::detail {

class Shard : public std::enable_shared_from_this<Shard> {
public:
    Shard(std::shared_ptr<PoolCore> core, asio::any_io_executor ex) : core(std::move(core)), executor(std::move(ex)) {}

    const std::shared_ptr<PoolCore> core;
    const asio::any_io_executor executor;
    std::mutex mutex;

    // The connection to use now, if any: for a shared statement the idle one or
    // else the least loaded with pipeline room; for a transaction an idle one,
    // marked leased (else reserved until send_on). Adopts a connection no loop watches before looking further.
    // `open_new`: no room, but a new connection may be opened.
    struct Pick {
        std::shared_ptr<PgConnection> connection;
        bool open_new = false;
        bool queue = false;  // wait in line, behind a caller on another loop
    };
    // `woken`: the caller waited in line and was woken for room here.
    Pick pick(bool exclusive, bool woken = false);
    // Connects on this loop (room reserved by pick) and adds the connection.
    awaitable<void> open(Clock::time_point deadline);
    // A connection handed over from another loop joins this one, taken (as
    // pick takes one) by the caller it was handed to; null if this loop is ending.
    std::shared_ptr<PgConnection> adopt(std::unique_ptr<RawConnection> raw, bool exclusive);

    // Below: the mutex held.
    // A connection has room again (a segment ended, a transaction let go).
    void has_room(PgConnection& connection, Completions& done);
    // A connection broke or closed: it leaves the shard.
    void remove(PgConnection& connection);

    // Below: the mutex not held (any thread).
    // An idle connection, leaving this shard for a caller on another loop
    // (this loop may not be running: a loop that is not destroyed keeps its shard).
    std::unique_ptr<RawConnection> take_idle();
    // Pool::close: idle connections close now, busy ones when they fall idle.
    void close_idle();

    // The mutex held.
    // The loop is ending: idle connections go back to the pool, the rest close.
    void loop_ending();

private:
    void add(std::shared_ptr<PgConnection> connection);
    bool adopted_still_open(std::unique_ptr<RawConnection> raw, Completions& done);
    std::shared_ptr<PgConnection> take(PgConnection& connection, bool exclusive);

    std::vector<std::shared_ptr<PgConnection>> connections_;
    bool alive_ = true;
};

// The shard of `core` on the loop running `ex`, made on first use.
std::shared_ptr<Shard> shard_of(const std::shared_ptr<PoolCore>& core, const asio::any_io_executor& ex);

// Cancels statements on the server: PQcancel blocks, so it runs on a thread of its own.
void cancel_on_server(PGcancel* cancel, std::function<void()> then);

}  // namespace asiohttp::pg::detail
