// Request ids (ServerConfig::request_ids) and JSON logs (ServerConfig::log_format),
// over real requests; the log lines are read from the framework's own loggers.
#include <asiohttp/client.hpp>
#include <asiohttp/metrics.hpp>
#include <asiohttp/tasks.hpp>

#include <mutex>
#include <regex>
#include <sstream>

#include <spdlog/sinks/base_sink.h>

#include "base/log.hpp"
#include "test_support.hpp"

namespace {

bool looks_generated(std::string_view id) { return std::regex_match(std::string(id), std::regex("[0-9a-f]{32}")); }

web::ServerConfig with_request_ids(std::vector<std::string> trusted = {}) {
    auto config = TestServer::default_config();
    config.request_ids = true;
    config.trusted_proxies = std::move(trusted);
    return config;
}

TEST(RequestIds, EachRequestGetsOneTheHandlerSeesAndTheResponseCarries) {
    std::mutex m;
    std::vector<std::string> seen;
    web::Application app;
    app.router().add_get("/", [&](web::Request& req) -> awaitable<web::Response> {
        std::lock_guard lock(m);
        seen.emplace_back(req.request_id());
        co_return web::Response::text("ok");
    });
    app.router().add_get("/fails", [](web::Request&) -> awaitable<web::Response> { throw std::runtime_error("boom"); });
    TestServer server(app, with_request_ids());
    TestClient client(server);
    auto a = client.get("/");
    auto b = client.get("/");
    EXPECT_TRUE(looks_generated(a.header("X-Request-ID"))) << a.header("X-Request-ID");
    EXPECT_NE(a.header("X-Request-ID"), b.header("X-Request-ID"));
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0], a.header("X-Request-ID"));
    EXPECT_EQ(seen[1], b.header("X-Request-ID"));
    EXPECT_TRUE(looks_generated(client.get("/fails").header("X-Request-ID")));  // errors too
    EXPECT_TRUE(looks_generated(client.get("/nowhere").header("X-Request-ID")));
    // A client that is not a trusted proxy cannot choose its id.
    EXPECT_NE(client.get("/", {{"X-Request-ID", "mine"}}).header("X-Request-ID"), "mine");
}

TEST(RequestIds, ATrustedProxysIdIsKeptIfItIsSane) {
    web::Application app;
    app.router().add_get("/", [](web::Request& req) -> awaitable<web::Response> {
        co_return web::Response::text(std::string(req.request_id()));
    });
    TestServer server(app, with_request_ids({"127.0.0.1"}));
    TestClient client(server);
    auto kept = client.get("/", {{"X-Request-ID", "edge-7f3a:42"}});
    EXPECT_EQ(kept.body, "edge-7f3a:42");
    EXPECT_EQ(kept.header("X-Request-ID"), "edge-7f3a:42");
    for (auto bad : {std::string("has space"), std::string("quote\""), std::string(129, 'a')}) {
        auto replaced = client.get("/", {{"X-Request-ID", bad}});
        EXPECT_TRUE(looks_generated(replaced.body)) << bad;
    }
}

TEST(RequestIds, OffByDefault) {
    web::Application app;
    app.router().add_get("/", [](web::Request& req) -> awaitable<web::Response> {
        co_return web::Response::text(req.request_id().empty() ? "none" : "some");
    });
    TestServer server(app);
    TestClient client(server);
    auto r = client.get("/");
    EXPECT_EQ(r.body, "none");
    EXPECT_EQ(r.header("X-Request-ID"), "");
}

// A handler calling another service passes its id on; the other service (which
// trusts the caller, as a proxy) then logs and answers under the same id.
TEST(RequestIds, TheIdTravelsThroughAClientSessionCallMadeInAHandler) {
    std::string upstream_saw;
    web::Application upstream;
    upstream.router().add_get("/inventory", [&](web::Request& req) -> awaitable<web::Response> {
        upstream_saw = req.request_id();
        co_return web::json_response({{"items", 3}});
    });
    TestServer upstream_server(upstream, with_request_ids({"127.0.0.1"}));

    const auto inventory_url = upstream_server.url("/inventory");
    web::Application app;
    app.router().add_get("/order", [&](web::Request& req) -> awaitable<web::Response> {
        asiohttp::ClientSession session;
        asiohttp::RequestOptions options{.headers = {{"X-Request-ID", req.request_id()}}};
        auto r = co_await session.get(inventory_url, options);
        auto items = (co_await r.json())["items"];
        co_return web::json_response({{"items", items}});
    });
    TestServer server(app, with_request_ids());
    TestClient client(server);
    auto r = client.get("/order");
    EXPECT_EQ(r.json()["items"], 3);
    EXPECT_TRUE(looks_generated(r.header("X-Request-ID")));
    EXPECT_EQ(upstream_saw, r.header("X-Request-ID"));
}

