#include <fstream>

#include "test_support.hpp"

namespace {

TEST(Response, CookiesAreSetAndDeleted) {
    web::Application app;
    app.router().add_get("/login", [](web::Request&) -> awaitable<web::Response> {
        auto r = web::Response::text("ok");
        r.set_cookie("session", "abc", {.max_age = 3600s, .path = "/", .secure = true, .httponly = true, .samesite = "Lax"});
        r.set_cookie("theme", "dark");
        r.set_cookie("theme", "light");  // replaces, one header per name
        co_return r;
    });
    app.router().add_get("/logout", [](web::Request&) -> awaitable<web::Response> {
        auto r = web::Response::text("bye");
        r.del_cookie("session");
        co_return r;
    });
    TestServer server(app);
    TestClient client(server);
    auto r = client.get("/login");
    auto cookies = r.headers.getall("Set-Cookie");
    ASSERT_EQ(cookies.size(), 2u);
    EXPECT_EQ(cookies[0], "session=abc; Max-Age=3600; Path=/; SameSite=Lax; Secure; HttpOnly");
    EXPECT_EQ(cookies[1], "theme=light; Path=/");
    auto out = client.get("/logout");
    EXPECT_EQ(out.header("Set-Cookie"), "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/");
}

TEST(Response, StatusReasonHeadersAndServerDate) {
    web::Application app;
    app.router().add_get("/", [](web::Request&) -> awaitable<web::Response> {
        web::Response r(299);
        r.set_status(299, "Custom Reason");
        r.headers().add("X-A", "1");
        r.headers().add("X-A", "2");
        r.headers().set("Content-Length", "999");  // framing stays the server's
        r.set_body("abc");
        co_return r;
    });
    TestServer server(app);
    TestClient client(server);
    auto r = client.get("/");
    EXPECT_EQ(r.status, 299);
    EXPECT_EQ(r.reason, "Custom Reason");
    EXPECT_EQ(r.headers.getall("X-A").size(), 2u);
    EXPECT_EQ(r.header("Content-Length"), "3");
    EXPECT_EQ(r.body, "abc");
    EXPECT_EQ(r.header("Server"), "asiohttp");
    EXPECT_EQ(r.header("Date").size(), 29u);
    EXPECT_EQ(client.get("/").body, "abc");
}

TEST(Response, JsonResponse) {
    web::Application app;
    app.router().add_get("/", [](web::Request&) -> awaitable<web::Response> {
        co_return web::json_response({{"ok", true}}, 202);
    });
    TestServer server(app);
    TestClient client(server);
    auto r = client.get("/");
    EXPECT_EQ(r.status, 202);
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    EXPECT_EQ(r.json()["ok"], true);
}

TEST(Response, StreamingIsChunkedAndKeepsTheConnection) {
    web::Application app;
    app.router().add_get("/stream", [](web::Request& req) -> awaitable<web::Response> {
        web::StreamResponse resp;
        resp.set_content_type("text/plain");
        co_await resp.prepare(req);
        for (int i = 0; i < 5; ++i) {
            co_await resp.write("part " + std::to_string(i) + "\n");
            co_await async_sleep(5ms);
        }
        co_await resp.write_eof();
        co_return resp;
    });
    app.router().add_get("/sized", [](web::Request& req) -> awaitable<web::Response> {
        web::StreamResponse resp;
        resp.set_content_length(10);
        co_await resp.prepare(req);
        co_await resp.write("01234");
        co_await resp.write("56789");
        co_return resp;  // write_eof is implied
    });
    TestServer server(app);
    TestClient client(server);
    auto r = client.get("/stream");
    EXPECT_EQ(r.header("Transfer-Encoding"), "chunked");
    EXPECT_EQ(r.body, "part 0\npart 1\npart 2\npart 3\npart 4\n");
    auto s = client.get("/sized");
    EXPECT_EQ(s.header("Content-Length"), "10");
    EXPECT_EQ(s.body, "0123456789");
    EXPECT_EQ(client.get("/stream").status, 200);
    EXPECT_EQ(client.connections_opened(), 1u);
}

TEST(Response, StreamingToAnHttp10ClientIsCloseDelimited) {
    web::Application app;
    app.router().add_get("/stream", [](web::Request& req) -> awaitable<web::Response> {
        web::StreamResponse resp;
        co_await resp.prepare(req);
        co_await resp.write("a");
        co_await resp.write("b");
        co_return resp;
    });
    TestServer server(app);
    TestClient client(server);
    client.send_raw("GET /stream HTTP/1.0\r\n\r\n");
    auto raw = client.read_until_close();
    EXPECT_EQ(raw.find("Transfer-Encoding"), std::string::npos);
    EXPECT_NE(raw.find("Connection: close"), std::string::npos);
    EXPECT_EQ(raw.substr(raw.size() - 2), "ab");
}

class Files : public ::testing::Test {
protected:
    void SetUp() override {
        path = std::filesystem::temp_directory_path() / ("asiohttp-file-" + std::to_string(::getpid()) + ".txt");
        std::ofstream(path) << "0123456789abcdefghij";
        app.router().add_get("/file", [this](web::Request&) -> awaitable<web::Response> {
            co_return web::FileResponse(path);
        });
        app.router().add_get("/big", [this](web::Request&) -> awaitable<web::Response> {
            co_return web::FileResponse(path, 4);  // 4-byte chunks: the streamed path
        });
        app.router().add_get("/gone", [](web::Request&) -> awaitable<web::Response> {
            co_return web::FileResponse("/nonexistent/file.txt");
        });
    }
    void TearDown() override { std::filesystem::remove(path); }
    std::filesystem::path path;
    web::Application app;
};

TEST_F(Files, WholeFileWithValidators) {
    TestServer server(app);
    TestClient client(server);
    for (auto target : {"/file", "/big"}) {
        auto r = client.get(target);
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, "0123456789abcdefghij");
        EXPECT_EQ(r.header("Content-Type"), "text/plain");
        EXPECT_EQ(r.header("Accept-Ranges"), "bytes");
        EXPECT_FALSE(r.header("ETag").empty());
        EXPECT_FALSE(r.header("Last-Modified").empty());
    }
    EXPECT_EQ(client.get("/gone").status, 404);
}

