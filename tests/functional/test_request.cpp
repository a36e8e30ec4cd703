#include "test_support.hpp"

namespace {

// Reports what the request accessors see, as JSON.
awaitable<web::Response> inspect(web::Request& req) {
    json j;
    j["method"] = req.method();
    j["path"] = req.path();
    j["raw_path"] = req.raw_path();
    j["query_string"] = req.query_string();
    json q = json::array();
    for (auto& [k, v] : req.query()) q.push_back({k, v});
    j["query"] = q;
    j["tags"] = req.query().getall("tag");
    j["ua"] = req.headers().get("user-agent", "");
    j["x_multi"] = req.headers().getall("X-Multi");
    json cookies = json::object();
    for (auto& [k, v] : req.cookies()) cookies[k] = v;
    j["cookies"] = cookies;
    j["content_type"] = req.content_type();
    j["charset"] = req.charset();
    j["content_length"] = req.content_length() ? json(*req.content_length()) : json(nullptr);
    j["remote"] = req.remote();
    j["host"] = req.host();
    j["scheme"] = req.scheme();
    j["version"] = req.version();
    co_return web::json_response(j);
}

class RequestTest : public ::testing::Test {
protected:
    RequestTest() {
        app.router().add_route("*", "/inspect/{rest:.*}", inspect);
        app.router().add_post("/json", [](web::Request& req) -> awaitable<web::Response> {
            auto body = co_await req.json();
            co_return web::json_response({{"got", body}});
        });
        app.router().add_post("/form", [](web::Request& req) -> awaitable<web::Response> {
            auto form = co_await req.post();
            json j;
            json fields = json::array();
            for (auto& [k, v] : form.fields) fields.push_back({k, v});
            j["fields"] = fields;
            json files = json::array();
            for (auto& f : form.files)
                files.push_back({{"name", f.name}, {"filename", f.filename}, {"type", f.content_type},
                                 {"size", f.size}, {"head", f.file->read().substr(0, 2) == std::string("\x00\x01", 2)}});
            j["files"] = files;
            co_return web::json_response(j);
        });
        app.router().add_post("/text", [](web::Request& req) -> awaitable<web::Response> {
            auto a = co_await req.text();
            auto b = co_await req.read();  // a second read returns the same body
            co_return web::Response::text(std::string(a) + "|" + std::to_string(b.size()));
        });
    }
    web::Application app;
};

TEST_F(RequestTest, Accessors) {
    TestServer server(app);
    TestClient client(server);
    auto r = client.request("GET", "/inspect/a%20b?x=1&tag=a&tag=b&sp=a+b%21", "",
                            {{"User-Agent", "gtest"},
                             {"X-Multi", "1"},
                             {"x-multi", "2"},
                             {"Cookie", "session=abc; theme=\"dark\""},
                             {"Content-Type", "text/plain; format=flowed; Charset=\"latin-1\""}});
    ASSERT_EQ(r.status, 200);
    auto j = r.json();
    EXPECT_EQ(j["method"], "GET");
    EXPECT_EQ(j["path"], "/inspect/a b");
    EXPECT_EQ(j["raw_path"], "/inspect/a%20b?x=1&tag=a&tag=b&sp=a+b%21");
    EXPECT_EQ(j["query_string"], "x=1&tag=a&tag=b&sp=a+b%21");
    EXPECT_EQ(j["query"], json::parse(R"([["x","1"],["tag","a"],["tag","b"],["sp","a b!"]])"));
    EXPECT_EQ(j["tags"], json::parse(R"(["a","b"])"));
    EXPECT_EQ(j["ua"], "gtest");
    EXPECT_EQ(j["x_multi"], json::parse(R"(["1","2"])"));
    EXPECT_EQ(j["cookies"], json::parse(R"({"session":"abc","theme":"dark"})"));
    EXPECT_EQ(j["content_type"], "text/plain");
    EXPECT_EQ(j["charset"], "latin-1");
    EXPECT_EQ(j["remote"], "127.0.0.1");
    EXPECT_EQ(j["host"], "127.0.0.1:" + std::to_string(server.port()));  // the Host header, port included
    EXPECT_EQ(j["scheme"], "http");
    EXPECT_EQ(j["version"], 11);
    EXPECT_TRUE(j["content_length"].is_null());
}

TEST_F(RequestTest, DefaultsWithoutHeaders) {
    TestServer server(app);
    TestClient client(server);
    auto j = client.request("PUT", "/inspect/x", "12345").json();
    EXPECT_EQ(j["content_type"], "application/octet-stream");
    EXPECT_EQ(j["content_length"], 5);
    EXPECT_EQ(j["charset"], "");
}

TEST_F(RequestTest, JsonBodyAndMalformedJsonIs400) {
    TestServer server(app);
    TestClient client(server);
    auto ok = client.post_json("/json", {{"a", 1}, {"b", {1, 2}}});
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.json()["got"]["b"][1], 2);
    auto bad = client.post("/json", "{not json", "application/json");
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find("malformed JSON"), std::string::npos);
    EXPECT_EQ(client.post_json("/json", {{"after", true}}).status, 200);  // and the server goes on
}

