// Handlers tested as plain functions with make_mocked_request, as aiohttp's test_utils allows.
#include <asiohttp/mocked_request.hpp>
#include <asiohttp/tasks.hpp>

#include "test_support.hpp"

namespace {

using asiohttp::test_utils::make_mocked_request;

awaitable<web::Response> show_note(web::Request& req) {
    auto id = req.match_info("id");
    auto body = co_await req.json();
    json out = {{"id", id}, {"full", req.query().get("full", "0")}, {"session", req.cookies().get("s", "")},
                {"title", body["title"]}, {"remote", req.remote()}, {"scheme", req.scheme()}};
    co_return web::json_response(out);
}

TEST(MockedRequest, HandlerSeesMatchInfoQueryCookiesHeadersAndBody) {
    auto req = make_mocked_request("POST", "/notes/7?full=1",
                                   {.headers = {{"Content-Type", "application/json"}, {"Cookie", "s=abc; t=1"}},
                                    .body = R"({"title": "Hi"})",
                                    .match_info = {{"id", "7"}},
                                    .secure = true});
    EXPECT_EQ(req->method(), "POST");
    EXPECT_EQ(req->path(), "/notes/7");
    EXPECT_EQ(req->content_type(), "application/json");
    EXPECT_EQ(req->content_length(), 15u);
    auto resp = asiohttp::run(show_note(*req));
    EXPECT_EQ(resp.status(), 200);
    EXPECT_EQ(json::parse(resp.body()),
              (json{{"id", "7"}, {"full", "1"}, {"session", "abc"}, {"title", "Hi"}, {"remote", "127.0.0.1"},
                    {"scheme", "https"}}));
}

TEST(MockedRequest, BodyOverTheLimitIs413AndMalformedJsonIs400) {
    auto big = make_mocked_request("POST", "/", {.body = std::string(100, 'x'), .client_max_size = 10});
    try {
        asiohttp::run(big->read());
        FAIL() << "no 413";
    } catch (const web::HTTPRequestEntityTooLarge& e) {
        EXPECT_EQ(std::string(e.what()), "413: Request Entity Too Large (limit 10 bytes)");
    }
    auto bad = make_mocked_request("POST", "/", {.body = "{nope"});
    EXPECT_THROW(asiohttp::run(bad->json()), web::HTTPBadRequest);
}

TEST(MockedRequest, ThroughAnApplicationsMiddlewaresAndRouter) {
    web::Application app;
    app.add_middleware([](web::Request& req, web::Handler next) -> awaitable<web::Response> {
        auto resp = co_await next(req);
        resp.headers().set("X-Seen", "yes");
        co_return resp;
    });
    app.router().add_get("/hello/{name}", [](web::Request& req) -> awaitable<web::Response> {
        co_return web::Response::text("Hello, " + std::string(req.match_info("name")));
    });
    auto req = make_mocked_request("GET", "/hello/ann", {.app = &app});
    auto resp = asiohttp::run(app.handle(*req));
    EXPECT_EQ(resp.body(), "Hello, ann");
    EXPECT_EQ(resp.headers().get("X-Seen", ""), "yes");

    auto missing = make_mocked_request("GET", "/nope", {.app = &app});
    EXPECT_EQ(asiohttp::run(app.handle(*missing)).status(), 404);
}

TEST(MockedRequest, StreamedDataIsCollectedAndUpgradesAreRefused) {
    auto req = make_mocked_request("GET", "/stream");
    web::StreamResponse resp;
    asiohttp::run([&]() -> awaitable<void> {
        co_await resp.prepare(*req);
        co_await resp.write("part 1, ");
        co_await resp.write("part 2");
        co_await resp.write_eof();
    }());
    EXPECT_EQ(req->written(), "part 1, part 2");
    EXPECT_TRUE(req->eof_written());

    auto ws_req = make_mocked_request(
        "GET", "/ws",
        {.headers = {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Version", "13"},
                     {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}}});
    web::WebSocketResponse ws;
    EXPECT_THROW(asiohttp::run(ws.prepare(*ws_req)), std::logic_error);
}

}  // namespace
