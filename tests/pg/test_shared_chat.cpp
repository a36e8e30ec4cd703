// The demo's chat with a database: two demo processes on one PostgreSQL
// database, as two replicas behind a load balancer. A room is the same room on
// both: messages, one order, members, history, join and leave cross over.
#include <thread>

#include "chat_replicas.hpp"

namespace {

struct SharedChat : ::testing::Test {
    TestDatabase db{"shared_chat"};
    ChatReplica a{db.url}, b{db.url};
    void SetUp() override { ASSERT_TRUE(a.port && b.port) << "a demo replica did not start"; }
};

TEST_F(SharedChat, MessagesCrossBetweenInstancesBothWaysAndStayInTheirRoom) {
    auto ann = a.join("r1", "ann");
    ASSERT_FALSE(members_on_joining(ann).is_null());
    auto bob = b.join("r1", "bob");
    auto eve = b.join("r2", "eve");
    ASSERT_FALSE(members_on_joining(bob).is_null());
    ASSERT_FALSE(members_on_joining(eve).is_null());

    say(ann, "from a");
    auto got = next_of(bob, "message");
    ASSERT_FALSE(got.is_null()) << "a message on instance A never reached instance B";
    EXPECT_EQ(got["name"], "ann");
    EXPECT_EQ(got["text"], "from a");
    EXPECT_EQ(got["room"], "r1");
    say(bob, "from b");
    EXPECT_EQ(texts_of(ann, 2), (std::vector<std::string>{"from a", "from b"}));
    EXPECT_TRUE(next_of(eve, "message", 500ms).is_null()) << "another room got r1's message";
}

TEST_F(SharedChat, MembersJoinsAndLeavesAreRoomWide) {
    auto ann = a.join("r", "ann");
    EXPECT_EQ(members_on_joining(ann)["members"], json::parse(R"(["ann"])"));
    auto bob = b.join_new("r", "bob");
    EXPECT_EQ(members_on_joining(*bob)["members"], json::parse(R"(["ann","bob"])"));
    auto joined = next_of(ann, "join");
    while (!joined.is_null() && joined["name"] == "ann") joined = next_of(ann, "join");
    ASSERT_FALSE(joined.is_null()) << "ann on A never heard that bob joined on B";
    EXPECT_EQ(joined["name"], "bob");

    auto taken = b.join("r", "ann");  // a name is taken across instances
    auto error = next_of(taken, "error");
    ASSERT_FALSE(error.is_null());
    EXPECT_EQ(error["error"], "name 'ann' is taken in this room");

    bob->close();
    auto left = next_of(ann, "leave");
    ASSERT_FALSE(left.is_null()) << "ann never heard that bob left";
    EXPECT_EQ(left["name"], "bob");
    auto carol = a.join("r", "carol");
    EXPECT_EQ(members_on_joining(carol)["members"], json::parse(R"(["ann","carol"])"));
}

// Whichever instance they were sent on, the last 50 messages come from the
// table, to a newcomer on either instance or on one started later.
TEST_F(SharedChat, NewcomersAnywhereGetTheSameLast50Messages) {
    auto ann = a.join("h", "ann");
    auto bob = b.join("h", "bob");
    ASSERT_FALSE(members_on_joining(ann).is_null());
    ASSERT_FALSE(members_on_joining(bob).is_null());
    std::vector<std::string> sent;
    for (int i = 0; i < 60; ++i) {
        sent.push_back("m" + std::to_string(i));
        say(i % 2 ? bob : ann, sent.back());
        ASSERT_EQ(texts_of(ann, 1), std::vector<std::string>{sent.back()});  // one at a time: sent in this order
    }
    const std::vector<std::string> last50(sent.end() - 50, sent.end());
    auto late_a = a.join("h", "late_a");
    EXPECT_EQ(texts_of(late_a, 50), last50);
    auto late_b = b.join("h", "late_b");
    EXPECT_EQ(texts_of(late_b, 50), last50);
    ChatReplica c(db.url);
    auto late_c = c.join("h", "late_c");
    EXPECT_EQ(texts_of(late_c, 50), last50) << "a replica started later has another history";
    EXPECT_EQ(members_on_joining(late_c)["members"], json::parse(R"(["ann","bob","late_a","late_b","late_c"])"));
}

// Both instances' members send at once: every member, on either instance, sees
// one and the same order, each sender's own order kept, and it is the history's.
TEST_F(SharedChat, OneRoomWideOrderWhileBothInstancesSend) {
    auto ann = a.join("o", "ann"), bob = b.join("o", "bob");
    auto watch_a = a.join("o", "watch_a"), watch_b = b.join("o", "watch_b");
    for (auto* ws : {&ann, &bob, &watch_a, &watch_b}) ASSERT_FALSE(members_on_joining(*ws).is_null());
    constexpr int burst = 25;
    std::thread from_a([&] {
        for (int i = 0; i < burst; ++i) say(ann, "a" + std::to_string(i));
    });
    std::thread from_b([&] {
        for (int i = 0; i < burst; ++i) say(bob, "b" + std::to_string(i));
    });
    from_a.join();
    from_b.join();
    const auto seen = texts_of(watch_a, 2 * burst);
    ASSERT_EQ(seen.size(), std::size_t(2 * burst));
    EXPECT_EQ(texts_of(watch_b, 2 * burst), seen) << "the two instances delivered in different orders";
    EXPECT_EQ(texts_of(ann, 2 * burst), seen);
    EXPECT_EQ(texts_of(bob, 2 * burst), seen);
    int next_a = 0, next_b = 0;
    for (auto& t : seen) EXPECT_EQ(std::stoi(t.substr(1)), (t[0] == 'a' ? next_a : next_b)++) << t;
    auto late = b.join("o", "late");
    EXPECT_EQ(texts_of(late, 2 * burst), seen) << "the history's order is not the one delivered";
}

// A replica that vanishes (killed, no goodbye): its members are announced gone
// on the other within seconds, and the room's member list drops them.
TEST_F(SharedChat, AVanishedInstancesMembersLeaveWithinSeconds) {
    auto ann = a.join("v", "ann");
    ASSERT_FALSE(members_on_joining(ann).is_null());
    {
        auto bob = b.join("v", "bob");
        ASSERT_FALSE(members_on_joining(bob).is_null());
        const auto start = std::chrono::steady_clock::now();
        b.process.stop(SIGKILL);
        auto left = next_of(ann, "leave", 15s);
        ASSERT_FALSE(left.is_null()) << "bob's leave never came";
        EXPECT_EQ(left["name"], "bob");
        EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
    }
    auto carol = a.join("v", "carol");
    EXPECT_EQ(members_on_joining(carol)["members"], json::parse(R"(["ann","carol"])"));
    auto bob_again = a.join("v", "bob");  // the name is free again
    EXPECT_EQ(members_on_joining(bob_again)["members"], json::parse(R"(["ann","bob","carol"])"));
}

// A message whose event is larger than NOTIFY's 8000-byte payload (control
// characters are escaped to six bytes each) arrives whole on the other instance.
TEST_F(SharedChat, AMessageLargerThanNotifyAllowsArrivesWhole) {
    auto ann = a.join("big", "ann"), bob = b.join("big", "bob");
    ASSERT_FALSE(members_on_joining(ann).is_null());
    ASSERT_FALSE(members_on_joining(bob).is_null());
    std::string text(1990, '\x01');
    text += "end";
    say(ann, text);
    auto got = next_of(bob, "message");
    ASSERT_FALSE(got.is_null());
    EXPECT_GT(got.dump().size(), 8000u);
    EXPECT_EQ(got["text"], text);
}

TEST_F(SharedChat, TwoHundredClientsOverBothInstancesAllReceiveEveryMessage) {
    constexpr int kClients = 200, kSenders = 4, kEach = 5;
    std::vector<std::unique_ptr<WSClient>> clients;
    for (int i = 0; i < kClients; ++i) {
        clients.push_back((i % 2 ? b : a).join_new("crowd", "u" + std::to_string(i)));
        ASSERT_FALSE(members_on_joining(*clients.back()).is_null()) << "client " << i;
    }
    for (int k = 0; k < kEach; ++k)
        for (int s = 0; s < kSenders; ++s) say(*clients[s], "u" + std::to_string(s) + " #" + std::to_string(k));
    const auto first = texts_of(*clients[0], kSenders * kEach);
    ASSERT_EQ(first.size(), std::size_t(kSenders * kEach));
    for (int i = 1; i < kClients; ++i) ASSERT_EQ(texts_of(*clients[i], kSenders * kEach), first) << "client " << i;
}

}  // namespace
