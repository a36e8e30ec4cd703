#include <sys/resource.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "chat.hpp"
#include "chat_events.hpp"
#include "demo_app.hpp"
#include "test_support.hpp"


namespace {

struct Chat : ::testing::Test {
    Chat() { demo::setup_routes(app); }
    web::Application app;
};

TEST_F(Chat, MessagesReachEveryoneInTheRoomOnly) {
    TestServer server(app);
    WSClient ann(server, "/ws/chat?room=r1&name=ann");
    auto members = next_of(ann, "members");
    EXPECT_EQ(members["members"], json::parse(R"(["ann"])"));
    EXPECT_EQ(next_of(ann, "join")["name"], "ann");

    WSClient bob(server, "/ws/chat?room=r1&name=bob");
    EXPECT_EQ(next_of(bob, "members")["members"], json::parse(R"(["ann","bob"])"));
    EXPECT_EQ(next_of(ann, "join")["name"], "bob");
    WSClient eve(server, "/ws/chat?room=other&name=eve");

    bob.send_json({{"text", "hi ann"}});
    for (auto* ws : {&ann, &bob}) {
        auto m = next_of(*ws, "message");
        EXPECT_EQ(m["name"], "bob");
        EXPECT_EQ(m["text"], "hi ann");
        EXPECT_EQ(m["room"], "r1");
        EXPECT_TRUE(m["ts"].is_number());
    }
    bob.send_text("plain text works too");
    EXPECT_EQ(next_of(ann, "message")["text"], "plain text works too");

    bob.close();
    auto left = next_of(ann, "leave");
    EXPECT_EQ(left["name"], "bob");
    // eve, in another room, saw none of it
    EXPECT_EQ(next_of(eve, "members")["members"], json::parse(R"(["eve"])"));
    EXPECT_EQ(next_of(eve, "join")["name"], "eve");
    EXPECT_FALSE(eve.receive_for(300ms));
}

TEST_F(Chat, NewcomersGetTheLast50Messages) {
    TestServer server(app);
    WSClient talker(server, "/ws/chat?room=hist&name=talker");
    for (int i = 0; i < 60; ++i) talker.send_json({{"text", "m" + std::to_string(i)}});
    for (int i = 0; i < 60; ++i) ASSERT_EQ(next_of(talker, "message")["text"], "m" + std::to_string(i));

    WSClient late(server, "/ws/chat?room=hist&name=late");
    for (int i = 10; i < 60; ++i) {  // the replay comes first, oldest first
        auto m = late.receive()->json();
        ASSERT_EQ(m["type"], "message");
        ASSERT_EQ(m["text"], "m" + std::to_string(i));
    }
    EXPECT_EQ(late.receive()->json()["type"], "members");
}

TEST_F(Chat, BadNamesGetAClearErrorAndA1008Close) {
    TestServer server(app);
    for (auto target : {"/ws/chat?room=r&name=", "/ws/chat?room=r&name=%3Cscript%3E",
                        "/ws/chat?room=r&name=" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "/ws/chat?room=r&name=%FF%FE",
                        "/ws/chat?room=bad%20room&name=ok"}) {
        WSClient ws(server, target);
        auto m = ws.receive();
        ASSERT_TRUE(m) << target;
        EXPECT_EQ(m->json()["type"], "error") << target;
        EXPECT_FALSE(m->json()["error"].get<std::string>().empty());
        EXPECT_FALSE(ws.receive());
        EXPECT_EQ(ws.close_code(), 1008) << target;
    }
    WSClient first(server, "/ws/chat?room=r&name=dup");
    next_of(first, "members");  // joined: the handshake comes before the name is taken
    WSClient second(server, "/ws/chat?room=r&name=dup");
    auto err = second.receive()->json();
    EXPECT_EQ(err["type"], "error");
    EXPECT_NE(err["error"].get<std::string>().find("taken"), std::string::npos);
}

TEST_F(Chat, OverlongMessagesAreRefusedNotBroadcast) {
    TestServer server(app);
    WSClient ws(server, "/ws/chat?room=r&name=long");
    next_of(ws, "join");
    ws.send_json({{"text", std::string(2001, 'x')}});
    EXPECT_EQ(next_of(ws, "error")["type"], "error");
    ws.send_json({{"text", "short"}});
    EXPECT_EQ(next_of(ws, "message")["text"], "short");
}

// 1,000 clients in one room, on one client thread against a server with
// several threads: every client receives every message, in the same order.
TEST_F(Chat, AThousandClientsInOneRoomAllReceiveEveryMessage) {
    namespace beast = boost::beast;
    namespace websocket = beast::websocket;
    using tcp = asio::ip::tcp;
    constexpr int kClients = 1000, kSenders = 5;
    constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    ASSERT_GE(lim.rlim_cur, rlim_t(2 * kClients + 100)) << "needs a higher open-file limit";

    auto config = TestServer::default_config();
    config.threads = 3;
    TestServer server(app, config);
    asio::io_context ioc;
    std::vector<std::unique_ptr<websocket::stream<tcp::socket>>> clients;
    std::vector<std::vector<std::string>> received(kClients);
    std::atomic<int> connected{0}, failures{0};
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), server.port());

    for (int i = 0; i < kClients; ++i) {
        clients.push_back(std::make_unique<websocket::stream<tcp::socket>>(ioc));
        asio::co_spawn(ioc, [&, i]() -> awaitable<void> {
            auto& ws = *clients[i];
            auto [ec] = co_await ws.next_layer().async_connect(ep, nothrow);
            if (!ec) std::tie(ec) = co_await ws.async_handshake("127.0.0.1", "/ws/chat?room=big&name=u" + std::to_string(i), nothrow);
            if (ec) {
                ++failures;
                co_return;
            }
            ++connected;
            beast::flat_buffer buf;
            for (;;) {
                auto [rec, n] = co_await ws.async_read(buf, nothrow);
                if (rec) co_return;
                auto text = beast::buffers_to_string(buf.data());
                buf.clear();
                if (text.find(R"("type":"message")") != std::string::npos) received[i].push_back(text);
            }
        }, asio::detached);
    }
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (connected + failures < kClients && std::chrono::steady_clock::now() < deadline) ioc.run_for(10ms);
    ASSERT_EQ(failures, 0);
    ASSERT_EQ(connected, kClients);
    // All are members once the room says so.
    auto& hub = *app.get(demo::chat_hub_key);
    while (hub.member_count("big") < kClients && std::chrono::steady_clock::now() < deadline) ioc.run_for(10ms);
    ASSERT_EQ(hub.member_count("big"), std::size_t(kClients));

    for (int s = 0; s < kSenders; ++s) {
        asio::co_spawn(ioc, [&, s]() -> awaitable<void> {
            std::string msg = json{{"text", "hello from u" + std::to_string(s * 100)}}.dump();
            auto& ws = *clients[s * 100];
            co_await ws.async_write(asio::buffer(msg), nothrow);
        }, asio::detached);
    }
    auto all_done = [&] {
        for (auto& r : received)
            if (r.size() < std::size_t(kSenders)) return false;
        return true;
    };
    while (!all_done() && std::chrono::steady_clock::now() < deadline) ioc.run_for(10ms);
    int complete = 0;
    for (auto& r : received) complete += r.size() == std::size_t(kSenders);
    EXPECT_EQ(complete, kClients);
    for (auto& r : received) {  // one order for everyone
        ASSERT_EQ(r.size(), received[0].size());
        for (std::size_t k = 0; k < r.size(); ++k) ASSERT_EQ(json::parse(r[k])["text"], json::parse(received[0][k])["text"]);
    }
    for (auto& c : clients) {
        beast::error_code ignored;
        c->next_layer().close(ignored);
    }
    ioc.run_for(100ms);
}

}  // namespace