TEST_F(RequestTest, TextIsReadOnceAndKept) {
    TestServer server(app);
    TestClient client(server);
    EXPECT_EQ(client.post("/text", "hello").body, "hello|5");
}

TEST_F(RequestTest, ChunkedRequestBody) {
    TestServer server(app);
    TestClient client(server);
    client.send_raw("POST /text HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    EXPECT_EQ(client.read_response().body, "hello world|11");
}

TEST_F(RequestTest, UrlencodedForm) {
    TestServer server(app);
    TestClient client(server);
    auto j = client.post("/form", "name=J%C3%BCrgen+X&tag=a&tag=b&empty=", "application/x-www-form-urlencoded").json();
    EXPECT_EQ(j["fields"], json::parse(R"([["name","Jürgen X"],["tag","a"],["tag","b"],["empty",""]])"));
}

TEST_F(RequestTest, MultipartFormWithFile) {
    TestServer server(app);
    TestClient client(server);
    std::string binary("\x00\x01\r\n--not-the-boundary\xff", 23);
    std::string body = "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
                       "My file\r\n"
                       "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"upload\"; filename=\"a.bin\"\r\n"
                       "Content-Type: application/octet-stream\r\n\r\n" +
                       binary +
                       "\r\n"
                       "--XyZ--\r\n";
    auto r = client.post("/form", body, "multipart/form-data; boundary=XyZ");
    ASSERT_EQ(r.status, 200) << r.body;
    auto j = r.json();
    EXPECT_EQ(j["fields"], json::parse(R"([["title","My file"]])"));
    ASSERT_EQ(j["files"].size(), 1u);
    EXPECT_EQ(j["files"][0]["name"], "upload");
    EXPECT_EQ(j["files"][0]["filename"], "a.bin");
    EXPECT_EQ(j["files"][0]["type"], "application/octet-stream");
    EXPECT_EQ(j["files"][0]["size"], binary.size());
    EXPECT_EQ(j["files"][0]["head"], true);

    auto bad = client.post("/form", "--XyZ\r\nno headers end", "multipart/form-data; boundary=XyZ");
    EXPECT_EQ(bad.status, 400);
}

TEST_F(RequestTest, PerRequestStateIsSharedByMiddlewareAndHandler) {
    static const web::RequestKey<std::string> user_key{"user"};
    web::Application a;
    a.add_middleware([](web::Request& req, web::Next next) -> awaitable<web::Response> {
        req.state().set(user_key, std::string(req.headers().get("X-User", "anonymous")));
        co_return co_await next(req);
    });
    a.router().add_get("/", [](web::Request& req) -> awaitable<web::Response> {
        co_return web::Response::text(req.state().get(user_key));
    });
    TestServer server(a);
    TestClient client(server);
    EXPECT_EQ(client.get("/", {{"X-User", "ann"}}).body, "ann");
    EXPECT_EQ(client.get("/").body, "anonymous");
}

// A hook that needs I/O before the answer goes out (as a session store does):
// it sees what the handler answered after every middleware, an HTTPException
// included, but never a 500 from a crash.
TEST_F(RequestTest, ResponseReadyHooksAwaitBeforeTheAnswerGoesOut) {
    web::Application a;
    a.add_middleware([](web::Request& req, web::Next next) -> awaitable<web::Response> {
        auto resp = co_await next(req);
        resp.headers().add("X-Outer", "1");  // runs before the hook: the hook sees it
        co_return resp;
    });
    auto with_hook = [](int outcome) {
        return [outcome](web::Request& req) -> awaitable<web::Response> {
            req.on_response_ready([](web::Request&, web::Response& resp) -> awaitable<void> {
                co_await async_sleep(std::chrono::milliseconds(5));
                resp.headers().add("X-Ready", resp.headers().get("X-Outer", "no outer"));
            });
            if (outcome == 302) throw web::HTTPFound("/elsewhere");
            if (outcome == 500) throw std::runtime_error("boom");
            co_return web::Response::text("ok");
        };
    };
    a.router().add_get("/ok", with_hook(200));
    a.router().add_get("/redirect", with_hook(302));
    a.router().add_get("/crash", with_hook(500));
    TestServer server(a);
    TestClient client(server);
    auto ok = client.get("/ok");
    EXPECT_EQ(ok.body, "ok");
    EXPECT_EQ(ok.header("X-Ready"), "1");
    auto redirect = client.get("/redirect");
    EXPECT_EQ(redirect.status, 302);
    EXPECT_EQ(redirect.header("X-Ready"), "no outer");  // the exception passed the middleware by
    auto crash = client.get("/crash");
    EXPECT_EQ(crash.status, 500);
    EXPECT_FALSE(crash.headers.contains("X-Ready"));
}

}  // namespace