TEST_F(Files, RangeRequestsGive206) {
    TestServer server(app);
    TestClient client(server);
    for (auto target : {"/file", "/big"}) {
        auto r = client.get(target, {{"Range", "bytes=2-5"}});
        EXPECT_EQ(r.status, 206);
        EXPECT_EQ(r.body, "2345");
        EXPECT_EQ(r.header("Content-Range"), "bytes 2-5/20");
        EXPECT_EQ(client.get(target, {{"Range", "bytes=-3"}}).body, "hij");
        EXPECT_EQ(client.get(target, {{"Range", "bytes=18-"}}).body, "ij");
        auto bad = client.get(target, {{"Range", "bytes=50-60"}});
        EXPECT_EQ(bad.status, 416);
        EXPECT_EQ(bad.header("Content-Range"), "bytes */20");
    }
}

TEST_F(Files, ConditionalRequestsGive304) {
    TestServer server(app);
    TestClient client(server);
    auto first = client.get("/file");
    auto etag = std::string(first.header("ETag"));
    auto r = client.get("/file", {{"If-None-Match", etag}});
    EXPECT_EQ(r.status, 304);
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(r.header("ETag"), etag);
    EXPECT_EQ(client.get("/file", {{"If-None-Match", "\"other\""}}).status, 200);
    EXPECT_EQ(client.get("/file", {{"If-Modified-Since", std::string(first.header("Last-Modified"))}}).status, 304);
    EXPECT_EQ(client.get("/file", {{"If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"}}).status, 200);
}

