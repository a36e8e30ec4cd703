#include "asiohttp/pg.hpp"

#include <pqxx/nontransaction>
#include <pqxx/notification>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>

#include "asiohttp/metrics.hpp"

namespace asiohttp::pg {

namespace asio = boost::asio;

namespace detail {

// Someone waiting for a free slot; a release grants it and wakes it up.
struct Waiter {
    explicit Waiter(asio::any_io_executor ex) : timer(std::move(ex)) {}
    asio::steady_timer timer;
    bool granted = false;
};

class PoolCore {
public:
    explicit PoolCore(PoolConfig c) : config(std::move(c)), threads(config.max_size), free_slots(config.max_size) {}

    PoolConfig config;
    asio::thread_pool threads;

    std::mutex mutex;
    std::size_t free_slots;
    std::deque<std::shared_ptr<Waiter>> waiters;
    std::vector<std::unique_ptr<pqxx::connection>> idle;
    std::size_t open = 0;
    std::vector<std::pair<std::string, std::string>> prepared;
    bool closed = false;
    metrics::Histogram acquire_wait;
    metrics::Registry::Handle registration;  // last: unregistered before the rest goes

    void collect(metrics::Families& f) {
        std::lock_guard lock(mutex);
        const auto in_use = config.max_size - free_slots;
        f.gauge("asiohttp_pg_pool_connections", "PostgreSQL pool connections open, by state.", {{"state", "in_use"}},
                double(std::min(in_use, open)));
        f.gauge("asiohttp_pg_pool_connections", "PostgreSQL pool connections open, by state.", {{"state", "idle"}},
                double(idle.size()));
        f.gauge("asiohttp_pg_pool_max_size", "PostgreSQL pool size limit.", {}, double(config.max_size));
        f.gauge("asiohttp_pg_pool_waiting", "Callers waiting for a PostgreSQL connection.", {}, double(waiters.size()));
        f.histogram("asiohttp_pg_pool_acquire_wait_seconds", "Time callers waited for a PostgreSQL connection.", {},
                    acquire_wait.snapshot());
    }

    void release_slot() {
        std::lock_guard lock(mutex);
        if (waiters.empty()) {
            ++free_slots;
            return;
        }
        auto w = waiters.front();
        waiters.pop_front();
        w->granted = true;
        asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
    }

