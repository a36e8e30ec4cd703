// Prometheus metrics over real requests: the scrape parses back as a scraper
// reads it, routes are labelled by template, and WebSocket and client counts
// follow what happened.
#include <asiohttp/client.hpp>
#include <asiohttp/metrics.hpp>
#include <asiohttp/tasks.hpp>

#include "prometheus_text.hpp"
#include "test_support.hpp"

namespace {

web::ServerConfig with_metrics() {
    auto config = TestServer::default_config();
    config.metrics = true;
    return config;
}

double value(const PrometheusSamples& s, const std::string& series) {
    auto it = s.find(series);
    EXPECT_NE(it, s.end()) << "no series " << series;
    return it == s.end() ? -1 : it->second;
}

TEST(Metrics, RequestsAreCountedByMethodRouteTemplateAndStatus) {
    web::Application app;
    app.router().add_get("/notes/{id}", text_handler("note"));
    app.router().add_post("/notes", [](web::Request&) -> awaitable<web::Response> {
        throw web::HTTPUnprocessableEntity("title is required");
    });
    app.router().add_get("/metrics", web::metrics_handler());
    TestServer server(app, with_metrics());
    TestClient client(server);
    for (auto id : {"1", "2", "3"}) EXPECT_EQ(client.get(std::string("/notes/") + id).status, 200);
    EXPECT_EQ(client.post("/notes", "{}").status, 422);
    EXPECT_EQ(client.get("/no/such/page").status, 404);
    EXPECT_EQ(client.request("BREW", "/notes/1").status, 405);

    auto scrape = client.get("/metrics");
    EXPECT_EQ(scrape.status, 200);
    EXPECT_EQ(scrape.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    const auto s = parse_prometheus(scrape.body);
    EXPECT_EQ(value(s, R"(asiohttp_http_requests_total{method="GET",route="/notes/{id}",status="200"})"), 3);
    EXPECT_EQ(value(s, R"(asiohttp_http_requests_total{method="POST",route="/notes",status="422"})"), 1);
    EXPECT_EQ(value(s, R"(asiohttp_http_requests_total{method="GET",route="",status="404"})"), 1);
    EXPECT_EQ(value(s, R"(asiohttp_http_requests_total{method="OTHER",route="",status="405"})"), 1);
    EXPECT_EQ(value(s, R"(asiohttp_http_request_duration_seconds_count{route="/notes/{id}"})"), 3);
    EXPECT_EQ(value(s, R"(asiohttp_http_request_duration_seconds_bucket{route="/notes/{id}",le="+Inf"})"), 3);
    EXPECT_GT(value(s, R"(asiohttp_http_request_duration_seconds_sum{route="/notes/{id}"})"), 0);
    EXPECT_EQ(value(s, "asiohttp_http_requests_in_flight"), 1);  // the scrape itself
    EXPECT_EQ(value(s, "asiohttp_http_connections"), 1);
    // Labels are templates: no raw path ever becomes a series.
    for (auto& [series, v] : s) EXPECT_EQ(series.find("/notes/1"), std::string::npos) << series;
    for (auto family : {"asiohttp_websocket_connections", "asiohttp_websocket_messages_received_total",
                        "asiohttp_websocket_messages_sent_total", "asiohttp_websocket_slow_consumer_closes_total",
                        "asiohttp_websocket_send_queue_bytes", "asiohttp_client_requests_total",
                        "asiohttp_client_connections"})
        EXPECT_NE(scrape.body.find(std::string("# TYPE ") + family + " "), std::string::npos) << family;
}

TEST(Metrics, OffUnlessAsked) {
    web::Application app;
    app.router().add_get("/", text_handler("hi"));
    app.router().add_get("/metrics", web::metrics_handler());
    TestServer server(app);  // metrics = false
    TestClient client(server);
    client.get("/");
    EXPECT_EQ(client.get("/metrics").body.find("asiohttp_http_requests_total"), std::string::npos);
}

TEST(Metrics, WebSocketsAndClientSessionsAreCounted) {
    const auto before = parse_prometheus(asiohttp::metrics::default_registry().scrape());
    auto was = [&](const std::string& series) {
        auto it = before.find(series);
        return it == before.end() ? 0.0 : it->second;
    };
    web::Application app;
    app.router().add_get("/ws", [](web::Request& req) -> awaitable<web::Response> {
        web::WebSocketResponse ws;
        co_await ws.prepare(req);
        while (auto msg = co_await ws.receive()) co_await ws.send_str(msg->text());
        co_return ws;
    });
    app.router().add_get("/flood", [](web::Request& req) -> awaitable<web::Response> {
        web::WebSocketResponse ws({.close_timeout = 300ms, .max_queue_size = 256 << 10});
        co_await ws.prepare(req);
        auto handle = ws.handle();
        std::string chunk(64 << 10, 'f');
        for (int i = 0; i < 200 && handle.alive(); ++i) {
            handle.send_str(chunk);
            co_await async_sleep(1ms);
        }
        while (co_await ws.receive()) {
        }
        co_return ws;
    });
    app.router().add_get("/", text_handler("upstream"));
    app.router().add_get("/metrics", web::metrics_handler());
    TestServer server(app, with_metrics());
    {
        test_utils::WSClient ws(server, "/ws");
        for (int i = 0; i < 3; ++i) {
            ws.send_text("m" + std::to_string(i));
            EXPECT_EQ(ws.receive()->data, "m" + std::to_string(i));
        }
        TestClient client(server);
        const auto s = parse_prometheus(client.get("/metrics").body);
        EXPECT_EQ(value(s, "asiohttp_websocket_connections") - was("asiohttp_websocket_connections"), 1);
        EXPECT_EQ(value(s, "asiohttp_websocket_messages_received_total") -
                      was("asiohttp_websocket_messages_received_total"),
                  3);
        EXPECT_EQ(value(s, "asiohttp_websocket_messages_sent_total") - was("asiohttp_websocket_messages_sent_total"),
                  3);
    }
    {
        test_utils::WSClient slow(server, "/flood");  // never reads: closed with 1013
        TestClient client(server);
        double closes = 0;
        for (int i = 0; i < 300 && closes < 1; ++i) {
            std::this_thread::sleep_for(10ms);
            const auto s = parse_prometheus(client.get("/metrics").body);
            closes = value(s, "asiohttp_websocket_slow_consumer_closes_total") -
                     was("asiohttp_websocket_slow_consumer_closes_total");
        }
        EXPECT_EQ(closes, 1);
    }
    // (TestClient has a ClientSession of its own: count from here.)
    const auto client_before = parse_prometheus(asiohttp::metrics::default_registry().scrape());
    asiohttp::run([&]() -> awaitable<void> {
        asiohttp::ClientSession session;
        for (int i = 0; i < 2; ++i) {
            auto r = co_await session.get(server.url("/"));
            co_await r.read();
        }
        auto r = co_await session.get(server.url("/metrics"));
        const auto s = parse_prometheus(std::string(co_await r.text()));
        // Three requests sent, the scrape included; one pooled connection open.
        EXPECT_EQ(value(s, "asiohttp_client_requests_total") - value(client_before, "asiohttp_client_requests_total"),
                  3);
        EXPECT_EQ(value(s, "asiohttp_client_connections") - value(client_before, "asiohttp_client_connections"), 1) << session.connections_opened();
    }());
    // The queue gauge comes back to where it was once the sockets are gone.
    const auto after = parse_prometheus(asiohttp::metrics::default_registry().scrape());
    EXPECT_EQ(value(after, "asiohttp_websocket_send_queue_bytes"), was("asiohttp_websocket_send_queue_bytes"));
}

TEST(Metrics, AnApplicationAddsItsOwnAndTheFormatEscapesLabels) {
    asiohttp::metrics::Histogram latency({0.1, 1});
    latency.observe(0.05);
    latency.observe(0.5);
    latency.observe(7);
    auto own = asiohttp::metrics::default_registry().add([&](asiohttp::metrics::Families& f) {
        f.gauge("myapp_jobs_queued", "Jobs waiting.", {{"queue", "a\"b\\c\nd"}}, 4);
        f.histogram("myapp_job_seconds", "Job time.", {}, latency.snapshot());
    });
    const auto text = asiohttp::metrics::default_registry().scrape();
    const auto s = parse_prometheus(text);
    EXPECT_EQ(value(s, R"(myapp_jobs_queued{queue="a\"b\\c\nd"})"), 4);
    EXPECT_EQ(value(s, R"(myapp_job_seconds_bucket{le="0.1"})"), 1);
    EXPECT_EQ(value(s, R"(myapp_job_seconds_bucket{le="1"})"), 2);
    EXPECT_EQ(value(s, R"(myapp_job_seconds_bucket{le="+Inf"})"), 3);
    EXPECT_EQ(value(s, "myapp_job_seconds_sum"), 7.55);
    own = {};  // unregistered
    EXPECT_EQ(asiohttp::metrics::default_registry().scrape().find("myapp_jobs_queued"), std::string::npos);
}

}  // namespace
