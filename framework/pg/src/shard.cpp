#include "shard.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asiohttp::pg::detail {

namespace {

// Owns the shards of every pool used on one loop; created with the loop's
// descriptor service already there, so it shuts down (and lets go of its
// sockets) before that service does.
class ShardService final : public asio::execution_context::service {
public:
    static inline asio::execution_context::id id;

    explicit ShardService(asio::execution_context& ctx) : service(ctx) {
        asio::use_service<asio::detail::reactive_descriptor_service>(ctx);
    }

    std::shared_ptr<Shard> shard(const std::shared_ptr<PoolCore>& core, const asio::any_io_executor& ex) {
        std::lock_guard lock(mutex_);
        auto& s = shards_[core->id];
        if (!s) {
            s = std::make_shared<Shard>(core, ex);
            core->register_shard(s);
        }
        return s;
    }

private:
    void shutdown() override {
        std::map<std::uint64_t, std::shared_ptr<Shard>> shards;
        {
            std::lock_guard lock(mutex_);
            shards.swap(shards_);
        }
        for (auto& [id, shard] : shards) {
            std::lock_guard lock(shard->mutex);
            shard->loop_ending();
        }
    }

    std::mutex mutex_;
    std::map<std::uint64_t, std::shared_ptr<Shard>> shards_;
};

}  // namespace

std::shared_ptr<Shard> shard_of(const std::shared_ptr<PoolCore>& core, const asio::any_io_executor& ex) {
    auto& ctx = asio::query(ex, asio::execution::context);
    return asio::use_service<ShardService>(ctx).shard(core, ex);
}

void cancel_on_server(PGcancel* cancel, std::function<void()> then) {
    static asio::thread_pool cancellers(1);
    asio::post(cancellers, [cancel, then = std::move(then)] {
        char error[256];
        PQcancel(cancel, error, sizeof error);  // best effort: the statement may be over already
        PQfreeCancel(cancel);
        then();
    });
}

Shard::Pick Shard::pick(bool exclusive, bool woken) {
    std::lock_guard lock(mutex);
    if (!alive_) throw ConnectionError("the event loop is shutting down");
    // A caller on another loop waits longest: a newcomer here queues behind it
    // (unless it may open a connection of its own) instead of taking room on
    // ours, so that one of them falls idle and moves there. Else a loop whose
    // callers keep every connection busy would starve the others. A caller
    // woken from the line had its turn: it takes the room it was woken for.
    if (!woken && core->waiting.load(std::memory_order_relaxed) > 0) {
        std::unique_lock core_lock(core->mutex);
        if (core->longest_waiter_elsewhere(this)) {
            // A connection no loop watches (one this caller took from another
            // loop, or one given back) goes to that waiter too.
            if (!core->unattached.empty()) {
                auto raw = std::move(core->unattached.back());
                core->unattached.pop_back();
                core->serve(core->waiters.begin(), std::move(raw));
            }
            core_lock.unlock();
            Pick pick;
            pick.open_new = core->reserve_open();
            pick.queue = !pick.open_new;
            return pick;
        }
    }
    PgConnection* best = nullptr;
    // Connections idle a while are checked first: one the server closed leaves
    // now (closing removes it here) instead of failing its next caller.
    Completions none;  // an idle connection has no caller to answer
    for (std::size_t i = 0; i < connections_.size();)
        if (connections_[i]->still_open(none)) ++i;
    for (auto& c : connections_) {
        if (!c->ready() || c->leased()) continue;
        if (c->depth() == 0) {
            best = c.get();
            break;
        }
        if (!exclusive && c->depth() < core->config.max_pipeline && (!best || c->depth() < best->depth()))
            best = c.get();
    }
    Pick pick;
    if (best && best->depth() == 0) {
        // An idle one first.
    } else if (auto raw = core->take_unattached(); raw && adopted_still_open(std::move(raw), none)) {
        best = connections_.back().get();
    } else if (core->reserve_open()) {
        pick.open_new = true;
        return pick;
    }
    if (best) pick.connection = take(*best, exclusive);
    return pick;
}

std::shared_ptr<PgConnection> Shard::adopt(std::unique_ptr<RawConnection> raw, bool exclusive) {
    std::lock_guard lock(mutex);
    if (!alive_) {
        core->give_back(std::move(raw));
        return nullptr;
    }
    Completions none;
    if (!adopted_still_open(std::move(raw), none)) return nullptr;
    return take(*connections_.back(), exclusive);
}

// The caller's: a transaction's alone (leased), or a statement's room reserved.
std::shared_ptr<PgConnection> Shard::take(PgConnection& connection, bool exclusive) {
    if (exclusive) connection.set_leased(true);
    else connection.reserve();
    return connection.shared_from_this();
}

// One that idled unwatched (handed over, or the pool's own from its start) may
// have been closed by the server meanwhile.
bool Shard::adopted_still_open(std::unique_ptr<RawConnection> raw, Completions& done) {
    add(std::make_shared<PgConnection>(std::move(raw), shared_from_this()));
    return connections_.back()->still_open(done);
}

