// Against a real PostgreSQL: tests/run-all.sh starts one and exports
// ASIOHTTP_TEST_DATABASE_URL. Without it these tests fail; they never skip.
#include <asiohttp/pg.hpp>
#include <asiohttp/tasks.hpp>
#include <pqxx/nontransaction>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>

#include <asiohttp/metrics.hpp>

#include "prometheus_text.hpp"
#include "test_support.hpp"

namespace pg = asiohttp::pg;

namespace {

std::string dsn() {
    const char* url = std::getenv("ASIOHTTP_TEST_DATABASE_URL");
    if (!url || !*url) throw std::runtime_error("ASIOHTTP_TEST_DATABASE_URL is not set: run tests/run-all.sh");
    return url;
}

// Runs a coroutine to completion on its own io_context.
template <class T>
T sync(awaitable<T> task) {
    asio::io_context ioc;
    auto fut = asio::co_spawn(ioc, std::move(task), asio::use_future);
    ioc.run();
    return fut.get();
}

const web::AppKey<std::shared_ptr<pg::Pool>> pool_key{"pool"};

// The pool's gauges and its acquire-wait histogram, as /metrics shows them.
TEST(Postgres, ThePoolIsInTheMetrics) {
    pg::Pool pool({.dsn = dsn(), .max_size = 2});
    sync([&]() -> awaitable<void> {
        std::vector<awaitable<pqxx::result>> queries;
        for (int i = 0; i < 10; ++i) queries.push_back(pool.query("select pg_sleep(0.02)"));
        co_await asiohttp::gather(std::move(queries));
    }());
    const auto s = parse_prometheus(asiohttp::metrics::default_registry().scrape());
    EXPECT_EQ(s.at("asiohttp_pg_pool_max_size"), 2);
    EXPECT_EQ(s.at(R"(asiohttp_pg_pool_connections{state="in_use"})"), 0);
    EXPECT_EQ(s.at(R"(asiohttp_pg_pool_connections{state="idle"})"), 2);
    EXPECT_EQ(s.at("asiohttp_pg_pool_waiting"), 0);
    EXPECT_EQ(s.at("asiohttp_pg_pool_acquire_wait_seconds_count"), 10);
    // Ten 20 ms statements over two connections: most callers waited.
    EXPECT_LT(s.at(R"(asiohttp_pg_pool_acquire_wait_seconds_bucket{le="0.005"})"), 10);
    EXPECT_GT(s.at("asiohttp_pg_pool_acquire_wait_seconds_sum"), 0.1);
}

TEST(Postgres, QueriesTransactionsAndPreparedStatements) {
    pg::Pool pool({.dsn = dsn(), .max_size = 2});
    auto r = sync(pool.query("select $1::int + $2::int as sum, $3::text as name", 2, 3, "ann"));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0]["sum"].as<int>(), 5);
    EXPECT_EQ(r[0]["name"].as<std::string>(), "ann");

    sync(pool.query("create table if not exists pg_test_items (id serial primary key, name text not null)"));
    sync(pool.query("truncate pg_test_items"));
    auto id = sync(pool.transaction([](pqxx::work& tx) {
        tx.exec_params("insert into pg_test_items (name) values ($1)", "first");
        return tx.exec_params1("insert into pg_test_items (name) values ($1) returning id", "second")[0].as<int>();
    }));
    EXPECT_GT(id, 0);
    EXPECT_THROW(sync(pool.transaction([](pqxx::work& tx) {
                     tx.exec_params("insert into pg_test_items (name) values ($1)", "rolled back");
                     throw std::runtime_error("abort");
                 })),
                 std::runtime_error);
    EXPECT_EQ(sync(pool.query("select count(*) from pg_test_items"))[0][0].as<int>(), 2);

    pool.prepare("item_by_id", "select name from pg_test_items where id = $1");
    EXPECT_EQ(sync(pool.execute("item_by_id", id))[0][0].as<std::string>(), "second");
    EXPECT_THROW(sync(pool.query("select * from no_such_table")), pqxx::sql_error);
    EXPECT_EQ(sync(pool.query("select 1"))[0][0].as<int>(), 1);  // the connection survived the error
}

// Replicas starting at once against one database (compose --scale demo=3): each
// creates and seeds the same table; none fails, and the rows are seeded once.
TEST(Postgres, SetupSchemaLetsReplicasStartAtOnce) {
    const std::string table = "pg_test_race_" + std::to_string(::getpid());
    constexpr int replicas = 6;
    std::vector<std::unique_ptr<pg::Pool>> pools;
    for (int i = 0; i < replicas; ++i) pools.push_back(std::make_unique<pg::Pool>(pg::PoolConfig{.dsn = dsn()}));
    std::vector<std::thread> starting;
    std::atomic<int> failures{0};
    for (auto& pool : pools)
        starting.emplace_back([&, p = pool.get()] {
            try {
                sync(p->setup_schema(table, [&](pqxx::work& tx) {
                    tx.exec("create table if not exists " + table + " (id integer primary key)");
                    if (tx.exec1("select count(*) from " + table)[0].as<int>() == 0)
                        tx.exec("insert into " + table + " select generate_series(1, 100)");
                }));
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
                ++failures;
            }
        });
    for (auto& t : starting) t.join();
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(sync(pools[0]->query("select count(*) from " + table))[0][0].as<int>(), 100);
    sync(pools[0]->query("drop table " + table));
}

