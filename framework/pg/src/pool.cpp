#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "lease.hpp"
#include "shard.hpp"

namespace asiohttp::pg {

namespace asio = boost::asio;
using detail::Clock;

namespace detail {

awaitable<std::vector<Result>> send_on(std::shared_ptr<PgConnection> connection, std::vector<Command> commands,
                                       bool begin, bool reserved) {
    auto initiate = [connection, begin, reserved](auto handler, std::vector<Command> commands) {
        Completions done;
        std::lock_guard lock(connection->shard().mutex);
        if (reserved) connection->unreserve();
        connection->send(std::move(commands), Reply(std::move(handler)), begin, done);
    };
    co_return co_await asio::async_initiate<decltype(asio::use_awaitable),
                                            void(std::exception_ptr, std::vector<Result>)>(
        initiate, asio::use_awaitable, std::move(commands));
}

namespace {

// Waits until woken (room may have come up, or a connection was handed over:
// returned) or the deadline.
awaitable<std::unique_ptr<RawConnection>> wait_for_room(const std::shared_ptr<PoolCore>& core, const std::shared_ptr<Shard>& shard,
                              bool exclusive, Clock::time_point deadline) {
    auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor, shard.get(), exclusive);
    waiter->timer.expires_at(deadline);
    {
        std::lock_guard lock(core->mutex);
        if (core->closed) throw ConnectionError("the pool is closed");
        core->waiters.push_back(waiter);
        core->waiters_changed();
    }
    auto [ec] = co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    bool woken = false, closed = false;
    std::unique_ptr<RawConnection> handed;
    {
        std::lock_guard lock(core->mutex);
        woken = waiter->woken;
        handed = std::move(waiter->handed);
        if (!woken) std::erase(core->waiters, waiter);
        core->waiters_changed();
        closed = core->closed;
    }
    if (closed && handed) core->give_back(std::move(handed));  // closes it
    if (closed) throw ConnectionError("the pool is closed");
    // Woken early by neither room nor the deadline: the caller was cancelled.
    if (!woken && ec == asio::error::operation_aborted)
        throw boost::system::system_error(asio::error::operation_aborted, "pg::Pool: waiting for a connection");
    if (!woken)
        throw PoolTimeoutError("no database connection free within " +
                               std::to_string(core->config.acquire_timeout.count()) + " ms");
    co_return handed;
}

// An idle connection from another loop's shard, parked for this one to adopt.
bool take_idle_elsewhere(PoolCore& core, const std::shared_ptr<Shard>& shard) {
    for (auto& other : core.live_shards()) {
        if (other == shard) continue;
        if (auto raw = other->take_idle()) {
            core.park(std::move(raw));
            return true;
        }
    }
    return false;
}

}  // namespace

// A connection with room on the caller's loop: idle, or (shared) with room
// in its pipeline, or freshly opened; else waits for one.
awaitable<std::shared_ptr<PgConnection>> acquire(std::shared_ptr<PoolCore> core, bool exclusive) {
    const auto started = Clock::now();
    const auto deadline = started + core->config.acquire_timeout;
    auto shard = shard_of(core, co_await asio::this_coro::executor);
    std::shared_ptr<PgConnection> connection;
    bool woken = false;
    while (!connection) {
        if (core->closed) throw ConnectionError("the pool is closed");  // (read unlocked: a hint)
        auto pick = shard->pick(exclusive, std::exchange(woken, false));
        connection = std::move(pick.connection);
        if (connection) break;
        if (pick.open_new) co_await shard->open(deadline);
        else if (pick.queue || !take_idle_elsewhere(*core, shard)) {
            auto handed = co_await wait_for_room(core, shard, exclusive, deadline);
            if (handed) connection = shard->adopt(std::move(handed), exclusive);
            woken = true;
        }
    }
    core->acquire_wait.observe(std::chrono::duration<double>(Clock::now() - started).count());
    co_return connection;
}

}  // namespace detail

