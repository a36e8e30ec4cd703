// A PostgreSQL pool on libpq's non-blocking pipeline mode (library target asiohttp::pg):
//
//   inline const web::AppKey<std::shared_ptr<pg::Pool>> db_key{"db"};
//   app.cleanup_ctx.append([](web::Application& app) -> awaitable<web::Hook> {
//       app.set(db_key, std::make_shared<pg::Pool>(pg::PoolConfig{.dsn = dsn, .max_size = 8}));
//       co_return [](web::Application& app) -> awaitable<void> { app.get(db_key)->close(); co_return; };
//   });
//
//   auto rows = co_await pool.query("select id, title from notes where id = $1", id);
//   co_await pool.transaction([&](pg::Transaction& tx) -> awaitable<void> {
//       co_await tx.query("update accounts set balance = balance - $2 where id = $1", from, amount);
//       co_await tx.query("update accounts set balance = balance + $2 where id = $1", to, amount);
//   });
//
// No pool threads: a connection's socket is watched by the event loop of the
// thread that uses it, and a statement is sent and answered there. Statements
// of different callers share a busy connection (libpq's pipeline mode, up to
// max_pipeline in flight) once max_size connections are open; each is its own
// implicit transaction, so one's error never touches another's. A transaction
// has its connection to itself until it ends. A call waits at most
// acquire_timeout for room (PoolTimeoutError: answer 503); a broken connection
// fails its calls with ConnectionError and the next call opens a fresh one; a
// cancelled call's running statement is cancelled on the server too.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "asiohttp/awaitable.hpp"
#include "asiohttp/pg_errors.hpp"
#include "asiohttp/pg_result.hpp"

namespace asiohttp::pg {

struct PoolConfig {
    std::string dsn;                                     // "postgresql://user@host:port/db"
    std::size_t min_size = 1;                            // connections opened at start
    std::size_t max_size = 8;                            // connections open at most
    std::chrono::milliseconds acquire_timeout{5000};     // waiting for room on a connection
    std::chrono::milliseconds statement_timeout{30000};  // per statement, on the server; 0 = none
    // Statements in flight on one connection once all max_size are busy; 1 = a
    // connection serves one caller at a time.
    std::size_t max_pipeline = 8;
};

namespace detail {

class PoolCore;
class Lease;

// A parameter as PostgreSQL's text, or null.
using Param = std::optional<std::string>;

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
Param to_param(const T& value) {
    if constexpr (std::is_same_v<T, std::nullopt_t> || std::is_same_v<T, std::nullptr_t>) {
        return std::nullopt;
    } else if constexpr (is_optional<T>::value) {
        return value ? to_param(*value) : std::nullopt;
    } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
        return std::string(std::string_view(value));
    } else {
        return pqxx::to_string(value);
    }
}

// One statement to send: SQL text, or the name of one registered with prepare().
struct Command {
    bool prepared = false;
    std::string text;
    std::vector<Param> params;
};

template <class... Args>
Command command(bool prepared, std::string text, const Args&... args) {
    return Command{prepared, std::move(text), {to_param(args)...}};
}

template <class A>
struct awaitable_value;
template <class T, class E>
struct awaitable_value<boost::asio::awaitable<T, E>> {
    using type = T;
};

}  // namespace detail

// Statements sent together and answered together: one round trip, one
// implicit transaction (the first error fails the batch).
class Batch {
public:
    template <class... Args>
    Batch& query(std::string sql, const Args&... args) {
        commands_.push_back(detail::command(false, std::move(sql), args...));
        return *this;
    }
    template <class... Args>
    Batch& execute(std::string name, const Args&... args) {
        commands_.push_back(detail::command(true, std::move(name), args...));
        return *this;
    }
    std::size_t size() const noexcept { return commands_.size(); }

private:
    friend class Pool;
    friend class Transaction;
    std::vector<detail::Command> commands_;
};

// A transaction holding its connection; see Pool::transaction.
class Transaction {
public:
    Transaction(Transaction&&) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    // Not committed: rolled back, and the connection is free once that is done.
    ~Transaction();

    template <class... Args>
    awaitable<Result> query(std::string sql, const Args&... args) {
        return send(detail::command(false, std::move(sql), args...));
    }
    template <class... Args>
    awaitable<Result> execute(std::string name, const Args&... args) {
        return send(detail::command(true, std::move(name), args...));
    }
    awaitable<std::vector<Result>> run(Batch batch);
    // pg_advisory_xact_lock on `name` (hashed): one transaction at a time holds
    // it, database-wide, until it ends.
    awaitable<void> advisory_lock(std::string name);

    awaitable<void> commit();

private:
    friend class Pool;
    explicit Transaction(std::shared_ptr<detail::Lease> lease);
    awaitable<Result> send(detail::Command command);

    std::shared_ptr<detail::Lease> lease_;
};

class Pool {
public:
    // Opens min_size connections (at least one, which checks the DSN): a bad DSN
    // or an unreachable server throws ConnectionError here, at startup.
    explicit Pool(PoolConfig config);
    ~Pool();
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    // Registers a statement for execute(): each connection prepares it once,
    // on first use. Call it at startup.
    void prepare(std::string name, std::string sql);

    // One statement with $1, $2... parameters, in its own implicit transaction.
    template <class... Args>
    awaitable<Result> query(std::string sql, const Args&... args) {
        return send(detail::command(false, std::move(sql), args...));
    }
    // A statement registered with prepare().
    template <class... Args>
    awaitable<Result> execute(std::string name, const Args&... args) {
        return send(detail::command(true, std::move(name), args...));
    }
    // A batch in one round trip on one connection: a result per statement.
    awaitable<std::vector<Result>> run(Batch batch);

    // fn(Transaction&) -> awaitable<R> inside BEGIN ... COMMIT; an exception
    // (or a cancellation) rolls back and propagates.
    template <class F>
        requires std::is_void_v<typename detail::awaitable_value<std::invoke_result_t<F&, Transaction&>>::type>
    awaitable<void> transaction(F fn) {
        auto tx = co_await begin();
        co_await fn(tx);
        co_await tx.commit();
    }
    template <class F>
    awaitable<typename detail::awaitable_value<std::invoke_result_t<F&, Transaction&>>::type> transaction(F fn) {
        auto tx = co_await begin();
        auto out = co_await fn(tx);
        co_await tx.commit();
        co_return out;
    }
    // A transaction that starts by taking Transaction::advisory_lock(name). For
    // schema set-up: replicas starting at once run it in turn, since "if not
    // exists" alone can still collide in PostgreSQL's catalog.
    template <class F>
    awaitable<void> setup_schema(std::string name, F fn) {
        auto tx = co_await begin();
        co_await tx.advisory_lock(std::move(name));
        co_await fn(tx);
        co_await tx.commit();
    }
    // BEGIN on a connection of its own (sent with the first statement).
    awaitable<Transaction> begin();

    // Connections open now, busy or idle.
    std::size_t size() const;
    const PoolConfig& config() const noexcept;
    // Later calls fail with ConnectionError; running ones finish; connections
    // close as they fall idle.
    void close();

private:
    awaitable<Result> send(detail::Command command);

    std::shared_ptr<detail::PoolCore> core_;
    std::shared_ptr<void> registration_;  // in the metrics, while the pool lives
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
