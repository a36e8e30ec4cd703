// A pooled PostgreSQL connection on libpqxx that never blocks an I/O thread.
// (Library target asiohttp::pg.)
//
//   inline const web::AppKey<std::shared_ptr<pg::Pool>> db_key{"db"};
//   app.cleanup_ctx.append([](web::Application& app) -> awaitable<web::Hook> {
//       app.set(db_key, std::make_shared<pg::Pool>(pg::PoolConfig{.dsn = dsn, .max_size = 8}));
//       co_return [](web::Application& app) -> awaitable<void> { app.get(db_key)->close(); co_return; };
//   });
//
//   auto rows = co_await pool.query("select id, title from notes where id = $1", id);
//
// libpqxx blocks, so every call runs on the pool's own threads (one per
// connection) and the handler resumes on its own executor. A call waits at most
// `acquire_timeout` for a free connection (PoolTimeoutError: answer 503); a
// broken connection is dropped and the next call opens a fresh one.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <pqxx/connection>
#include <pqxx/result>
#include <pqxx/transaction>

#include "asiohttp/awaitable.hpp"

namespace asiohttp::pg {

struct PoolConfig {
    std::string dsn;                                     // "postgresql://user@host:port/db"
    std::size_t min_size = 1;                            // connections opened at start
    std::size_t max_size = 8;                            // connections, and pool threads
    std::chrono::milliseconds acquire_timeout{5000};     // waiting for a free connection
    std::chrono::milliseconds statement_timeout{30000};  // per statement, on the server; 0 = none
};

// No connection became free within acquire_timeout.
class PoolTimeoutError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};
// The statement ran longer than statement_timeout.
class StatementTimeoutError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};
// The server could not be reached, or the connection broke during the call.
class ConnectionError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

namespace detail {
class PoolCore;
}

// Takes the transaction-scoped advisory lock named `name` (hashed): one
// transaction at a time holds it, across every connection to the database.
void advisory_xact_lock(pqxx::transaction_base& tx, const std::string& name);
// The advisory lock under which replicas starting at once run their schema
// set-up in turn: "if not exists" alone can still collide in PostgreSQL's
// catalog ("duplicate key value violates unique constraint pg_type_typname_nsp_index").
void lock_schema(pqxx::work& tx, const std::string& name);

class Pool {
public:
    // Opens min_size connections (at least one, which checks the DSN): a bad DSN
    // or an unreachable server throws ConnectionError here, at startup.
    explicit Pool(PoolConfig config);
    ~Pool();
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    // Registers a prepared statement on every connection opened from now on and
    // every idle one: call it at startup, before the pool is used.
    void prepare(std::string name, std::string sql);

    // Runs fn(connection) on a pool thread and returns its result.
    template <class F>
    awaitable<std::invoke_result_t<F&, pqxx::connection&>> run(F fn) {
        // Not a coroutine: fn moves here, outside any coroutine frame (GCC 12
        // destroys a coroutine parameter moved into a lambda twice).
        return run_shared(std::make_shared<F>(std::move(fn)));
    }

    // One statement with $1, $2... parameters, in its own transaction.
    template <class... Args>
    awaitable<pqxx::result> query(std::string sql, Args... args) {
        return transaction([sql = std::move(sql), args...](pqxx::work& tx) { return tx.exec_params(sql, args...); });
    }
    // A statement registered with prepare().
    template <class... Args>
    awaitable<pqxx::result> execute(std::string name, Args... args) {
        return transaction([name = std::move(name), args...](pqxx::work& tx) { return tx.exec_prepared(name, args...); });
    }
    // fn(pqxx::work&) in one transaction, committed when fn returns normally.
    template <class F>
    auto transaction(F fn) {
        return run([fn = std::move(fn)](pqxx::connection& c) mutable {
            pqxx::work tx(c);
            if constexpr (std::is_void_v<std::invoke_result_t<F&, pqxx::work&>>) {
                fn(tx);
                tx.commit();
            } else {
                auto r = fn(tx);
                tx.commit();
                return r;
            }
        });
    }

    // Schema set-up (create table if not exists, seed rows) in one transaction
    // under lock_schema(tx, name).
    template <class F>
    awaitable<void> setup_schema(std::string name, F fn) {
        return transaction([name = std::move(name), fn = std::move(fn)](pqxx::work& tx) mutable {
            lock_schema(tx, name);
            fn(tx);
        });
    }

    // Connections open now, idle or in use.
    std::size_t size() const;
    const PoolConfig& config() const noexcept;
    // Waits for running calls and closes every connection; later calls fail.
    void close();

private:
    template <class F>
    awaitable<std::invoke_result_t<F&, pqxx::connection&>> run_shared(std::shared_ptr<F> fn) {
        using R = std::invoke_result_t<F&, pqxx::connection&>;
        auto slot = co_await acquire();  // held until the call is over
        // A named job, copied into co_spawn: GCC 12 destroys lambda temporaries
        // inside a co_await expression twice.
        // The job lets go of its copy of the slot before its result is handed
        // back: a caller that has its rows finds the slot free (and /metrics
        // shows it idle), instead of waiting for the pool thread to drop it.
        auto job = [this, fn, slot]() mutable -> awaitable<R> {
            if constexpr (std::is_void_v<R>) {
                with_connection([&](pqxx::connection& c) { (*fn)(c); });
                slot.reset();
                co_return;
            } else {
                std::optional<R> out;
                with_connection([&](pqxx::connection& c) { out.emplace((*fn)(c)); });
                slot.reset();
                co_return std::move(*out);
            }
        };
        // No cancellation reaches the pool thread: a statement running there cannot
        // be interrupted, and Asio 1.81's co_spawn forwards it through a signal that
        // may be destroyed before it fires (asio#1332). A cancelled caller resumes
        // when the statement is over and stops at its next wait.
        auto not_cancellable = boost::asio::bind_cancellation_slot(boost::asio::cancellation_slot(),
                                                                   boost::asio::use_awaitable);
        co_return co_await boost::asio::co_spawn(executor(), job, not_cancellable);
    }

    awaitable<std::shared_ptr<void>> acquire();
    boost::asio::any_io_executor executor() const;
    // Takes an idle connection (or opens one), runs fn, gives it back; maps
    // libpqxx's errors to the pool's. Runs on a pool thread.
    void with_connection(const std::function<void(pqxx::connection&)>& fn);

    std::shared_ptr<detail::PoolCore> core_;
};

// LISTEN on a channel over a connection of its own: `on_notify(payload)` runs on
// the listener's thread for each NOTIFY. Reconnects when the connection breaks.
class Listener {
public:
    Listener(std::string dsn, std::string channel, std::function<void(const std::string&)> on_notify);
    ~Listener();  // stops its thread
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;
    // True once LISTEN is in effect: notifications sent from then on arrive.
    bool wait_ready(std::chrono::milliseconds timeout) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace asiohttp::pg