Pool::Pool(PoolConfig config) : core_(std::make_shared<detail::PoolCore>(std::move(config))) {
    auto& c = core_->config;
    if (c.max_size == 0) throw std::invalid_argument("pg::Pool: max_size must be at least 1");
    if (c.min_size > c.max_size) throw std::invalid_argument("pg::Pool: min_size is larger than max_size");
    if (c.max_pipeline == 0) throw std::invalid_argument("pg::Pool: max_pipeline must be at least 1");
    // The first one checks the DSN: a bad one fails here, once, clearly.
    for (std::size_t i = 0; i < std::max<std::size_t>(1, c.min_size); ++i) {
        core_->unattached.push_back(detail::connect_blocking(core_->params));
        ++core_->open;
    }
    registration_ = std::make_shared<metrics::Registry::Handle>(metrics::default_registry().add([core = core_.get()](metrics::Families& f) {
        std::size_t open = 0, waiting = 0;
        {
            std::lock_guard lock(core->mutex);
            open = core->open;
            waiting = core->waiters.size();
        }
        const std::size_t busy = std::min(core->busy.load(), open);
        const auto help = "PostgreSQL pool connections open, by state.";
        f.gauge("asiohttp_pg_pool_connections", help, {{"state", "in_use"}}, double(busy));
        f.gauge("asiohttp_pg_pool_connections", help, {{"state", "idle"}}, double(open - busy));
        f.gauge("asiohttp_pg_pool_max_size", "PostgreSQL pool size limit.", {}, double(core->config.max_size));
        f.gauge("asiohttp_pg_pool_waiting", "Callers waiting for room on a PostgreSQL connection.", {},
                double(waiting));
        f.histogram("asiohttp_pg_pool_acquire_wait_seconds", "Time callers waited for room on a PostgreSQL connection.",
                    {}, core->acquire_wait.snapshot());
    }));
}

Pool::~Pool() { close(); }

void Pool::prepare(std::string name, std::string sql) {
    std::lock_guard lock(core_->mutex);
    core_->statements.insert_or_assign(std::move(name), std::move(sql));
}

std::size_t Pool::size() const {
    std::lock_guard lock(core_->mutex);
    return core_->open;
}

const PoolConfig& Pool::config() const noexcept { return core_->config; }

void Pool::close() {
    {
        std::lock_guard lock(core_->mutex);
        if (core_->closed) return;
        core_->closed = true;
        core_->open -= core_->unattached.size();
        core_->unattached.clear();
        for (auto& w : core_->waiters) core_->wake(w);
        core_->waiters.clear();
        core_->waiters_changed();
    }
    for (auto& s : core_->live_shards()) s->close_idle();
}

awaitable<Result> Pool::send(detail::Command command) {
    auto connection = co_await detail::acquire(core_, false);
    std::vector<detail::Command> commands;
    commands.push_back(std::move(command));
    auto results = co_await detail::send_on(std::move(connection), std::move(commands), false, true);
    co_return std::move(results.front());
}

awaitable<std::vector<Result>> Pool::run(Batch batch) {
    auto connection = co_await detail::acquire(core_, false);
    co_return co_await detail::send_on(std::move(connection), std::move(batch.commands_), false, true);
}

awaitable<Transaction> Pool::begin() {
    auto connection = co_await detail::acquire(core_, true);
    co_return Transaction(std::make_shared<detail::Lease>(std::move(connection)));
}

// --- Transaction ---

Transaction::Transaction(std::shared_ptr<detail::Lease> lease) : lease_(std::move(lease)) {}
Transaction::Transaction(Transaction&&) noexcept = default;
Transaction::~Transaction() = default;

awaitable<Result> Transaction::send(detail::Command command) {
    std::vector<detail::Command> commands;
    commands.push_back(std::move(command));
    auto results = co_await lease_->send(std::move(commands));
    co_return std::move(results.front());
}

awaitable<std::vector<Result>> Transaction::run(Batch batch) { return lease_->send(std::move(batch.commands_)); }

awaitable<void> Transaction::advisory_lock(std::string name) {
    co_await query("select pg_advisory_xact_lock(hashtext($1))", name);
}

awaitable<void> Transaction::commit() { return lease_->commit(); }

}  // namespace asiohttp::pg
