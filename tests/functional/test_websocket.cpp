#include "test_support.hpp"

using asiohttp::test_utils::client_frame;
using asiohttp::test_utils::WSClient;

namespace {

// The last close code a server-side handler saw, for tests to wait on.
struct Observed {
    std::atomic<int> close_code{0};
    std::atomic<int> handlers_done{0};

    bool wait_done(int n, std::chrono::milliseconds limit = 5s) {
        auto end = std::chrono::steady_clock::now() + limit;
        while (handlers_done < n && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(5ms);
        return handlers_done >= n;
    }
};

web::Handler echo_handler(Observed& seen, web::WebSocketOptions options = {}) {
    return [&seen, options](web::Request& req) -> awaitable<web::Response> {
        web::WebSocketResponse ws(options);
        co_await ws.prepare(req);
        while (auto msg = co_await ws.receive()) {
            if (msg->is_text() && msg->text() == "close-me") {
                co_await ws.close(static_cast<web::WSCloseCode>(4001), "as asked");
                break;
            }
            if (msg->is_text()) co_await ws.send_str(msg->text());
            else co_await ws.send_bytes(msg->bytes());
        }
        seen.close_code = ws.close_code().value_or(-1);
        ++seen.handlers_done;
        co_return ws;
    };
}

struct WebSocketTest : ::testing::Test {
    Observed seen;
    web::Application app;
};

TEST_F(WebSocketTest, EchoTextAndBinary) {
    app.router().add_get("/ws", echo_handler(seen));
    TestServer server(app);
    WSClient ws(server, "/ws");
    ws.send_text("hello");
    auto m = ws.receive();
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->text);
    EXPECT_EQ(m->data, "hello");
    std::string binary("\x00\x01\xfe\xff", 4);
    ws.send_binary(binary);
    auto b = ws.receive();
    ASSERT_TRUE(b);
    EXPECT_FALSE(b->text);
    EXPECT_EQ(b->data, binary);
    ws.close(1000);
    EXPECT_TRUE(seen.wait_done(1));
    EXPECT_EQ(seen.close_code, 1000);
}

TEST_F(WebSocketTest, FragmentedMessageWithAPingBetweenFragments) {
    app.router().add_get("/ws", echo_handler(seen));
    TestServer server(app);
    WSClient ws(server, "/ws");
    ws.send_raw(client_frame(0x1, "Hel", false) + client_frame(0x9, "ping!") + client_frame(0x0, "lo, ", false) +
                client_frame(0x0, "world", true));
    auto m = ws.receive();  // the pong is consumed by the client on the way
    ASSERT_TRUE(m);
    EXPECT_EQ(m->data, "Hello, world");
}

TEST_F(WebSocketTest, OneMebibyteMessage) {
    app.router().add_get("/ws", echo_handler(seen));
    TestServer server(app);
    WSClient ws(server, "/ws");
    std::string big(1 << 20, 'x');
    for (std::size_t i = 0; i < big.size(); i += 997) big[i] = char('a' + i % 26);
    ws.send_text(big);
    auto m = ws.receive();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->data, big);
}

TEST_F(WebSocketTest, OversizeMessageCloses1009) {
    app.router().add_get("/ws", echo_handler(seen, {.max_msg_size = 1000}));
    TestServer server(app);
    WSClient ws(server, "/ws");
    ws.send_text(std::string(999, 'a'));
    EXPECT_EQ(ws.receive()->data.size(), 999u);
    ws.send_text(std::string(2000, 'a'));
    EXPECT_FALSE(ws.receive());
    EXPECT_EQ(ws.close_code(), 1009) << ws.close_reason();
    EXPECT_TRUE(seen.wait_done(1));
    EXPECT_EQ(seen.close_code, 1009);
}

TEST_F(WebSocketTest, InvalidUtf8Closes1007) {
    app.router().add_get("/ws", echo_handler(seen));
    TestServer server(app);
    WSClient ws(server, "/ws");
    ws.send_raw(client_frame(0x1, "bad \xff\xfe text"));
    EXPECT_FALSE(ws.receive());
    EXPECT_EQ(ws.close_code(), 1007);
}