void Shard::add(std::shared_ptr<PgConnection> connection) {
    connections_.push_back(std::move(connection));
}

awaitable<void> Shard::open(Clock::time_point deadline) {
    // The socket waits and the deadline timer share this state: the timer's
    // handler may run after open() has returned.
    struct Connecting {
        explicit Connecting(const asio::any_io_executor& ex) : socket(ex), timer(ex) {}
        asio::posix::stream_descriptor socket;
        asio::steady_timer timer;
    };
    auto state = std::make_shared<Connecting>(executor);
    std::unique_ptr<RawConnection> raw;
    std::exception_ptr failed;
    PGconn* pg = PQconnectStartParams(core->params.keywords(), core->params.values(), 0);
    auto poll = pg && PQstatus(pg) != CONNECTION_BAD ? PGRES_POLLING_WRITING : PGRES_POLLING_FAILED;
    state->timer.expires_at(deadline);
    state->timer.async_wait([state](const boost::system::error_code& ec) {
        if (!ec) state->socket.cancel();
    });
    while (poll == PGRES_POLLING_READING || poll == PGRES_POLLING_WRITING) {
        const int fd = PQsocket(pg);
        if (!state->socket.is_open() || state->socket.native_handle() != fd) {
            if (state->socket.is_open()) state->socket.release();
            state->socket.assign(fd);
        }
        const auto wait = poll == PGRES_POLLING_READING ? asio::posix::stream_descriptor::wait_read
                                                        : asio::posix::stream_descriptor::wait_write;
        auto [ec] = co_await state->socket.async_wait(wait, asio::as_tuple(asio::use_awaitable));
        if (ec) {
            failed = Clock::now() >= deadline ? std::make_exception_ptr(connect_error("no answer in time"))
                               : std::make_exception_ptr(boost::system::system_error(ec, "pg::Pool: connecting"));
            break;
        }
        poll = PQconnectPoll(pg);
    }
    state->timer.cancel();
    if (state->socket.is_open()) state->socket.release();
    if (!failed && poll != PGRES_POLLING_OK) failed = std::make_exception_ptr(connect_error(pg ? PQerrorMessage(pg) : "out of memory"));
    if (!failed) {
        try {
            raw = ready_for_pipeline(std::exchange(pg, nullptr));
        } catch (...) {
            failed = std::current_exception();
        }
    }
    if (pg) PQfinish(pg);
    if (failed) {
        core->connection_gone();
        std::rethrow_exception(failed);
    }
    Completions done;
    std::lock_guard lock(mutex);
    if (!alive_) {
        core->give_back(std::move(raw));
    } else {
        add(std::make_shared<PgConnection>(std::move(raw), shared_from_this()));
        has_room(*connections_.back(), done);
    }
}

void Shard::has_room(PgConnection& connection, Completions& done) {
    if (!alive_) return;
    std::unique_lock lock(core->mutex);
    if (core->closed) {
        lock.unlock();
        if (connection.idle()) connection.close(std::make_exception_ptr(ConnectionError("the pool is closed")), done);
        return;
    }
    // Waiters in arrival order: one here ahead of every waiter elsewhere takes
    // the room if it can use it now; else the first one elsewhere gets the
    // connection once it is idle (it moves to that loop). Newcomers here queue
    // behind a waiter elsewhere (pick), so ours do fall idle.
    auto usable_here = [&](const Waiter& w) {
        return connection.ready() && !connection.leased() &&
               (w.exclusive ? connection.depth() == 0 : connection.depth() < core->config.max_pipeline);
    };
    for (auto it = core->waiters.begin(); it != core->waiters.end(); ++it) {
        if ((*it)->shard == this) {
            if (!usable_here(**it)) continue;
            core->serve(it);
            return;
        }
        if (!connection.idle()) return;
        auto self = connection.shared_from_this();
        auto raw = connection.detach();
        std::erase(connections_, self);
        core->serve(it, std::move(raw));  // for that waiter alone: no newcomer here takes it back
        return;
    }
}

void Shard::remove(PgConnection& connection) {
    std::erase_if(connections_, [&](const auto& c) { return c.get() == &connection; });
    core->connection_gone();
}

std::unique_ptr<RawConnection> Shard::take_idle() {
    std::lock_guard lock(mutex);
    for (auto& c : connections_) {
        if (!c->idle()) continue;
        auto self = c;  // an idle connection has no wait pending: any thread may take it
        std::erase(connections_, self);
        return self->detach();
    }
    return nullptr;
}

void Shard::close_idle() {
    Completions done;
    std::lock_guard lock(mutex);
    auto connections = connections_;
    for (auto& c : connections)
        if (c->idle()) c->close(std::make_exception_ptr(ConnectionError("the pool is closed")), done);
}

void Shard::loop_ending() {
    alive_ = false;
    Completions dropped;  // no caller on this loop runs again
    auto connections = std::move(connections_);
    for (auto& c : connections) {
        if (c->idle()) core->give_back(c->detach());
        else c->close(std::make_exception_ptr(ConnectionError("the event loop is shutting down")), dropped);
    }
}

}  // namespace asiohttp::pg::detail