// A file larger than a socket's buffers goes out from the page cache to a
// client that reads late (the server waits for room, then goes on), whole and
// byte for byte, a range of it from the middle too, on one keep-alive
// connection; meanwhile the one I/O thread answers others.
TEST_F(Files, ALargeFileReachesALateReaderWholeWhileOthersAreServed) {
    const auto large = path.parent_path() / ("asiohttp-large-" + std::to_string(::getpid()) + ".bin");
    std::string content(9 << 20, '\0');
    std::uint32_t x = 2463534242u;
    for (auto& c : content) {  // xorshift: no run of equal bytes hides a misplaced block
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        c = char(x);
    }
    std::ofstream(large, std::ios::binary) << content;
    app.router().add_get("/large", [large](web::Request&) -> awaitable<web::Response> {
        co_return web::FileResponse(large);
    });
    auto config = TestServer::default_config();
    config.threads = 1;
    TestServer server(app, config);
    TestClient late(server), quick(server);
    late.send_raw("GET /large HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(200ms);  // the server fills the socket's buffers and waits
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(quick.get("/file").body, "0123456789abcdefghij");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
    auto r = late.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Length"), std::to_string(content.size()));
    EXPECT_TRUE(r.body == content) << "the body differs from the file (" << r.body.size() << " bytes)";
    auto part = late.get("/large", {{"Range", "bytes=1000003-7000000"}});
    EXPECT_EQ(part.status, 206);
    EXPECT_TRUE(part.body == content.substr(1000003, 6000000 - 2)) << part.body.size() << " bytes";
    std::filesystem::remove(large);
}

TEST(HttpExceptions, BecomeTheirResponses) {
    web::Application app;
    app.router().add_get("/{code}", [](web::Request& req) -> awaitable<web::Response> {
        auto code = std::stoi(std::string(req.match_info("code")));
        switch (code) {
            case 400: throw web::HTTPBadRequest("bad input");
            case 401: throw web::HTTPUnauthorized();
            case 403: throw web::HTTPForbidden();
            case 404: throw web::HTTPNotFound();
            case 409: throw web::HTTPConflict();
            case 413: throw web::HTTPRequestEntityTooLarge();
            case 422: throw web::HTTPUnprocessableEntity();
            case 429: throw web::HTTPTooManyRequests();
            case 500: throw web::HTTPInternalServerError();
            case 501: throw web::HTTPNotImplemented();
            case 503: throw web::HTTPServiceUnavailable();
            case 302: throw web::HTTPFound("/elsewhere");
            case 301: co_return web::HTTPMovedPermanently("/moved");  // returned, not thrown
            case 204: throw web::HTTPNoContent();
            case 304: throw web::HTTPNotModified();
        }
        co_return web::Response::text("no exception");
    });
    TestServer server(app);
    TestClient client(server);
    for (int code : {400, 401, 403, 404, 409, 413, 422, 429, 500, 501, 503}) {
        auto r = client.get("/" + std::to_string(code));
        EXPECT_EQ(r.status, code);
        if (code == 400) EXPECT_EQ(r.body, "bad input");
        else EXPECT_EQ(r.body, std::to_string(code) + ": " + std::string(web::reason_phrase(code)));
    }
    auto found = client.get("/302");
    EXPECT_EQ(found.status, 302);
    EXPECT_EQ(found.header("Location"), "/elsewhere");
    EXPECT_EQ(client.get("/301").header("Location"), "/moved");
    auto nc = client.get("/204");
    EXPECT_EQ(nc.status, 204);
    EXPECT_TRUE(nc.header("Content-Length").empty());
    EXPECT_EQ(client.get("/304").status, 304);
    EXPECT_EQ(client.get("/200").body, "no exception");
    EXPECT_EQ(client.connections_opened(), 1u);  // error responses keep the connection
}

TEST(HttpExceptions, OtherExceptionsAre500AndTheServerGoesOn) {
    web::Application app;
    app.router().add_get("/boom", [](web::Request&) -> awaitable<web::Response> {
        throw std::runtime_error("secret detail");
        co_return web::Response();
    });
    app.router().add_get("/ok", text_handler("fine"));
    TestServer server(app);
    TestClient client(server);
    auto r = client.get("/boom");
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body.find("secret detail"), std::string::npos);  // not leaked outside debug mode
    EXPECT_EQ(client.get("/ok").body, "fine");
}

TEST(HttpExceptions, DebugModeShowsTheExceptionText) {
    web::Application app;
    app.router().add_get("/boom", [](web::Request&) -> awaitable<web::Response> {
        throw std::runtime_error("secret detail");
        co_return web::Response();
    });
    auto config = TestServer::default_config();
    config.debug = true;
    TestServer server(app, config);
    TestClient client(server);
    auto r = client.get("/boom");
    EXPECT_EQ(r.status, 500);
    EXPECT_NE(r.body.find("secret detail"), std::string::npos);
}

}  // namespace
