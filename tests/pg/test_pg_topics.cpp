// Topics shared through PostgreSQL: two servers on one database, each with its
// own TopicBridge, as two replicas would be. Against the throwaway PostgreSQL.
#include "test_support.hpp"
#include "topics_replica.hpp"

namespace {

// A table and channel of the test's own: ctest runs tests side by side.
std::string unique_name() {
    return "topics_test_" + std::to_string(::getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

TEST(PgTopics, BothReplicasSeeEveryMessageInOneOrder) {
    ReplicaPair pair(unique_name(), "room");
    auto& [table, a, b, on_a, on_b, subscribed] = pair;
    WSClient elsewhere(*b.server, "/ws?topic=other");
    ASSERT_TRUE(subscribed);
    constexpr int burst = 100;
    std::thread from_a([&] {
        for (int i = 0; i < burst; ++i) a.app.topics().publish_str("room", "a" + std::to_string(i));
    });
    std::thread from_b([&] {
        for (int i = 0; i < burst; ++i) b.app.topics().publish_str("room", "b" + std::to_string(i));
    });
    from_a.join();
    from_b.join();
    const auto seen_a = receive_n(on_a, 2 * burst), seen_b = receive_n(on_b, 2 * burst);
    ASSERT_EQ(seen_a.size(), std::size_t(2 * burst));
    EXPECT_EQ(seen_a, seen_b) << "the replicas delivered in different orders";
    int next_a = 0, next_b = 0;  // each publisher's order is kept
    for (auto& m : seen_a) EXPECT_EQ(std::stoi(m.substr(1)), (m[0] == 'a' ? next_a : next_b)++);
    pair.expect_nothing_more();
    EXPECT_FALSE(elsewhere.receive_for(100ms)) << "another topic's subscriber got the room's messages";
}

TEST(PgTopics, PayloadsBeyondNotifyLimitAndBinaryArriveWhole) {
    const auto name = unique_name();
    {
        Replica a(name), b(name);
        WSClient on_b(*b.server, "/ws?topic=big");
        ASSERT_TRUE(b.wait_for_subscribers("big", 1));
        std::string large(100'000, 'x');
        large[4242] = 'y';
        std::string binary("\0\x01\xff\0tail", 8);
        a.app.topics().publish_str("big", large);
        a.app.topics().publish_bytes("big", binary);
        a.app.topics().publish_json("big", {{"text", "héllo"}});
        auto m1 = on_b.receive_for(5s), m2 = on_b.receive_for(5s), m3 = on_b.receive_for(5s);
        ASSERT_TRUE(m1 && m2 && m3);
        EXPECT_TRUE(m1->text);
        EXPECT_EQ(m1->data, large);
        EXPECT_FALSE(m2->text);
        EXPECT_EQ(m2->data, binary);
        EXPECT_EQ(m3->json(), (json{{"text", "héllo"}}));
    }
    drop_table(name);
}

// The listeners' connections are cut while messages are published: once they
// are back, every message arrives once, in order, and new ones flow again.
TEST(PgTopics, AfterADroppedListenerEveryMessageArrivesOnce) {
    ReplicaPair pair(unique_name(), "t");
    ASSERT_TRUE(pair.subscribed);
    pair.a.app.topics().publish_str("t", "before");
    ASSERT_NO_FATAL_FAILURE(pair.expect_both_got({"before"}));

    pqxx::connection admin(dsn());
    const auto cut = pqxx::nontransaction(admin).exec(
        "select pg_terminate_backend(pid) from pg_stat_activity where application_name = "
        "'asiohttp-topics-listener'");
    EXPECT_GE(cut.size(), 2u);
    std::vector<std::string> expected;
    for (int i = 0; i < 50; ++i) {
        expected.push_back("during" + std::to_string(i));
        pair.a.app.topics().publish_str("t", expected.back());
        if (i % 10 == 0) std::this_thread::sleep_for(20ms);  // across the reconnect
    }
    expected.push_back("after");
    std::this_thread::sleep_for(500ms);
    pair.a.app.topics().publish_str("t", "after");
    pair.expect_both_got(expected);
    pair.expect_nothing_more();
}

// History lives in the table: a replica started later replays the same last
// messages, whichever replica published them, and retention leaves them alone
// while it removes everything else.
TEST(PgTopics, AReplicaStartedLaterHasTheSameHistory) {
    const auto name = unique_name();
    const ReplicaOptions options{.history_prefix = "room:", .history_size = 3, .retention = std::chrono::seconds(1)};
    {
        Replica a(name, options);
        WSClient on_a(*a.server, "/ws?topic=room:x");
        ASSERT_TRUE(a.wait_for_subscribers("room:x", 1));
        for (int i = 0; i < 5; ++i) a.app.topics().publish_str("room:x", "m" + std::to_string(i));
        a.app.topics().publish_str("other", "not kept");
        EXPECT_EQ(receive_n(on_a, 5).size(), 5u);  // all committed and delivered
        std::this_thread::sleep_for(1100ms);       // older than retention
        Replica later(name, options);               // its publisher removes old rows at once
        WSClient replay(*later.server, "/ws?topic=room:x&history=1");
        EXPECT_EQ(receive_n(replay, 3), (std::vector<std::string>{"m2", "m3", "m4"}));
        ASSERT_TRUE(later.wait_for_subscribers("room:x", 1));
        later.app.topics().publish_str("room:x", "live");
        EXPECT_EQ(receive_n(replay, 1), (std::vector<std::string>{"live"}));
        EXPECT_EQ(receive_n(on_a, 1), (std::vector<std::string>{"live"}));
        EXPECT_EQ(a.app.topics().history("room:x").size(), 3u);
        EXPECT_EQ(a.app.topics().history("room:x").back().payload, "live");
    }
    pqxx::connection c(dsn());
    auto left = pqxx::nontransaction(c).exec("select topic, count(*) from " + name + " group by topic order by topic");
    ASSERT_EQ(left.size(), 1u) << "retention kept a row no history rule covers";
    EXPECT_EQ(left[0][0].as<std::string>(), "room:x");
    EXPECT_GE(left[0][1].as<int>(), 3);
    drop_table(name);
}

}  // namespace