TEST_F(WebSocketTest, ProtocolViolationsClose1002) {
    app.router().add_get("/ws", echo_handler(seen));
    TestServer server(app);
    std::vector<std::string> violations{
        client_frame(0x1, "unmasked", true, false),  // clients must mask
        client_frame(0x3, "reserved opcode"),
        client_frame(0x9, "fragmented ping", false),
        client_frame(0x0, "continuation without a start"),
        std::string("\xc1\x85\x12\x34\x56\x78", 6) + "hello",  // RSV1 without an extension
    };
    for (auto& frame : violations) {
        WSClient ws(server, "/ws");
        ws.send_raw(frame);
        EXPECT_FALSE(ws.receive());
        EXPECT_EQ(ws.close_code(), 1002);
    }
    WSClient good(server, "/ws");  // and the server goes on
    good.send_text("still here");
    EXPECT_EQ(good.receive()->data, "still here");
}

TEST_F(WebSocketTest, CloseHandshakeCodesBothWays) {
    app.router().add_get("/ws", echo_handler(seen));
    TestServer server(app);
    WSClient client_closes(server, "/ws");
    client_closes.close(4000, "bye");
    ASSERT_TRUE(seen.wait_done(1));
    EXPECT_EQ(seen.close_code, 4000);

    WSClient server_closes(server, "/ws");
    server_closes.send_text("close-me");
    EXPECT_FALSE(server_closes.receive());
    EXPECT_EQ(server_closes.close_code(), 4001);
    EXPECT_EQ(server_closes.close_reason(), "as asked");
    ASSERT_TRUE(seen.wait_done(2));
}

TEST_F(WebSocketTest, HandlerReturningWithoutCloseClosesNormally) {
    app.router().add_get("/ws", [](web::Request& req) -> awaitable<web::Response> {
        web::WebSocketResponse ws;
        co_await ws.prepare(req);
        co_await ws.send_str("one and done");
        co_return ws;
    });
    TestServer server(app);
    WSClient ws(server, "/ws");
    EXPECT_EQ(ws.receive()->data, "one and done");
    EXPECT_FALSE(ws.receive());
    EXPECT_EQ(ws.close_code(), 1000);
}

// After the upgrade the HTTP connection is gone (issue 14): the socket is one
// connection in the server's count, held by the WebSocket until it closes.
TEST_F(WebSocketTest, AnUpgradedSocketIsOneOpenConnectionUntilItCloses) {
    app.router().add_get("/ws", echo_handler(seen));
    TestServer server(app);
    auto open_becomes = [&](std::size_t n) {
        for (int i = 0; i < 500 && server.server().open_connections() != n; ++i) std::this_thread::sleep_for(5ms);
        return server.server().open_connections();
    };
    {
        WSClient ws(server, "/ws");
        ws.send_text("hello");
        EXPECT_EQ(ws.receive()->data, "hello");
        EXPECT_EQ(open_becomes(1), 1u);
        ws.close(1000);
        EXPECT_TRUE(seen.wait_done(1));
    }
    EXPECT_EQ(open_becomes(0), 0u);
}

// The request stays whole for the handler's whole life, though the connection
// that read it is gone; only its body can no longer be read.
TEST_F(WebSocketTest, TheRequestOutlivesItsHttpConnection) {
    app.router().add_get("/ws/{room}", [](web::Request& req) -> awaitable<web::Response> {
        web::WebSocketResponse ws;
        co_await ws.prepare(req);
        auto msg = co_await ws.receive();  // the HTTP connection has ended by now
        std::string body_error;
        try {
            co_await req.read();
        } catch (const std::logic_error& e) {
            body_error = e.what();
        }
        nlohmann::json seen_after;  // named before the co_await (GCC 12)
        seen_after["room"] = std::string(req.match_info("room"));
        seen_after["path"] = req.path();
        seen_after["who"] = std::string(req.query().get("who", ""));
        seen_after["agent"] = std::string(req.headers().get("User-Agent", ""));
        seen_after["remote"] = std::string(req.remote());
        seen_after["said"] = msg ? std::string(msg->text()) : std::string();
        seen_after["body_error"] = body_error;
        co_await ws.send_json(seen_after);
        co_return ws;
    });
    TestServer server(app);
    WSClient ws(server, "/ws/lobby?who=ada", {.headers = {{"User-Agent", "upgrade-test/1.0"}}});
    std::this_thread::sleep_for(50ms);
    ws.send_text("hi");
    auto reply = ws.receive();
    ASSERT_TRUE(reply);
    const auto j = reply->json();
    EXPECT_EQ(j["room"], "lobby");
    EXPECT_EQ(j["path"], "/ws/lobby");
    EXPECT_EQ(j["who"], "ada");
    EXPECT_EQ(j["agent"], "upgrade-test/1.0");
    EXPECT_EQ(j["remote"], "127.0.0.1");
    EXPECT_EQ(j["said"], "hi");
    EXPECT_NE(j["body_error"].get<std::string>().find("taken over"), std::string::npos) << j.dump();
}