TEST(Postgres, MinSizeConnectionsAreOpenedAtStart) {
    pg::Pool pool({.dsn = dsn(), .min_size = 3, .max_size = 5});
    EXPECT_EQ(pool.size(), 3u);
    EXPECT_THROW(pg::Pool({.dsn = dsn(), .min_size = 6, .max_size = 5}), std::invalid_argument);
}

TEST(Postgres, BadDsnFailsAtStartupWithOneClearError) {
    try {
        pg::Pool pool({.dsn = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"});
        FAIL() << "a pool on a closed port opened";
    } catch (const pg::ConnectionError& e) {
        EXPECT_NE(std::string(e.what()).find("cannot connect to PostgreSQL"), std::string::npos) << e.what();
    }
}

TEST(Postgres, TwoHundredConcurrentRequestsThroughEightConnectionsAndIOStaysResponsive) {
    web::Application app;
    app.set(pool_key, std::make_shared<pg::Pool>(pg::PoolConfig{.dsn = dsn(), .max_size = 8}));
    app.router().add_get("/slow", [](web::Request& req) -> awaitable<web::Response> {
        auto r = co_await req.app().get(pool_key)->query("select pg_sleep(0.05), $1::int as n",
                                                           std::string(req.query().get("n", "0")));
        co_return web::Response::text(r[0]["n"].as<std::string>());
    });
    app.router().add_get("/plaintext", text_handler("Hello, World!"));
    TestServer server(app);

    std::vector<std::unique_ptr<TestClient>> clients;
    for (int i = 0; i < 200; ++i) {
        clients.push_back(std::make_unique<TestClient>(server));
        clients.back()->send_raw("GET /slow?n=" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    // 200 x 50 ms through 8 connections is over a second of queries: meanwhile
    // the I/O threads answer at once.
    TestClient quick(server);
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(quick.get("/plaintext").body, "Hello, World!");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 200ms);
    for (int i = 0; i < 200; ++i) {
        auto r = clients[i]->read_response();
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, std::to_string(i));
    }
    EXPECT_LE(app.get(pool_key)->size(), 8u);
}

// Statements one after another until cancelled, counted.
awaitable<void> query_forever(pg::Pool& pool, int& statements) {
    for (;;) {
        co_await pool.query("select pg_sleep(0.001)");
        ++statements;
    }
}

// A task cancelled while its statement runs (the demo's chat heartbeat at
// shutdown) finishes the statement and stops at its next wait. The statement
// cannot be interrupted on its pool thread, so no cancellation may be forwarded
// there: Asio 1.81's co_spawn forwards it through a signal that can be gone by
// the time it fires (asio#1332), a use-after-free that crashed replicas at stop
// (ASan, which CI builds with, reports it at once).
TEST(Postgres, ATaskCancelledDuringItsStatementStopsAfterIt) {
    pg::Pool pool({.dsn = dsn(), .max_size = 1});  // one pool thread: the forwarded cancellation waits behind the statement
    asio::io_context ioc;
    int statements = 0, cancelled = 0;
    auto run = [&]() -> awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        asio::steady_timer timer(ex);
        for (int i = 0; i < 200; ++i) {
            auto task = asiohttp::create_task(ex, query_forever(pool, statements));
            timer.expires_after(std::chrono::microseconds(300 + 170 * (i % 13)));  // a different moment each time
            co_await timer.async_wait(asio::use_awaitable);
            task.cancel();
            try {
                co_await task.wait();
            } catch (const boost::system::system_error& e) {
                if (e.code() == asio::error::operation_aborted) ++cancelled;
            }
        }
    };
    auto done = asio::co_spawn(ioc, run(), asio::use_future);
    ioc.run();
    done.get();
    EXPECT_EQ(cancelled, 200);  // each one stopped, with operation_aborted
    EXPECT_GT(statements, 0);
    EXPECT_EQ(sync(pool.query("select 1"))[0][0].as<int>(), 1);  // and the pool serves on
}

// Waiting for a free connection, cancelled: a cancellation (operation_aborted),
// not a PoolTimeoutError long before the acquire timeout.
TEST(Postgres, ACancelledWaitForAConnectionIsACancellationNotATimeout) {
    pg::Pool pool({.dsn = dsn(), .max_size = 1, .acquire_timeout = 5s});
    asio::io_context ioc;
    auto run = [&]() -> awaitable<std::string> {
        auto ex = co_await asio::this_coro::executor;
        auto busy = asiohttp::create_task(ex, pool.query("select pg_sleep(0.3)"));  // holds the one connection
        int statements = 0;
        auto waiting = asiohttp::create_task(ex, query_forever(pool, statements));
        asio::steady_timer timer(ex, 50ms);
        co_await timer.async_wait(asio::use_awaitable);
        waiting.cancel();
        std::string outcome = "finished";
        try {
            co_await waiting.wait();
        } catch (const pg::PoolTimeoutError&) {
            outcome = "timeout";
        } catch (const boost::system::system_error& e) {
            outcome = e.code() == asio::error::operation_aborted ? "cancelled" : e.what();
        }
        co_await busy.wait();
        co_return outcome;
    };
    auto outcome = asio::co_spawn(ioc, run(), asio::use_future);
    ioc.run();
    EXPECT_EQ(outcome.get(), "cancelled");
}

TEST(Postgres, AcquireTimeoutIsATypedErrorTheAppAnswersWith503) {
    web::Application app;
    app.set(pool_key, std::make_shared<pg::Pool>(pg::PoolConfig{.dsn = dsn(), .max_size = 1, .acquire_timeout = 200ms}));
    std::atomic<bool> holding{false};
    app.router().add_get("/sleep", [&holding](web::Request& req) -> awaitable<web::Response> {
        try {
            co_await req.app().get(pool_key)->run([&holding](pqxx::connection& c) {
                holding = true;  // this request has the only connection now
                pqxx::nontransaction(c).exec("select pg_sleep(1.5)");
            });
        } catch (const pg::PoolTimeoutError&) {
            throw web::HTTPServiceUnavailable("database busy");
        }
        co_return web::Response::text("slept");
    });
    TestServer server(app);
    TestClient first(server), second(server);
    first.send_raw("GET /sleep HTTP/1.1\r\nHost: x\r\n\r\n");
    auto wait_until = std::chrono::steady_clock::now() + 5s;
    while (!holding && std::chrono::steady_clock::now() < wait_until) std::this_thread::sleep_for(5ms);
    ASSERT_TRUE(holding);
    auto start = std::chrono::steady_clock::now();
    auto r = second.get("/sleep");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body, "database busy");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);  // after the acquire timeout, not the query
    EXPECT_EQ(first.read_response().body, "slept");
}

