#include "web/access_log.hpp"
#include "web/exchange.hpp"
#include "test_support.hpp"

namespace {

// Captures the formatted line of a real request through a middleware that uses
// the same formatter the server uses.
TEST(AccessLog, AiohttpDefaultFormat) {
    asiohttp::detail::AccessLog log(R"(%a %t "%r" %s %b "%{Referer}i" "%{User-Agent}i" %{X-Out}o %D %%)");
    std::string line;
    std::mutex m;
    web::Application app;
    app.add_middleware([&](web::Request& req, web::Next next) -> awaitable<web::Response> {
        auto resp = co_await next(req);
        std::lock_guard l(m);
        line = log.format(req, resp, resp.body().size(), 1500us);
        co_return resp;
    });
    app.router().add_get("/page", [](web::Request&) -> awaitable<web::Response> {
        auto r = web::Response::text("hello");
        r.headers().set("X-Out", "out");
        co_return r;
    });
    TestServer server(app);
    TestClient client(server);
    client.get("/page?x=1", {{"User-Agent", "ua/1.0"}});
    std::lock_guard l(m);
    EXPECT_TRUE(line.starts_with("127.0.0.1 [")) << line;
    EXPECT_NE(line.find(R"("GET /page?x=1 HTTP/1.1" 200 5 "-" "ua/1.0" out 1500 %)"), std::string::npos) << line;
}

TEST(AccessLog, UnknownDirectiveIsRejected) {
    EXPECT_THROW(asiohttp::detail::AccessLog("%q"), std::invalid_argument);
    EXPECT_THROW(asiohttp::detail::AccessLog("%{Name}x"), std::invalid_argument);
}

}  // namespace