// Keeps what it is given, for reading while servers' threads still log.
class StringSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    std::string text() {
        std::lock_guard lock(mutex_);
        return text_;
    }

private:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        text_.append(formatted.data(), formatted.size());
    }
    void flush_() override {}
    std::string text_;
};

// The framework's loggers, captured: a sink added before the server starts
// gets the format the server sets.
class CapturedLogs : public ::testing::Test {
protected:
    void SetUp() override {
        sink = std::make_shared<StringSink>();
        asiohttp::detail::access_logger().sinks().push_back(sink);
        asiohttp::detail::server_logger().sinks().push_back(sink);
    }
    void TearDown() override {
        for (auto* logger : {&asiohttp::detail::access_logger(), &asiohttp::detail::server_logger()}) {
            auto& sinks = logger->sinks();
            sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
        }
        asiohttp::detail::set_log_format("text");
    }
    std::vector<json> lines() {
        std::vector<json> parsed;
        std::istringstream in(out_text());
        for (std::string line; std::getline(in, line);) {
            EXPECT_NO_THROW(parsed.push_back(json::parse(line))) << line;
        }
        return parsed;
    }
    // The text logged so far, once it holds `what` (a step is reported when it
    // ends, which may be just after its response reached the client) or 2 s passed.
    std::string logged_once(std::string_view what) {
        for (int i = 0; i < 200 && out_text().find(what) == std::string::npos; ++i) std::this_thread::sleep_for(10ms);
        return out_text();
    }
    std::string out_text() { return sink->text(); }
    std::shared_ptr<StringSink> sink;
};

