#include <future>

#include "test_support.hpp"

namespace {

web::Application& base_app(web::Application& app) {
    app.router().add_get("/", text_handler("root"));
    app.router().add_get("/slow", [](web::Request&) -> awaitable<web::Response> {
        co_await async_sleep(300ms);
        co_return web::Response::text("slow done");
    });
    app.router().add_get("/echo/{n}", [](web::Request& req) -> awaitable<web::Response> {
        co_return web::Response::text(std::string(req.match_info("n")));
    });
    app.router().add_post("/upload", [](web::Request& req) -> awaitable<web::Response> {
        auto body = co_await req.read();
        co_return web::Response::text(std::to_string(body.size()));
    });
    app.router().add_post("/ignore-body", text_handler("ignored"));
    return app;
}

// Sends `raw` and expects `status` as the connection's last answer (the server
// says it closes).
void expect_last_answer(TestClient& client, const std::string& raw, int status) {
    client.send_raw(raw);
    auto r = client.read_response();
    EXPECT_EQ(r.status, status) << raw;
    EXPECT_FALSE(r.keep_alive) << raw;
}

TEST(Server, KeepAliveReusesOneConnection) {
    web::Application app;
    TestServer server(base_app(app));
    TestClient client(server);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(client.get("/echo/" + std::to_string(i)).body, std::to_string(i));
    EXPECT_EQ(client.connections_opened(), 1u);
}

TEST(Server, PipelinedRequestsAreAnsweredInOrder) {
    web::Application app;
    TestServer server(base_app(app));
    TestClient client(server);
    std::string batch;
    // The slow one first: a server answering out of order would put it last.
    batch += "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n";
    for (int i = 0; i < 10; ++i) batch += "GET /echo/" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
    batch += "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
    client.send_raw(batch);
    EXPECT_EQ(client.read_response().body, "slow done");
    for (int i = 0; i < 10; ++i) EXPECT_EQ(client.read_response().body, std::to_string(i));
    EXPECT_EQ(client.read_response().body, "3");
    EXPECT_EQ(client.connections_opened(), 1u);
}

// A response the socket cannot take at once: what the first send leaves goes
// out as the client reads, in order, and the connection then serves the next
// request. 32 MiB is above the kernel's send and receive buffers together.
TEST(Server, AResponseLargerThanTheSocketBuffersArrivesWholeToASlowReader) {
    std::string big(32u << 20, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = char('a' + (i * 7 + i / 4093) % 26);
    web::Application app;
    app.router().add_get("/big", [&big](web::Request&) -> awaitable<web::Response> {
        co_return web::Response::bytes(big, "application/octet-stream");
    });
    app.router().add_get("/", text_handler("root"));
    TestServer server(app);
    TestClient client(server);
    client.send_raw("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(300ms);  // the server's first send fills the buffers; the rest must wait
    const auto r = client.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.keep_alive);
    ASSERT_EQ(r.body.size(), big.size());
    EXPECT_TRUE(r.body == big) << "the body arrived changed";
    client.send_raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n");  // the same connection goes on
    EXPECT_EQ(client.read_response().body, "root");
    EXPECT_EQ(client.connections_opened(), 1u);
}

TEST(Server, UnreadBodyDoesNotDesyncTheConnection) {
    web::Application app;
    TestServer server(base_app(app));
    TestClient client(server);
    EXPECT_EQ(client.post("/ignore-body", std::string(5000, 'x')).body, "ignored");
    EXPECT_EQ(client.get("/").body, "root");
    EXPECT_EQ(client.connections_opened(), 1u);
}

TEST(Server, OversizedHeadersAre431AndOthersAreStillServed) {
    web::Application app;
    TestServer server(base_app(app));
    TestClient bad(server);
    expect_last_answer(bad, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n", 431);
    TestClient good(server);
    EXPECT_EQ(good.get("/").body, "root");
}

TEST(Server, HeaderLimitIsConfigurable) {
    web::Application app;
    auto config = TestServer::default_config();
    config.max_header_size = 16 << 10;
    TestServer server(base_app(app), config);
    TestClient client(server);
    EXPECT_EQ(client.get("/", {{"X-Big", std::string(12000, 'a')}}).status, 200);
    EXPECT_EQ(client.get("/", {{"X-Big", std::string(17000, 'a')}}).status, 431);
}

TEST(Server, OversizedBodiesAre413EarlyFromContentLength) {
    web::Application app;
    auto config = TestServer::default_config();
    config.client_max_size = 1000;
    TestServer server(base_app(app), config);
    TestClient client(server);
    EXPECT_EQ(client.post("/upload", std::string(1000, 'x')).body, "1000");
    // Declared too large: refused from the head, before any body byte is read.
    expect_last_answer(client, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n", 413);
    // Chunked and too large: refused when the body is read.
    TestClient chunked(server);
    std::string body = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 3; ++i) body += "1f4\r\n" + std::string(500, 'y') + "\r\n";
    body += "0\r\n\r\n";
    expect_last_answer(chunked, body, 413);
    TestClient good(server);
    EXPECT_EQ(good.get("/").body, "root");
}

TEST(Server, MalformedRequestsAre400) {
    web::Application app;
    TestServer server(base_app(app));
    for (std::string raw : {"GARBAGE\r\n\r\n", "GET / HTTP/1\r\n\r\n", "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
                            "GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
                            "POST /upload HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
        TestClient client(server);
        expect_last_answer(client, raw, 400);
    }
    TestClient good(server);
    EXPECT_EQ(good.get("/").body, "root");
}

TEST(Server, SlowClientTimesOutWhileOthersAreServed) {
    web::Application app;
    auto config = TestServer::default_config();
    config.header_timeout = 400ms;
    TestServer server(base_app(app), config);
    TestClient slow(server);
    slow.send_raw("GET / HTTP/1.1\r\nHost: x\r\n");  // never finishes its head
    TestClient good(server);
    auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < 600ms) EXPECT_EQ(good.get("/").body, "root");
    auto raw = slow.read_until_close();
    EXPECT_EQ(raw.rfind("HTTP/1.1 408 Request Timeout\r\n", 0), 0u) << raw;
    EXPECT_EQ(good.connections_opened(), 1u);
}

TEST(Server, IdleKeepAliveConnectionsAreClosed) {
    web::Application app;
    auto config = TestServer::default_config();
    config.keepalive_timeout = 300ms;
    TestServer server(base_app(app), config);
    TestClient client(server);
    EXPECT_EQ(client.get("/").body, "root");
    std::this_thread::sleep_for(700ms);
    EXPECT_TRUE(client.server_closed());
    EXPECT_EQ(client.get("/").body, "root");  // the client reconnects
    EXPECT_EQ(client.connections_opened(), 2u);
}

TEST(Server, Http10ClosesUnlessKeepAliveIsAsked) {
    web::Application app;
    TestServer server(base_app(app));
    TestClient client(server);
    client.send_raw("GET / HTTP/1.0\r\n\r\n");
    auto r = client.read_response();
    EXPECT_EQ(r.body, "root");
    EXPECT_FALSE(r.keep_alive);
    TestClient ka(server);
    ka.send_raw("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    auto k = ka.read_response();
    EXPECT_EQ(k.header("Connection"), "keep-alive");
    ka.send_raw("GET /echo/2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    EXPECT_EQ(ka.read_response().body, "2");
    EXPECT_EQ(ka.connections_opened(), 1u);
}

TEST(Server, ExpectContinueGets100BeforeTheBody) {
    web::Application app;
    TestServer server(base_app(app));
    TestClient client(server);
    client.send_raw("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    auto interim = client.read_response();
    EXPECT_EQ(interim.status, 100);
    client.send_raw("abcd");
    EXPECT_EQ(client.read_response().body, "4");
}

TEST(Server, ConcurrentClientsAcrossThreads) {
    web::Application app;
    TestServer server(base_app(app));
    std::vector<std::future<int>> results;
    for (int t = 0; t < 16; ++t) {
        results.push_back(std::async(std::launch::async, [&server, t] {
            TestClient client(server);
            int ok = 0;
            for (int i = 0; i < 50; ++i) {
                auto n = std::to_string(t * 1000 + i);
                ok += client.get("/echo/" + n).body == n;
            }
            return ok;
        }));
    }
    for (auto& f : results) EXPECT_EQ(f.get(), 50);
}

TEST(Server, GracefulShutdownLetsInFlightRequestsFinish) {
    web::Application app;
    base_app(app);
    std::atomic<bool> shutdown_ran{false};
    app.on_shutdown.append([&](web::Application&) -> awaitable<void> {
        shutdown_ran = true;
        co_return;
    });
    auto server = std::make_unique<TestServer>(app);
    TestClient idle(*server);
    EXPECT_EQ(idle.get("/").body, "root");  // an idle keep-alive connection must not hold shutdown up
    TestClient busy(*server);
    busy.send_raw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(50ms);
    auto start = std::chrono::steady_clock::now();
    auto port = server->port();
    server.reset();  // stop(): waits for /slow, then returns
    auto took = std::chrono::steady_clock::now() - start;
    auto r = busy.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "slow done");
    EXPECT_FALSE(r.keep_alive);  // told that this was the last one
    EXPECT_TRUE(shutdown_ran);
    EXPECT_LT(took, 3s);
    EXPECT_TRUE(idle.server_closed());
    TestClient late("127.0.0.1", port, {.timeout = 1000ms});
    EXPECT_THROW(late.get("/"), std::runtime_error);  // no longer accepting
}

TEST(Server, ShutdownTimeoutCutsLongRequests) {
    web::Application app;
    app.router().add_get("/forever", [](web::Request&) -> awaitable<web::Response> {
        co_await async_sleep(60s);
        co_return web::Response::text("never");
    });
    auto config = TestServer::default_config();
    config.shutdown_timeout = 300ms;
    auto server = std::make_unique<TestServer>(app, config);
    TestClient client(*server);
    client.send_raw("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(50ms);
    auto start = std::chrono::steady_clock::now();
    server.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    EXPECT_TRUE(client.server_closed());
}

TEST(Server, PortInUseIsAClearError) {
    web::Application a, b;
    TestServer first(base_app(a));
    auto config = TestServer::default_config();
    config.port = first.port();
    try {
        TestServer second(base_app(b), config);
        FAIL() << "a second server bound the same port";
    } catch (const std::system_error& e) {
        EXPECT_NE(std::string(e.what()).find("Address already in use"), std::string::npos) << e.what();
    }
}

}  // namespace

namespace {

// Readiness for orchestrators: false while starting, true while serving, false
// through the drain delay while the server still answers, then the drain.
TEST(Readiness, FalseWhileStartingTrueWhileServingFalseThroughTheDrainDelay) {
    web::Application app;
    std::atomic<int> ready_in_startup{-1};
    app.on_startup.append([&](web::Application& a) -> awaitable<void> {
        ready_in_startup = a.ready();
        co_return;
    });
    app.router().add_get("/readyz", [](web::Request& req) -> awaitable<web::Response> {
        co_return web::Response::text("", req.app().ready() ? 200 : 503);
    });
    app.router().add_get("/work", text_handler("done"));
    auto config = TestServer::default_config();
    config.drain_delay = 600ms;
    auto server = std::make_unique<TestServer>(app, config);
    EXPECT_EQ(ready_in_startup, 0);
    TestClient client(*server);
    EXPECT_EQ(client.get("/readyz").status, 200);

    const auto start = std::chrono::steady_clock::now();
    std::thread stopper([&] { server->server().stop(); });
    std::this_thread::sleep_for(150ms);
    EXPECT_EQ(client.get("/readyz").status, 503);  // balancers move on...
    TestClient newcomer(*server);
    EXPECT_EQ(newcomer.get("/work").body, "done");  // ...while requests are still served
    stopper.join();
    EXPECT_GE(std::chrono::steady_clock::now() - start, 600ms);
}

}  // namespace
