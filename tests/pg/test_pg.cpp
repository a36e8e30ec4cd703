// Against a real PostgreSQL: tests/run-all.sh starts one and exports
// ASIOHTTP_TEST_DATABASE_URL. Without it these tests fail; they never skip.
#include <asiohttp/pg.hpp>
#include <asiohttp/tasks.hpp>

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
    pg::Pool pool({.dsn = dsn(), .max_size = 2, .max_pipeline = 1});  // callers wait for a connection of their own
    sync([&]() -> awaitable<void> {
        std::vector<awaitable<pg::Result>> queries;
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
    auto id = sync(pool.transaction([](pg::Transaction& tx) -> awaitable<int> {
        co_await tx.query("insert into pg_test_items (name) values ($1)", "first");
        auto r = co_await tx.query("insert into pg_test_items (name) values ($1) returning id", "second");
        co_return r[0][0].as<int>();
    }));
    EXPECT_GT(id, 0);
    EXPECT_THROW(sync(pool.transaction([](pg::Transaction& tx) -> awaitable<void> {
                     co_await tx.query("insert into pg_test_items (name) values ($1)", "rolled back");
                     throw std::runtime_error("abort");
                 })),
                 std::runtime_error);
    EXPECT_EQ(sync(pool.query("select count(*) from pg_test_items"))[0][0].as<int>(), 2);

    pool.prepare("item_by_id", "select name from pg_test_items where id = $1");
    EXPECT_EQ(sync(pool.execute("item_by_id", id))[0][0].as<std::string>(), "second");
    EXPECT_EQ(sync(pool.execute("item_by_id", 123456)).size(), 0u);
    try {
        sync(pool.query("select * from no_such_table"));
        ADD_FAILURE() << "a query on a missing table succeeded";
    } catch (const pg::SqlError& e) {
        EXPECT_EQ(e.sqlstate(), "42P01");  // undefined_table
        EXPECT_EQ(e.query(), "select * from no_such_table");
    }
    EXPECT_THROW(sync(pool.execute("never_prepared")), pg::SqlError);
    EXPECT_EQ(sync(pool.query("")).size(), 0u);  // an empty statement: an empty result
    EXPECT_EQ(sync(pool.query("select 1"))[0][0].as<int>(), 1);  // the connection survived the errors
    // Nulls, optionals and a row that outlives its result.
    auto row = sync(pool.query("select $1::int, $2::text", std::optional<int>(), std::optional<std::string>("x")))[0];
    EXPECT_TRUE(row[0].is_null());
    EXPECT_EQ(row[0].get<int>(), std::nullopt);
    EXPECT_THROW(row[0].as<int>(), std::domain_error);
    EXPECT_EQ(row[1].as<std::string>(), "x");
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
                sync(p->setup_schema(table, [&](pg::Transaction& tx) -> awaitable<void> {
                    co_await tx.query("create table if not exists " + table + " (id integer primary key)");
                    auto count = co_await tx.query("select count(*) from " + table);
                    if (count[0][0].as<int>() == 0)
                        co_await tx.query("insert into " + table + " select generate_series(1, 100)");
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
// shutdown, a request given up on) stops at once with operation_aborted, its
// statement is cancelled on the server, and the pool serves on. At 200
// different moments, on one connection: a cancel must never hit the next caller's statement.
TEST(Postgres, ATaskCancelledDuringItsStatementStopsAtOnce) {
    pg::Pool pool({.dsn = dsn(), .max_size = 1});
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
            // The next caller's statement is never the one cancelled.
            auto r = co_await pool.query("select $1::int", i);
            if (r[0][0].as<int>() != i) ADD_FAILURE() << "statement " << i << " answered wrongly";
        }
    };
    auto done = asio::co_spawn(ioc, run(), asio::use_future);
    ioc.run();
    done.get();
    EXPECT_EQ(cancelled, 200);  // each one stopped, with operation_aborted
    EXPECT_GT(statements, 0);
    EXPECT_EQ(sync(pool.query("select 1"))[0][0].as<int>(), 1);
    EXPECT_EQ(pool.size(), 1u);
}

// A long statement whose caller gave up stops on the server too: the
// database does not go on working for nobody.
TEST(Postgres, ACancelledCallStopsItsStatementOnTheServer) {
    const std::string app_dsn = dsn() + (dsn().find('?') == std::string::npos ? "?" : "&") +
                                "application_name=asiohttp_cancel_test";
    pg::Pool pool({.dsn = app_dsn, .max_size = 1});
    pg::Pool admin({.dsn = dsn(), .max_size = 1});
    auto running = [&] {
        return sync(admin.query("select count(*) from pg_stat_activity where application_name = "
                                "'asiohttp_cancel_test' and state = 'active' and query like '%pg_sleep(30)%'"))[0][0]
            .as<int>();
    };
    asio::io_context ioc;
    std::chrono::steady_clock::duration gave_up_in{};
    auto run = [&]() -> awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        auto task = asiohttp::create_task(ex, pool.query("select pg_sleep(30)"));
        asio::steady_timer timer(ex, 300ms);
        co_await timer.async_wait(asio::use_awaitable);
        EXPECT_EQ(running(), 1);
        const auto start = std::chrono::steady_clock::now();
        task.cancel();
        EXPECT_THROW(co_await task.wait(), boost::system::system_error);
        gave_up_in = std::chrono::steady_clock::now() - start;
    };
    auto done = asio::co_spawn(ioc, run(), asio::use_future);
    ioc.run();
    done.get();
    EXPECT_LT(gave_up_in, 100ms);
    auto until = std::chrono::steady_clock::now() + 3s;
    while (running() > 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
    EXPECT_EQ(running(), 0) << "the statement went on on the server";
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(sync(pool.query("select 5"))[0][0].as<int>(), 5);  // the same connection, free again
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    EXPECT_EQ(pool.size(), 1u);
}

// handler_cancellation: a client that goes away cancels its handler, and with
// it the statement the handler waits for, on the server; everyone else is served.
TEST(Postgres, AClientThatGoesAwayCancelsItsStatement) {
    const std::string app_dsn = dsn() + (dsn().find('?') == std::string::npos ? "?" : "&") +
                                "application_name=asiohttp_gone_test";
    web::Application app;
    app.set(pool_key, std::make_shared<pg::Pool>(pg::PoolConfig{.dsn = app_dsn, .max_size = 2}));
    app.router().add_get("/slow", [](web::Request& req) -> awaitable<web::Response> {
        co_await req.app().get(pool_key)->query("select pg_sleep(30)");
        co_return web::Response::text("slept");
    });
    app.router().add_get("/plaintext", text_handler("Hello, World!"));
    auto config = TestServer::default_config();
    config.handler_cancellation = true;
    TestServer server(app, config);
    pg::Pool admin({.dsn = dsn(), .max_size = 1});
    auto running = [&] {
        return sync(admin.query("select count(*) from pg_stat_activity where application_name = "
                                "'asiohttp_gone_test' and state = 'active' and query like '%pg_sleep(30)%'"))[0][0]
            .as<int>();
    };
    {
        TestClient client(server);
        client.send_raw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        auto until = std::chrono::steady_clock::now() + 3s;
        while (running() == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
        ASSERT_EQ(running(), 1);
    }  // the client goes away
    auto until = std::chrono::steady_clock::now() + 3s;
    while (running() > 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
    EXPECT_EQ(running(), 0) << "the statement went on for nobody";
    TestClient next(server);
    EXPECT_EQ(next.get("/plaintext").body, "Hello, World!");
}

// A loop that keeps every connection busy does not starve another: a caller
// waiting on a second loop gets a connection well within acquire_timeout
// (before, it waited the whole timeout and failed).
TEST(Postgres, ABusyLoopLetsAWaitingLoopHaveAConnection) {
    pg::Pool pool({.dsn = dsn(), .max_size = 2, .acquire_timeout = 5s});
    std::atomic<bool> stop{false};
    std::atomic<int> busy_statements{0};
    std::thread busy([&] {
        sync([&]() -> awaitable<void> {
            // Twelve callers, each sending its next statement as soon as it has its answer.
            auto caller = [&]() -> awaitable<void> {
                while (!stop) {
                    co_await pool.query("select pg_sleep(0.002)");
                    ++busy_statements;
                }
            };
            std::vector<awaitable<void>> callers;
            for (int k = 0; k < 12; ++k) callers.push_back(caller());
            co_await asiohttp::gather(std::move(callers));
        }());
    });
    while (busy_statements < 48) std::this_thread::sleep_for(5ms);  // both connections busy on that loop
    const auto start = std::chrono::steady_clock::now();
    int answer = 0;
    try {
        answer = sync(pool.query("select 7"))[0][0].as<int>();
    } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
    }
    const auto waited = std::chrono::steady_clock::now() - start;
    const int before_stop = busy_statements;
    stop = true;
    busy.join();
    EXPECT_EQ(answer, 7);
    EXPECT_LT(waited, 1s);
    EXPECT_GT(busy_statements, before_stop - 1);  // the busy loop went on too
}

// Callers share one connection once max_size are busy: their statements are
// in flight together, answered in order, and one's error is its own.
TEST(Postgres, CallersShareABusyConnectionAndKeepTheirErrorsToThemselves) {
    pg::Pool pool({.dsn = dsn(), .max_size = 1, .max_pipeline = 8});
    auto outcome = [&](std::string sql) -> awaitable<std::string> {
        std::string out;
        try {
            auto r = co_await pool.query(std::move(sql));
            out = r[0][0].as<std::string>();
        } catch (const pg::SqlError& e) {
            out = "error " + e.sqlstate();
        }
        co_return out;
    };
    std::vector<std::string> got;
    const auto start = std::chrono::steady_clock::now();
    sync([&]() -> awaitable<void> {
        std::vector<awaitable<std::string>> calls;
        calls.push_back(outcome("select 'a' from pg_sleep(0.2)"));
        calls.push_back(outcome("select * from no_such_table"));
        calls.push_back(outcome("select 'c'"));
        calls.push_back(outcome("select 1/0"));
        calls.push_back(outcome("select 'e'"));
        got = co_await asiohttp::gather(std::move(calls));
    }());
    EXPECT_EQ(got, (std::vector<std::string>{"a", "error 42P01", "c", "error 22012", "e"}));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    EXPECT_EQ(pool.size(), 1u);
}

// A batch is one round trip and one implicit transaction: a result per
// statement, or the first error and nothing of it kept.
TEST(Postgres, ABatchAnswersEachStatementOrFailsWhole) {
    pg::Pool pool({.dsn = dsn(), .max_size = 2});
    pool.prepare("double_it", "select $1::int * 2");
    pg::Batch batch;
    for (int i = 0; i < 20; ++i) batch.execute("double_it", i);
    auto results = sync(pool.run(std::move(batch)));
    ASSERT_EQ(results.size(), 20u);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(results[i][0][0].as<int>(), 2 * i);

    sync(pool.query("create table if not exists pg_test_batch (n int)"));
    sync(pool.query("truncate pg_test_batch"));
    pg::Batch failing;
    failing.query("insert into pg_test_batch values (1)").query("select 1/0").query("insert into pg_test_batch values (2)");
    EXPECT_THROW(sync(pool.run(std::move(failing))), pg::SqlError);
    EXPECT_EQ(sync(pool.query("select count(*) from pg_test_batch"))[0][0].as<int>(), 0);
    sync(pool.query("drop table pg_test_batch"));
}

// A transaction has its connection to itself: another caller's statement
// waits for it instead of joining it.
TEST(Postgres, ATransactionHoldsItsConnectionUntilItEnds) {
    pg::Pool pool({.dsn = dsn(), .max_size = 1, .max_pipeline = 8});
    std::vector<std::string> order;
    sync([&]() -> awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        auto tx = asiohttp::create_task(ex, pool.transaction([&](pg::Transaction& t) -> awaitable<void> {
            co_await t.query("select set_config('asiohttp.probe', 'in the transaction', true)");
            co_await t.query("select pg_sleep(0.2)");
            order.push_back("transaction");
        }));
        asio::steady_timer timer(ex, 50ms);
        co_await timer.async_wait(asio::use_awaitable);
        auto r = co_await pool.query("select coalesce(current_setting('asiohttp.probe', true), '')");
        order.push_back(r[0][0].as<std::string>() == "in the transaction" ? "inside" : "outside");
        co_await tx.wait();
    }());
    EXPECT_EQ(order, (std::vector<std::string>{"transaction", "outside"}));
}

// One pool used from several event loops (a server's I/O threads): each loop
// gets connections of its own, idle ones move to where callers wait, and
// max_size holds across them.
TEST(Postgres, OnePoolServesSeveralLoopsWithinMaxSize) {
    pg::Pool pool({.dsn = dsn(), .max_size = 3, .acquire_timeout = 10s});
    std::atomic<int> answered{0}, wrong{0};
    std::vector<std::thread> loops;
    for (int t = 0; t < 4; ++t)
        loops.emplace_back([&, t] {
          try {
            sync([&]() -> awaitable<void> {
                for (int i = 0; i < 150; ++i) {
                    std::vector<awaitable<pg::Result>> calls;
                    for (int k = 0; k < 4; ++k) calls.push_back(pool.query("select $1::int", t * 1000 + i * 4 + k));
                    auto rs = co_await asiohttp::gather(std::move(calls));
                    for (int k = 0; k < 4; ++k)
                        (rs[k][0][0].as<int>() == t * 1000 + i * 4 + k ? answered : wrong)++;
                    if (i % 50 == 0) co_await pool.transaction([](pg::Transaction& tx) -> awaitable<void> {
                        co_await tx.query("select pg_sleep(0.01)");
                    });
                }
            }());
          } catch (const std::exception& e) {
            ADD_FAILURE() << "loop " << t << ": " << e.what();
          }
            EXPECT_LE(pool.size(), 3u);
        });
    for (auto& l : loops) l.join();
    EXPECT_EQ(answered, 4 * 150 * 4);
    EXPECT_EQ(wrong, 0);
    EXPECT_LE(pool.size(), 3u);
    EXPECT_EQ(sync(pool.query("select 1"))[0][0].as<int>(), 1);
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
            co_await req.app().get(pool_key)->transaction([&holding](pg::Transaction& tx) -> awaitable<void> {
                holding = true;  // this request has the only connection now
                co_await tx.query("select pg_sleep(1.5)");
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