TEST_F(WebSocketTest, HeartbeatClosesAClientThatNeverAnswers) {
    app.router().add_get("/ws", echo_handler(seen, {.heartbeat = 200ms}));
    TestServer server(app);
    WSClient silent(server, "/ws");  // never reads, so never answers a ping
    auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(seen.wait_done(1, 3s));
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(seen.close_code, 1006);
    EXPECT_GE(took, 300ms);
    EXPECT_LT(took, 2s);

    // A client that reads (and so answers pings) stays connected past the same time.
    WSClient alive(server, "/ws");
    EXPECT_FALSE(alive.receive_for(800ms));
    alive.send_text("still open");
    EXPECT_EQ(alive.receive()->data, "still open");
}

TEST_F(WebSocketTest, SubprotocolNegotiation) {
    app.router().add_get("/ws", echo_handler(seen, {.protocols = {"v2.chat", "v1.chat"}}));
    TestServer server(app);
    WSClient both(server, "/ws", {.protocols = {"v1.chat", "v2.chat"}});
    EXPECT_EQ(both.protocol(), "v2.chat");  // the server's preference wins
    WSClient old(server, "/ws", {.protocols = {"v1.chat"}});
    EXPECT_EQ(old.protocol(), "v1.chat");
    WSClient other(server, "/ws", {.protocols = {"mqtt"}});
    EXPECT_EQ(other.protocol(), "");
}

TEST_F(WebSocketTest, NonUpgradeRequestIs400AndTheConnectionGoesOn) {
    app.router().add_get("/ws", echo_handler(seen));
    app.router().add_get("/", text_handler("plain"));
    TestServer server(app);
    TestClient client(server);
    auto r = client.get("/ws");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("expected a WebSocket upgrade"), std::string::npos);
    auto v = client.get("/ws", {{"Upgrade", "websocket"}, {"Connection", "Upgrade"},
                                {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}, {"Sec-WebSocket-Version", "8"}});
    EXPECT_EQ(v.status, 426);
    EXPECT_EQ(v.header("Sec-WebSocket-Version"), "13");
    EXPECT_EQ(client.get("/").body, "plain");
    EXPECT_EQ(client.connections_opened(), 1u);
}

TEST_F(WebSocketTest, GracefulShutdownClosesWith1001) {
    app.router().add_get("/ws", echo_handler(seen));
    auto server = std::make_unique<TestServer>(app);
    WSClient ws(*server, "/ws");
    ws.send_text("hi");
    EXPECT_EQ(ws.receive()->data, "hi");
    std::thread reader([&] { EXPECT_FALSE(ws.receive()); });  // answers the close handshake
    auto start = std::chrono::steady_clock::now();
    server.reset();
    reader.join();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    EXPECT_EQ(ws.close_code(), 1001);
    EXPECT_EQ(seen.close_code, 1001);
}

TEST_F(WebSocketTest, ShutdownDoesNotWaitForAClientThatNeverCloses) {
    app.router().add_get("/ws", echo_handler(seen, {.close_timeout = 300ms}));
    auto config = TestServer::default_config();
    config.shutdown_timeout = 1s;
    auto server = std::make_unique<TestServer>(app, config);
    WSClient ws(*server, "/ws");  // never reads: the close handshake cannot complete
    ws.send_text("x");
    std::this_thread::sleep_for(50ms);
    auto start = std::chrono::steady_clock::now();
    server.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2500ms);
}

// docker stop gives 10 s: with default settings a peer that never answers the
// close frame (close_timeout 10 s) must not make SIGTERM take that long.
TEST_F(WebSocketTest, WithDefaultSettingsAnUnansweredCloseHoldsShutdownOnlyBriefly) {
    app.router().add_get("/ws", echo_handler(seen));
    auto server = std::make_unique<TestServer>(app);
    WSClient ws(*server, "/ws");  // never reads after this: our close frame goes unanswered
    ws.send_text("x");
    std::this_thread::sleep_for(50ms);
    auto start = std::chrono::steady_clock::now();
    server.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    EXPECT_EQ(seen.handlers_done, 1);  // the handler saw its socket close and returned
}

