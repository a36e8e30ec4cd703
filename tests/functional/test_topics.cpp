// Topics in one process: publish reaches every subscriber and only them, in one
// order; closing leaves; one payload is shared; the slow-reader policies.
#include <fstream>
#include <set>

#include <asiohttp/metrics.hpp>

#include "prometheus_text.hpp"
#include "test_support.hpp"

namespace {

using test_utils::WSClient;

struct Topics : ::testing::Test {
    web::Application app;
    std::atomic<int> close_code{0};

    // /ws?topic=T&policy=close|drop_oldest|keep_latest&queue=BYTES[&history=1][&compress=1]
    // subscribes and then only reads, answering "echo:X" with X (a small queue by
    // default, so a client that stops reading fills it quickly).
    void SetUp() override {
        app.router().add_get("/ws", [this](web::Request& req) -> awaitable<web::Response> {
            const auto queue = std::stoul(std::string(req.query().get("queue", "262144")));
            const web::WebSocketOptions socket_options{
                .compress = req.query().get("compress", "") == "1", .close_timeout = 500ms, .max_queue_size = queue};
            web::WebSocketResponse ws(socket_options);
            co_await ws.prepare(req);
            const auto policy = req.query().get("policy", "close");
            web::SubscribeOptions options{.slow_reader = policy == "drop_oldest"   ? web::SlowReader::drop_oldest
                                                         : policy == "keep_latest" ? web::SlowReader::keep_latest
                                                                                   : web::SlowReader::close,
                                         .history = req.query().get("history", "") == "1"};
            req.app().topics().subscribe(ws.handle(), std::string(req.query().get("topic", "")), options);
            while (auto msg = co_await ws.receive())
                if (msg->text().starts_with("echo:")) co_await ws.send_str(std::string(msg->text().substr(5)));
            close_code = ws.close_code().value_or(-1);
            co_return ws;
        });
    }
    // Waits (up to 5 s) until the topic has n subscribers.
    bool wait_for_subscribers(std::string_view topic, std::size_t n) {
        for (int i = 0; i < 500; ++i) {
            if (app.topics().subscriber_count(topic) == n) return true;
            std::this_thread::sleep_for(10ms);
        }
        return false;
    }
};

TEST_F(Topics, PublishReachesEverySubscriberOfTheTopicAndNoOneElse) {
    TestServer server(app);
    WSClient a(server, "/ws?topic=news"), b(server, "/ws?topic=news"), other(server, "/ws?topic=sport");
    ASSERT_TRUE(wait_for_subscribers("news", 2));
    ASSERT_TRUE(wait_for_subscribers("sport", 1));
    EXPECT_EQ(app.topics().names(), (std::vector<std::string>{"news", "sport"}));

    EXPECT_EQ(app.topics().publish_str("news", "hello"), 2u);
    EXPECT_EQ(app.topics().publish_json("news", {{"n", 1}}), 2u);
    std::thread([&] { app.topics().publish_bytes("news", std::string("\x01\x02", 2)); }).join();  // any thread
    for (auto* c : {&a, &b}) {
        EXPECT_EQ(c->receive()->data, "hello");
        EXPECT_EQ(c->receive()->json(), (json{{"n", 1}}));
        auto bytes = c->receive();
        EXPECT_FALSE(bytes->text);
        EXPECT_EQ(bytes->data, std::string("\x01\x02", 2));
    }
    EXPECT_FALSE(other.receive_for(200ms)) << "a subscriber of another topic got the message";
    EXPECT_EQ(app.topics().publish_str("nobody", "x"), 0u);
}

TEST_F(Topics, ASocketLeavesItsTopicsWhenItClosesOrUnsubscribes) {
    TestServer server(app);
    auto a = std::make_unique<WSClient>(server, "/ws?topic=t");
    WSClient b(server, "/ws?topic=t");
    ASSERT_TRUE(wait_for_subscribers("t", 2));
    a->close();
    EXPECT_TRUE(wait_for_subscribers("t", 1));
    a.reset();
    auto remaining = app.topics().subscribers("t");
    ASSERT_EQ(remaining.size(), 1u);
    EXPECT_TRUE(app.topics().unsubscribe(remaining[0], "t"));
    EXPECT_FALSE(app.topics().unsubscribe(remaining[0], "t"));
    EXPECT_EQ(app.topics().subscriber_count("t"), 0u);
    EXPECT_TRUE(app.topics().names().empty());
    EXPECT_EQ(app.topics().publish_str("t", "x"), 0u);
    EXPECT_FALSE(b.receive_for(200ms));
}

TEST_F(Topics, EverySubscriberSeesOneOrderWhateverThreadsPublish) {
    TestServer server(app, [] {
        auto c = TestServer::default_config();
        c.threads = 2;
        return c;
    }());
    std::vector<std::unique_ptr<WSClient>> clients;
    for (int i = 0; i < 4; ++i) clients.push_back(std::make_unique<WSClient>(server, "/ws?topic=order"));
    ASSERT_TRUE(wait_for_subscribers("order", 4));
    constexpr int per_publisher = 200;
    auto publisher = [&](char name) {
        for (int i = 0; i < per_publisher; ++i) app.topics().publish_str("order", name + std::to_string(i));
    };
    std::thread p1(publisher, 'a'), p2(publisher, 'b');
    p1.join();
    p2.join();
    std::vector<std::vector<std::string>> seen(clients.size());
    for (std::size_t c = 0; c < clients.size(); ++c)
        for (int i = 0; i < 2 * per_publisher; ++i) seen[c].push_back(clients[c]->receive()->data);
    for (std::size_t c = 1; c < clients.size(); ++c) EXPECT_EQ(seen[c], seen[0]) << "client " << c;
    int next_a = 0, next_b = 0;  // and each publisher's own order is kept
    for (auto& m : seen[0]) {
        auto& next = m[0] == 'a' ? next_a : next_b;
        EXPECT_EQ(std::stoi(m.substr(1)), next++);
    }
}

// A subscriber asking for history gets the kept messages and then the live
// ones: while a publisher keeps publishing, every newcomer sees one unbroken run.
TEST_F(Topics, HistoryComesFirstWithNoGapAndNoOverlap) {
    app.topics().keep_history("kept:", 20);
    TestServer server(app);
    for (int i = 0; i < 30; ++i) app.topics().publish_str("kept:a", std::to_string(i));  // nobody listening
    EXPECT_EQ(app.topics().history("kept:a").size(), 20u);
    EXPECT_TRUE(app.topics().history("other").empty());

    std::atomic<bool> stop{false};
    std::atomic<int> published{30};
    std::thread publisher([&] {  // steadily, not flooding the server's thread with deliveries
        while (!stop) {
            app.topics().publish_str("kept:a", std::to_string(published++));
            if (published % 20 == 0) std::this_thread::sleep_for(1ms);
        }
    });
    std::vector<std::unique_ptr<WSClient>> newcomers;
    for (int i = 0; i < 5; ++i) {
        newcomers.push_back(std::make_unique<WSClient>(server, "/ws?topic=kept:a&history=1&queue=67108864"));
        std::this_thread::sleep_for(5ms);
    }
    ASSERT_TRUE(wait_for_subscribers("kept:a", 5));
    stop = true;
    publisher.join();
    for (auto& c : newcomers) {
        auto first = c->receive();
        ASSERT_TRUE(first);
        int expected = std::stoi(first->data);
        for (int n = 1; n < 40; ++n) {  // the 20 kept, then live ones, consecutive
            auto m = c->receive();
            ASSERT_TRUE(m);
            ASSERT_EQ(std::stoi(m->data), ++expected);
        }
    }
    WSClient without(server, "/ws?topic=kept:a");
    ASSERT_TRUE(wait_for_subscribers("kept:a", 6));
    app.topics().publish_str("kept:a", "live");
    EXPECT_EQ(without.receive()->data, "live") << "history went to a subscriber that did not ask for it";
}

long resident_kib() {
    std::ifstream statm("/proc/self/statm");
    long size = 0, resident = 0;
    statm >> size >> resident;
    return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

// One payload for every recipient: 100 subscribers that read nothing hold one
// 1 MiB message in their queues without 100 copies of it.
TEST_F(Topics, APublishedMessageIsOnePayloadSharedByEveryQueue) {
    TestServer server(app);
    std::vector<std::unique_ptr<WSClient>> idle;
    for (int i = 0; i < 100; ++i) idle.push_back(std::make_unique<WSClient>(server, "/ws?topic=big&queue=8388608"));
    ASSERT_TRUE(wait_for_subscribers("big", 100));
    const auto before = resident_kib();
    for (int i = 0; i < 3; ++i) EXPECT_EQ(app.topics().publish_str("big", std::string(1 << 20, char('a' + i))), 100u);
    std::this_thread::sleep_for(300ms);  // the queues take them on the server's thread
    const auto grown = resident_kib() - before;
    EXPECT_LT(grown, 40 << 10) << "resident memory grew by " << grown << " KiB for 3 MiB published to 100 sockets";
    auto first = idle[0]->receive();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->data, std::string(1 << 20, 'a'));
}

double published_deflates() {
    const auto s = parse_prometheus(asiohttp::metrics::default_registry().scrape());
    const auto it = s.find("asiohttp_websocket_published_deflates_total");
    return it == s.end() ? 0 : it->second;
}

// permessage-deflate subscribers get a published message deflated once per
// window size they negotiated, not once each; every kind of client reads it.
TEST_F(Topics, APublishedMessageIsDeflatedOncePerWindowSizeNotPerSubscriber) {
    TestServer server(app);
    std::vector<std::unique_ptr<WSClient>> clients;
    for (int i = 0; i < 40; ++i)
        clients.push_back(std::make_unique<WSClient>(server, "/ws?topic=deflate&compress=1",
                                                     test_utils::WSClientOptions{.compress = true}));
    for (int i = 0; i < 5; ++i)  // a smaller window, asked for by the client
        clients.push_back(std::make_unique<WSClient>(
            server, "/ws?topic=deflate&compress=1",
            test_utils::WSClientOptions{.compress = true, .deflate_window_bits = 10}));
    for (int i = 0; i < 5; ++i)  // no compression offered
        clients.push_back(std::make_unique<WSClient>(server, "/ws?topic=deflate&compress=1"));
    ASSERT_TRUE(wait_for_subscribers("deflate", 50));
    EXPECT_NE(clients[0]->extensions().find("server_no_context_takeover"), std::string::npos)
        << "each message must be deflated on its own: " << clients[0]->extensions();
    EXPECT_NE(clients[40]->extensions().find("server_max_window_bits=10"), std::string::npos) << clients[40]->extensions();

    const auto before = published_deflates();
    std::vector<std::string> sent;
    for (int i = 0; i < 4; ++i) {
        sent.push_back(std::string(3000, char('a' + i)) + " message " + std::to_string(i));
        app.topics().publish_str("deflate", sent.back());
    }
    for (auto& c : clients)
        for (auto& text : sent) EXPECT_EQ(c->receive()->data, text);
    EXPECT_EQ(published_deflates() - before, 4 * 2) << "4 messages, 2 window sizes (15 and 10), 50 subscribers";
}

// On a compressed socket, messages the handler sends (deflated by Beast) and
// published ones (deflated once, elsewhere) interleave and all read back.
TEST_F(Topics, PublishedAndOwnMessagesMixOnACompressedSocket) {
    TestServer server(app);
    WSClient client(server, "/ws?topic=mix&compress=1", {.compress = true});
    ASSERT_TRUE(wait_for_subscribers("mix", 1));
    std::multiset<std::string> expected, got;
    for (int i = 0; i < 50; ++i) {
        const auto own = std::string(500, 'o') + std::to_string(i);
        const auto published = std::string(500, 'p') + std::to_string(i);
        client.send_text("echo:" + own);
        app.topics().publish_str("mix", published);
        expected.insert(own);
        expected.insert(published);
    }
    for (std::size_t i = 0; i < expected.size(); ++i) {
        auto m = client.receive();
        ASSERT_TRUE(m) << "closed with " << client.close_code().value_or(-1);
        got.insert(m->data);
    }
    EXPECT_EQ(got, expected);
}

// The server writes queued frames several at a time, while Beast answers pings
// on the same socket: the pongs go between whole frames, never inside one
// (the client's reader would fail the connection). The client first reads
// nothing, so that a write of the server's stops half done and the pongs queue
// up behind it.
TEST_F(Topics, BatchedFramesArriveWholeAndInOrderWhilePingsAreAnswered) {
    TestServer server(app);
    WSClient client(server, "/ws?topic=batch&queue=67108864");
    ASSERT_TRUE(wait_for_subscribers("batch", 1));
    constexpr int kMessages = 3000;
    for (int i = 0; i < kMessages; ++i) app.topics().publish_str("batch", std::to_string(i) + std::string(i % 28000, '.'));
    std::this_thread::sleep_for(300ms);  // the socket buffers fill
    for (int i = 0; i < 5; ++i) {
        client.ping("p" + std::to_string(i));
        std::this_thread::sleep_for(20ms);
    }
    for (int i = 0; i < kMessages; ++i) {
        if (i % 25 == 0) client.ping("while reading");
        auto m = client.receive();
        ASSERT_TRUE(m) << "closed with " << client.close_code().value_or(-1) << " after " << i << " messages";
        ASSERT_EQ(m->data.substr(0, m->data.find('.')), std::to_string(i));
    }
    client.send_text("echo:still open");
    EXPECT_EQ(client.receive()->data, "still open");
}

// Field `index` of a whitespace-separated /proc/sys line (tcp_wmem: min default max).
std::size_t sysctl_field(const char* path, int index) {
    std::ifstream in(path);
    std::size_t value = 0;
    for (int i = 0; i <= index; ++i) in >> value;
    if (!in) throw std::runtime_error(std::string("cannot read ") + path);
    return value;
}

// A subscriber that stops reading while 16 MiB are published to it.
struct SlowReader : Topics {
    static constexpr int kMessages = 2000;
    std::vector<std::string> flood_then_read(const std::string& policy, bool keyed = false,
                                             std::string queue = "262144") {
        close_code = 0;
        TestServer server(app);
        WSClient slow(server, "/ws?topic=flood&policy=" + policy + "&queue=" + queue);
        EXPECT_TRUE(wait_for_subscribers("flood", 1));
        const std::string padding(8 << 10, '.');
        for (int i = 0; i < kMessages; ++i)
            app.topics().publish_str("flood", std::to_string(i) + padding, keyed ? "position" : "");
        app.topics().publish_str("flood", "last", keyed ? "position" : "");
        std::vector<std::string> got;
        while (auto m = slow.receive_for(1s)) {
            got.push_back(m->data.substr(0, m->data.find('.')));
            if (got.back() == "last") break;
        }
        for (int i = 0; i < 100 && policy == "close" && close_code == 0; ++i) std::this_thread::sleep_for(10ms);
        code_while_serving = close_code;  // before the server's shutdown closes it with 1001
        return got;
    }
    int code_while_serving = 0;
};

TEST_F(SlowReader, CloseIsTheDefaultAnd1013) {
    auto got = flood_then_read("close");
    EXPECT_LT(got.size(), std::size_t(kMessages));
    EXPECT_TRUE(got.empty() || got.back() != "last");
    EXPECT_EQ(code_while_serving, 1013);
}

TEST_F(SlowReader, DropOldestKeepsTheSocketAndTheNewestMessages) {
    auto got = flood_then_read("drop_oldest");
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.back(), "last");
    EXPECT_LT(got.size(), std::size_t(kMessages)) << "nothing was dropped: the queue never filled";
    // What arrives is in publish order, with a gap where the oldest were dropped,
    // and ends with the newest ones.
    for (std::size_t i = 1; i + 1 < got.size(); ++i) EXPECT_LT(std::stoi(got[i - 1]), std::stoi(got[i]));
    ASSERT_GE(got.size(), 2u);
    EXPECT_EQ(got[got.size() - 2], std::to_string(kMessages - 1));
    EXPECT_EQ(code_while_serving, 0) << "the socket was closed";
}