    // Opens and sets up a connection (on a pool thread, or at construction).
    std::unique_ptr<pqxx::connection> connect() {
        std::unique_ptr<pqxx::connection> c;
        try {
            c = std::make_unique<pqxx::connection>(config.dsn);
        } catch (const std::exception& e) {
            // libpq's message spans lines; an error here is one line in a log.
            std::string what = e.what();
            std::replace_if(what.begin(), what.end(), [](char c) { return c == '\n' || c == '\t'; }, ' ');
            while (!what.empty() && what.back() == ' ') what.pop_back();
            throw ConnectionError("cannot connect to PostgreSQL: " + what);
        }
        if (config.statement_timeout.count() > 0) {
            pqxx::nontransaction tx(*c);
            tx.exec("SET statement_timeout = " + std::to_string(config.statement_timeout.count()));
        }
        std::vector<std::pair<std::string, std::string>> statements;
        {
            std::lock_guard lock(mutex);
            statements = prepared;
        }
        for (auto& [name, sql] : statements) c->prepare(name, sql);
        return c;
    }
};

}  // namespace detail

Pool::Pool(PoolConfig config) : core_(std::make_shared<detail::PoolCore>(std::move(config))) {
    if (core_->config.max_size == 0) throw std::invalid_argument("pg::Pool: max_size must be at least 1");
    if (core_->config.min_size > core_->config.max_size)
        throw std::invalid_argument("pg::Pool: min_size is larger than max_size");
    // The first one checks the DSN: a bad one fails here, once, clearly.
    for (std::size_t i = 0; i < std::max<std::size_t>(1, core_->config.min_size); ++i) {
        core_->idle.push_back(core_->connect());
        ++core_->open;
    }
    core_->registration =
        metrics::default_registry().add([core = core_.get()](metrics::Families& f) { core->collect(f); });
}

Pool::~Pool() { close(); }

void Pool::prepare(std::string name, std::string sql) {
    std::lock_guard lock(core_->mutex);
    for (auto& c : core_->idle) c->prepare(name, sql);
    core_->prepared.emplace_back(std::move(name), std::move(sql));
}

std::size_t Pool::size() const {
    std::lock_guard lock(core_->mutex);
    return core_->open;
}

const PoolConfig& Pool::config() const noexcept { return core_->config; }

asio::any_io_executor Pool::executor() const { return core_->threads.get_executor(); }

void Pool::close() {
    {
        std::lock_guard lock(core_->mutex);
        if (core_->closed) return;
        core_->closed = true;
        for (auto& w : core_->waiters) asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
    }
    core_->threads.join();
    std::lock_guard lock(core_->mutex);
    core_->idle.clear();
    core_->open = 0;
}

namespace {

// Owning a slot: releasing the last copy frees it for the next waiter.
std::shared_ptr<void> make_slot(const std::shared_ptr<detail::PoolCore>& core) {
    return std::shared_ptr<void>(nullptr, [core](void*) { core->release_slot(); });
}

}  // namespace

awaitable<std::shared_ptr<void>> Pool::acquire() {
    auto core = core_;
    const auto started = std::chrono::steady_clock::now();
    auto waiter = std::make_shared<detail::Waiter>(co_await asio::this_coro::executor);
    waiter->timer.expires_after(core->config.acquire_timeout);
    bool got = false, closed = false, cancelled = false;
    {
        std::lock_guard lock(core->mutex);
        closed = core->closed;
        if (!closed && core->free_slots > 0) {
            --core->free_slots;
            got = true;
        } else if (!closed) {
            core->waiters.push_back(waiter);
        }
    }
    if (!got && !closed) {
        auto [ec] = co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
        std::lock_guard lock(core->mutex);
        got = waiter->granted;
        if (!got) std::erase(core->waiters, waiter);
        closed = core->closed;
        // Woken early by neither a grant nor close(): the caller was cancelled.
        cancelled = !got && !closed && ec == asio::error::operation_aborted;
    }
    // (co_return only at the end: GCC 12 mishandles co_return inside nested scopes)
    if (cancelled) throw boost::system::system_error(asio::error::operation_aborted, "pg::Pool::acquire");
    if (!got && closed) throw ConnectionError("the pool is closed");
    if (!got)
        throw PoolTimeoutError("no database connection free within " +
                               std::to_string(core->config.acquire_timeout.count()) + " ms");
    core->acquire_wait.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    co_return make_slot(core);
}

void Pool::with_connection(const std::function<void(pqxx::connection&)>& fn) {
    auto& core = *core_;
    std::unique_ptr<pqxx::connection> conn;
    {
        std::lock_guard lock(core.mutex);
        if (core.closed) throw ConnectionError("the pool is closed");
        if (!core.idle.empty()) {
            conn = std::move(core.idle.back());
            core.idle.pop_back();
        } else {
            ++core.open;
        }
    }
    auto drop = [&] {
        std::lock_guard lock(core.mutex);
        --core.open;
    };
    if (!conn) {
        try {
            conn = core.connect();
        } catch (...) {
            drop();
            throw;
        }
    }
    auto give_back = [&] {
        std::lock_guard lock(core.mutex);
        core.idle.push_back(std::move(conn));
    };
    try {
        fn(*conn);
    } catch (const pqxx::broken_connection& e) {
        drop();  // the server went away: the next call opens a fresh connection
        throw ConnectionError(std::string("database connection lost: ") + e.what());
    } catch (const pqxx::sql_error& e) {
        give_back();
        if (e.sqlstate() == "57014")  // query_canceled: statement_timeout
            throw StatementTimeoutError(std::string("statement timed out: ") + e.what());
        throw;
    } catch (...) {
        if (conn->is_open()) give_back();
        else drop();
        throw;
    }
    give_back();
}

void advisory_xact_lock(pqxx::transaction_base& tx, const std::string& name) {
    tx.exec_params("select pg_advisory_xact_lock(hashtext($1))", name);
}

void lock_schema(pqxx::work& tx, const std::string& name) { advisory_xact_lock(tx, name); }

// --- Listener ---

struct Listener::Impl {
    std::string dsn, channel;
    std::function<void(const std::string&)> on_notify;
    std::atomic<bool> stop{false};
    mutable std::mutex mutex;
    mutable std::condition_variable ready_cv;
    bool ready = false;
    std::thread thread;

    struct Receiver final : pqxx::notification_receiver {
        Receiver(pqxx::connection_base& c, const std::string& ch, Impl& impl)
            : pqxx::notification_receiver(c, ch), impl(impl) {}
        void operator()(const std::string& payload, int) override { impl.on_notify(payload); }
        Impl& impl;
    };

    void set_ready(bool r) {
        {
            std::lock_guard lock(mutex);
            ready = r;
        }
        ready_cv.notify_all();
    }

    void run() {
        while (!stop) {
            try {
                pqxx::connection conn(dsn);
                Receiver receiver(conn, channel, *this);
                conn.get_notifs();  // makes sure LISTEN went out
                set_ready(true);
                while (!stop) conn.await_notification(0, 200'000);
            } catch (const std::exception&) {
                set_ready(false);
                for (int i = 0; i < 10 && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
    }
};

Listener::Listener(std::string dsn, std::string channel, std::function<void(const std::string&)> on_notify)
    : impl_(std::make_unique<Impl>()) {
    impl_->dsn = std::move(dsn);
    impl_->channel = std::move(channel);
    impl_->on_notify = std::move(on_notify);
    impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

Listener::~Listener() {
    impl_->stop = true;
    impl_->thread.join();
}

bool Listener::wait_ready(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->ready_cv.wait_for(lock, timeout, [&] { return impl_->ready; });
}

}  // namespace asiohttp::pg