TEST(Postgres, StatementTimeout) {
    pg::Pool pool({.dsn = dsn(), .max_size = 1, .statement_timeout = 200ms});
    EXPECT_THROW(sync(pool.query("select pg_sleep(3)")), pg::StatementTimeoutError);
    EXPECT_EQ(sync(pool.query("select 7"))[0][0].as<int>(), 7);
}

TEST(Postgres, BrokenConnectionsAreReplaced) {
    const std::string app_dsn = dsn() + (dsn().find('?') == std::string::npos ? "?" : "&") +
                                "application_name=asiohttp_broken_test";
    pg::Pool pool({.dsn = app_dsn, .max_size = 2});
    EXPECT_EQ(sync(pool.query("select 1"))[0][0].as<int>(), 1);
    // What a server restart does to the pool's connections:
    pg::Pool admin({.dsn = dsn(), .max_size = 1});
    auto killed = sync(admin.query(
        "select count(pg_terminate_backend(pid)) from pg_stat_activity where application_name = 'asiohttp_broken_test'"));
    EXPECT_GE(killed[0][0].as<int>(), 1);
    std::this_thread::sleep_for(100ms);
    // The dead connection fails cleanly once, then a fresh one is opened.
    try {
        sync(pool.query("select 2"));
    } catch (const pg::ConnectionError&) {
    }
    EXPECT_EQ(sync(pool.query("select 3"))[0][0].as<int>(), 3);
}

TEST(Postgres, ListenNotify) {
    std::mutex m;
    std::condition_variable cv;
    std::vector<std::string> got;
    pg::Listener listener(dsn(), "asiohttp_test_channel", [&](const std::string& payload) {
        std::lock_guard l(m);
        got.push_back(payload);
        cv.notify_all();
    });
    ASSERT_TRUE(listener.wait_ready(5s));
    pg::Pool pool({.dsn = dsn(), .max_size = 1});
    sync(pool.query("select pg_notify('asiohttp_test_channel', $1)", "hello"));
    sync(pool.query("select pg_notify('asiohttp_test_channel', $1)", "world"));
    std::unique_lock l(m);
    ASSERT_TRUE(cv.wait_for(l, 5s, [&] { return got.size() == 2; }));
    EXPECT_EQ(got, (std::vector<std::string>{"hello", "world"}));
}

}  // namespace