TEST_F(SlowReader, KeepLatestReplacesWhatIsQueuedUnderTheSameKey) {
    // A queue large enough for the whole flood: nothing overflows, so what goes
    // missing was replaced by a newer message with the same key.
    const std::string roomy = std::to_string(64 << 20);
    auto all = flood_then_read("drop_oldest", true, roomy);  // the same flood without keep_latest
    EXPECT_EQ(all.size(), std::size_t(kMessages + 1));
    auto got = flood_then_read("keep_latest", true, roomy);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.back(), "last");
    // Only what the kernel took before the client stopped reading can arrive
    // besides the latest: the server's send buffer at its largest, and the
    // client's receive buffer, which stays at its default size since nothing
    // reads it. The rest was replaced while queued.
    const auto in_kernel = (sysctl_field("/proc/sys/net/ipv4/tcp_wmem", 2) +
                            sysctl_field("/proc/sys/net/ipv4/tcp_rmem", 1)) / (8 << 10);
    ASSERT_LT(in_kernel + 2, std::size_t(kMessages / 2)) << "the kernel would hold the flood: no replacement to see";
    EXPECT_LE(got.size(), in_kernel + 2) << "queued updates were not replaced by the latest";
    for (std::size_t i = 1; i + 1 < got.size(); ++i) EXPECT_LT(std::stoi(got[i - 1]), std::stoi(got[i]));
    EXPECT_EQ(code_while_serving, 0) << "the socket was closed";
}

}  // namespace