TEST_F(CapturedLogs, JsonLinesShareOneSchemaAndNameRouteTemplates) {
    web::Application app;
    app.router().add_get("/notes/{id}", [](web::Request&) -> awaitable<web::Response> {
        co_return web::Response::text("note");
    });
    app.router().add_get("/fails/{why}", [](web::Request&) -> awaitable<web::Response> {
        throw std::runtime_error("database \"gone\"\n");
    });
    auto config = with_request_ids();
    config.access_log = true;
    config.log_format = "json";
    {
        TestServer server(app, config);
        TestClient client(server);
        auto note = client.get("/notes/7?x=1");
        auto failed = client.get("/fails/now");
        EXPECT_EQ(failed.status, 500);
        client.get("/missing");
        server.server().stop();
        auto logs = lines();
        ASSERT_EQ(logs.size(), 4u) << out_text();  // 3 access lines, 1 error line

        const auto& access = logs[0];
        std::vector<std::string> keys;  // in the order written
        const auto first = nlohmann::ordered_json::parse(out_text().substr(0, out_text().find('\n')));
        for (auto& [k, v] : first.items()) keys.push_back(k);
        EXPECT_EQ(keys, (std::vector<std::string>{"time", "level", "logger", "message", "request_id", "method",
                                                  "route", "path", "remote", "status", "duration_ms", "bytes"}));
        EXPECT_TRUE(std::regex_match(access["time"].get<std::string>(),
                                     std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
        EXPECT_EQ(access["level"], "info");
        EXPECT_EQ(access["logger"], "asiohttp.access");
        EXPECT_EQ(access["request_id"], note.header("X-Request-ID"));
        EXPECT_EQ(access["method"], "GET");
        EXPECT_EQ(access["route"], "/notes/{id}");  // the template, not /notes/7
        EXPECT_EQ(access["path"], "/notes/7?x=1");
        EXPECT_EQ(access["status"], 200);
        EXPECT_EQ(access["bytes"], 4);
        EXPECT_EQ(access["remote"], "127.0.0.1");
        EXPECT_TRUE(access["duration_ms"].is_number());

        // The handler's failure: the server's own line, about the same request.
        const auto& error = logs[1];
        EXPECT_EQ(error["level"], "error");
        EXPECT_EQ(error["logger"], "asiohttp.server");
        EXPECT_EQ(error["request_id"], failed.header("X-Request-ID"));
        EXPECT_EQ(error["route"], "/fails/{why}");
        EXPECT_NE(error["message"].get<std::string>().find("database \"gone\"\n"), std::string::npos);
        EXPECT_EQ(logs[2]["status"], 500);
        EXPECT_EQ(logs[3]["status"], 404);
        EXPECT_EQ(logs[3]["route"], "");  // no route matched
    }
}

TEST_F(CapturedLogs, TextLinesNameTheRequestIdOfAFailure) {
    web::Application app;
    app.router().add_get("/fails", [](web::Request&) -> awaitable<web::Response> { throw std::runtime_error("boom"); });
    TestServer server(app, with_request_ids());
    TestClient client(server);
    auto failed = client.get("/fails");
    EXPECT_NE(out_text().find("Error handling request GET /fails (request id " +
                             std::string(failed.header("X-Request-ID")) + "): boom"),
              std::string::npos)
        << out_text();
}

// The watchdog: a handler that blocks its thread is named in a warning and
// counted; one that awaits a timer as long is not.
TEST_F(CapturedLogs, TheWatchdogNamesAHandlerThatBlocksItsThreadAndNotOneThatAwaits) {
    web::Application app;
    app.router().add_get("/awaits/{n}", [](web::Request&) -> awaitable<web::Response> {
        co_await async_sleep(300ms);
        co_return web::Response::text("awaited");
    });
    app.router().add_get("/blocks/{n}", [](web::Request&) -> awaitable<web::Response> {
        co_await async_sleep(1ms);
        std::this_thread::sleep_for(300ms);  // the mistake the watchdog is for
        co_return web::Response::text("blocked");
    });
    app.router().add_get("/metrics", web::metrics_handler());
    auto config = TestServer::default_config();
    config.watchdog = true;
    config.slow_callback_duration = 100ms;
    config.metrics = true;
    TestServer server(app, config);
    TestClient client(server);
    EXPECT_EQ(client.get("/awaits/1").body, "awaited");
    std::this_thread::sleep_for(100ms);  // time for a report, were there one
    EXPECT_EQ(out_text().find("blocked"), std::string::npos) << out_text();
    EXPECT_EQ(client.get("/blocks/1").body, "blocked");
    const auto logged = logged_once("(route /blocks/{n})");
    EXPECT_NE(logged.find("event loop blocked for 3"), std::string::npos) << logged;
    EXPECT_NE(logged.find("(limit 100 ms) by GET /blocks/1 (route /blocks/{n})"), std::string::npos) << logged;
    const auto metrics = client.get("/metrics").body;
    EXPECT_NE(metrics.find("asiohttp_loop_blocked_total{route=\"/blocks/{n}\"} 1\n"), std::string::npos) << metrics;
    EXPECT_EQ(metrics.find("asiohttp_loop_blocked_total{route=\"/awaits/{n}\"}"), std::string::npos) << metrics;
}

TEST_F(CapturedLogs, TheWatchdogIsOffUnlessAskedOrDebugging) {
    web::Application app;
    app.router().add_get("/blocks", [](web::Request&) -> awaitable<web::Response> {
        std::this_thread::sleep_for(150ms);
        co_return web::Response::text("blocked");
    });
    {
        TestServer server(app);
        TestClient client(server);
        client.get("/blocks");
        std::this_thread::sleep_for(100ms);  // time for a report, were there one
        EXPECT_EQ(out_text().find("event loop blocked"), std::string::npos) << out_text();
    }
    auto config = TestServer::default_config();
    config.debug = true;  // as asyncio's debug mode, with its 100 ms
    TestServer server(app, config);
    TestClient client(server);
    client.get("/blocks");
    const auto logged = logged_once("by GET /blocks (route /blocks)");
    EXPECT_NE(logged.find("by GET /blocks (route /blocks)"), std::string::npos) << logged;
}

}  // namespace
