// Across a PostgreSQL restart: the pool's calls fail cleanly (a typed error, no
// hang) while the server is down and succeed again once it is back; topics
// published meanwhile reach every replica once. It stops the shared test
// server, so ctest runs it alone (RUN_SERIAL).
#include <gtest/gtest.h>

#include "topics_replica.hpp"
#ifdef ASIOHTTP_DEMO_BIN
#include "chat_replicas.hpp"
#endif

#include <asiohttp/pg.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <cstdlib>
#include <thread>


namespace {

template <class T>
T sync(asiohttp::awaitable<T> task) {
    asio::io_context ioc;
    auto fut = asio::co_spawn(ioc, std::move(task), asio::use_future);
    ioc.run();
    return fut.get();
}

void ctl(const char* what) {
    std::string cmd = std::string(ASIOHTTP_TESTS_DIR "/throwaway-postgres-ctl.sh ") + what;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

TEST(PostgresRestart, QueriesFailCleanlyWhileDownAndSucceedAfter) {
    const char* url = std::getenv("ASIOHTTP_TEST_DATABASE_URL");
    ASSERT_TRUE(url && *url) << "ASIOHTTP_TEST_DATABASE_URL is not set: run tests/run-all.sh";
    pg::Pool pool({.dsn = std::string(url) + "?connect_timeout=3", .max_size = 4});
    ASSERT_EQ(sync(pool.query("select 1"))[0][0].as<int>(), 1);

    ctl("stop");
    for (int i = 0; i < 3; ++i) {
        auto start = std::chrono::steady_clock::now();
        EXPECT_THROW(sync(pool.query("select 1")), pg::ConnectionError);
        EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    }
    ctl("start");
    int ok = 0;
    for (int i = 0; i < 3 && !ok; ++i) {  // at most the connections that broke fail once more
        try {
            ok = sync(pool.query("select 42"))[0][0].as<int>();
        } catch (const pg::ConnectionError&) {
        }
    }
    EXPECT_EQ(ok, 42);
    EXPECT_EQ(sync(pool.query("select 43"))[0][0].as<int>(), 43);
}

TEST(PostgresRestart, TopicsPublishedWhileDownArriveOnceOnEveryReplica) {
    ReplicaPair pair("topics_restart_" + std::to_string(::getpid()), "t");
    ASSERT_TRUE(pair.subscribed);
    pair.a.app.topics().publish_str("t", "before");
    ASSERT_NO_FATAL_FAILURE(pair.expect_both_got({"before"}));

    ctl("stop");
    std::vector<std::string> expected;
    for (int i = 0; i < 10; ++i) {  // waiting in the publisher until the database is back
        expected.push_back("during" + std::to_string(i));
        pair.b.app.topics().publish_str("t", expected.back());
    }
    std::this_thread::sleep_for(500ms);
    ctl("start");
    pair.b.app.topics().publish_str("t", "after");
    expected.push_back("after");
    pair.expect_both_got(expected);
    pair.expect_nothing_more();
}

#ifdef ASIOHTTP_DEMO_BIN
// Two demo replicas chatting through the database while it restarts: both go
// on serving, cross-instance chat works again within seconds, and nobody is
// taken for vanished because everyone's heartbeat stopped together.
TEST(PostgresRestart, TheSharedChatRecoversOnBothInstances) {
    TestDatabase db("chat_restart");
    ChatReplica a(db.url), b(db.url);
    ASSERT_TRUE(a.port && b.port);
    auto ann = a.join("r", "ann"), bob = b.join("r", "bob");
    ASSERT_FALSE(members_on_joining(ann).is_null());
    ASSERT_FALSE(members_on_joining(bob).is_null());
    say(ann, "before");
    ASSERT_FALSE(next_of(bob, "message").is_null());

    ctl("stop");
    for (auto port : {a.port, b.port}) {
        TestClient client("127.0.0.1", port);
        EXPECT_EQ(client.get("/plaintext").status, 200) << "an instance stopped serving without its database";
    }
    say(ann, "while down");
    std::this_thread::sleep_for(1s);
    ctl("start");
    const auto back = std::chrono::steady_clock::now();
    say(ann, "after");
    EXPECT_EQ(texts_of(bob, 2, 15s), (std::vector<std::string>{"while down", "after"}));
    EXPECT_LT(std::chrono::steady_clock::now() - back, 10s);
    say(bob, "and back");
    EXPECT_EQ(texts_of(ann, 4), (std::vector<std::string>{"before", "while down", "after", "and back"}));
    // Heartbeats resumed before anyone judged the others gone.
    std::this_thread::sleep_for(6s);
    auto carol = b.join("r", "carol");
    EXPECT_EQ(members_on_joining(carol)["members"], json::parse(R"(["ann","bob","carol"])"));
    EXPECT_TRUE(next_of(ann, "leave", 300ms).is_null()) << "a live member was announced gone";
}
#endif

}  // namespace