TEST_F(WebSocketTest, SlowReaderIsDroppedWhileOthersKeepReceiving) {
    std::atomic<int> flood_close{0};
    app.router().add_get("/flood", [&](web::Request& req) -> awaitable<web::Response> {
        web::WebSocketResponse ws({.close_timeout = 300ms, .max_queue_size = 512 << 10});
        co_await ws.prepare(req);
        auto handle = ws.handle();
        std::string chunk(64 << 10, 'f');
        for (int i = 0; i < 400 && handle.alive(); ++i) {  // 25 MiB, far beyond the queue
            handle.send_str(chunk);
            co_await async_sleep(1ms);
        }
        while (co_await ws.receive()) {
        }
        flood_close = ws.close_code().value_or(-1);
        co_return ws;
    });
    app.router().add_get("/ws", echo_handler(seen));
    TestServer server(app);
    WSClient slow(server, "/flood");  // connects and never reads
    WSClient fast(server, "/ws");
    for (int i = 0; i < 50; ++i) {
        fast.send_text(std::to_string(i));
        ASSERT_EQ(fast.receive()->data, std::to_string(i));
        std::this_thread::sleep_for(10ms);
    }
    auto end = std::chrono::steady_clock::now() + 5s;
    while (flood_close == 0 && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(flood_close, 1013);
}

TEST_F(WebSocketTest, HandlesSendFromOtherThreads) {
    web::WebSocketHandle saved;
    std::atomic<bool> ready{false};
    app.router().add_get("/ws", [&](web::Request& req) -> awaitable<web::Response> {
        web::WebSocketResponse ws;
        co_await ws.prepare(req);
        saved = ws.handle();
        ready = true;
        while (co_await ws.receive()) {
        }
        co_return ws;
    });
    TestServer server(app);
    WSClient ws(server, "/ws");
    while (!ready) std::this_thread::sleep_for(1ms);
    std::vector<std::thread> senders;
    for (int t = 0; t < 4; ++t)
        senders.emplace_back([&, t] {
            for (int i = 0; i < 25; ++i) saved.send_str(std::to_string(t) + ":" + std::to_string(i));
        });
    for (auto& s : senders) s.join();
    std::map<int, int> next;  // per sender, messages arrive in the order they were sent
    for (int n = 0; n < 100; ++n) {
        auto m = ws.receive();
        ASSERT_TRUE(m);
        int t = m->data[0] - '0', i = std::stoi(m->data.substr(2));
        EXPECT_EQ(i, next[t]++);
    }
    ws.close();
    std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(saved.alive());
    EXPECT_FALSE(saved.send_str("too late"));
}

TEST_F(WebSocketTest, TheAppListsItsLiveSocketsForBroadcasts) {
    app.router().add_get("/ws", echo_handler(seen));
    TestServer server(app);
    EXPECT_TRUE(app.websockets().empty());
    WSClient a(server, "/ws"), b(server, "/ws");
    a.send_text("sync");  // both handshakes done once each answered
    b.send_text("sync");
    a.receive();
    b.receive();
    auto live = app.websockets();
    ASSERT_EQ(live.size(), 2u);
    for (auto& ws : live) ws.send_json({{"announcement", "hello all"}});
    EXPECT_EQ(a.receive()->json()["announcement"], "hello all");
    EXPECT_EQ(b.receive()->json()["announcement"], "hello all");
    a.close();
    ASSERT_TRUE(seen.wait_done(1));
    auto end = std::chrono::steady_clock::now() + 2s;
    while (app.websockets().size() != 1 && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(5ms);
    EXPECT_EQ(app.websockets().size(), 1u);
}

TEST_F(WebSocketTest, PermessageDeflateWhenEnabledAndOffered) {
    app.router().add_get("/plain", echo_handler(seen));
    app.router().add_get("/deflate", echo_handler(seen, {.compress = true}));
    TestServer server(app);
    WSClient compressed(server, "/deflate", {.compress = true});
    EXPECT_NE(compressed.extensions().find("permessage-deflate"), std::string::npos);
    std::string text(100000, 'z');
    compressed.send_text(text);
    EXPECT_EQ(compressed.receive()->data, text);
    WSClient plain(server, "/plain", {.compress = true});
    EXPECT_EQ(plain.extensions(), "");  // off unless the handler asks for it
    plain.send_text("x");
    EXPECT_EQ(plain.receive()->data, "x");
}

TEST_F(WebSocketTest, ServerPingIsAnsweredByTheClient) {
    app.router().add_get("/ws", [&](web::Request& req) -> awaitable<web::Response> {
        web::WebSocketResponse ws;
        co_await ws.prepare(req);
        co_await ws.ping("are you there");
        co_await ws.send_str("pinged");
        while (co_await ws.receive()) {
        }
        co_return ws;
    });
    TestServer server(app);
    WSClient ws(server, "/ws");
    EXPECT_EQ(ws.receive()->data, "pinged");  // the client read the ping (and answered it) on the way
}

}  // namespace
