// The demo's endpoints are a public contract: paths, statuses and shapes.
#include <asiohttp/pg.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "demo_app.hpp"
#include "prometheus_text.hpp"
#include "test_support.hpp"

namespace {

class Demo : public ::testing::Test {
protected:
    Demo() { demo::setup_routes(app); }
    web::Application app;
};

TEST_F(Demo, HelloEndpoints) {
    TestServer server(app);
    TestClient client(server);
    auto index = client.get("/");
    EXPECT_EQ(index.status, 200);
    EXPECT_EQ(index.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(index.body.find("<h1>asiohttp demo</h1>"), std::string::npos);

    auto plain = client.get("/plaintext");
    EXPECT_EQ(plain.body, "Hello, World!");
    EXPECT_EQ(plain.header("Content-Type"), "text/plain; charset=utf-8");

    auto j = client.get("/json");
    EXPECT_EQ(j.header("Content-Type"), "application/json");
    EXPECT_EQ(j.body, R"({"message":"Hello, World!"})");

    EXPECT_EQ(client.get("/hello/Ada").body, "Hello, Ada!");
    EXPECT_EQ(client.get("/healthz").json()["status"], "ok");
}

// GET /metrics (with the demo's --metrics) and compression of what is worth it.
TEST_F(Demo, MetricsAndCompression) {
    auto config = TestServer::default_config();
    config.metrics = true;
    TestServer server(app, config);
    TestClient client(server);
    client.get("/hello/Ada");
    auto chat = client.get("/static/chat.js", {{"Accept-Encoding", "gzip, br"}});
    EXPECT_EQ(chat.status, 200);
    EXPECT_EQ(chat.header("Content-Encoding"), "br");  // the chat script, compressed
    auto plain = client.get("/plaintext", {{"Accept-Encoding", "gzip"}});
    EXPECT_EQ(plain.body, "Hello, World!");  // too small to be worth it
    auto metrics = client.get("/metrics");
    EXPECT_EQ(metrics.status, 200);
    const auto s = parse_prometheus(metrics.body);
    EXPECT_EQ(s.at(R"(asiohttp_http_requests_total{method="GET",route="/hello/{name}",status="200"})"), 1);
}

TEST_F(Demo, EchoReturnsBodyAndContentType) {
    TestServer server(app);
    TestClient client(server);
    auto r = client.post("/echo", "{\"x\":1}", "application/json; charset=utf-8");
    EXPECT_EQ(r.body, "{\"x\":1}");
    EXPECT_EQ(r.header("Content-Type"), "application/json; charset=utf-8");
    std::string binary("\x00\xff\x10", 3);
    auto b = client.post("/echo", binary, "application/octet-stream");
    EXPECT_EQ(b.body, binary);
}

// The notes contract, whichever store is behind it.
void check_notes_crud(TestClient& client) {
    EXPECT_EQ(client.get("/api/notes").json(), json::array());

    auto created = client.post_json("/api/notes", {{"title", "first"}, {"body", "hello"}});
    ASSERT_EQ(created.status, 201) << created.body;
    auto note = created.json();
    auto id = note["id"].get<int>();
    EXPECT_EQ(note["title"], "first");
    EXPECT_EQ(note["body"], "hello");
    EXPECT_EQ(created.header("Location"), "/api/notes/" + std::to_string(id));

    EXPECT_EQ(client.get("/api/notes/" + std::to_string(id)).json()["title"], "first");
    EXPECT_EQ(client.get("/api/notes").json().size(), 1u);

    auto put = client.put("/api/notes/" + std::to_string(id), R"({"title":"renamed"})", "application/json");
    EXPECT_EQ(put.status, 200);
    EXPECT_EQ(put.json()["title"], "renamed");
    EXPECT_EQ(put.json()["body"], "");  // PUT replaces

    auto patch = client.patch("/api/notes/" + std::to_string(id), R"({"body":"patched"})", "application/json");
    EXPECT_EQ(patch.json()["title"], "renamed");  // PATCH keeps what it doesn't name
    EXPECT_EQ(patch.json()["body"], "patched");

    EXPECT_EQ(client.del("/api/notes/" + std::to_string(id)).status, 204);
    auto gone = client.get("/api/notes/" + std::to_string(id));
    EXPECT_EQ(gone.status, 404);
    EXPECT_EQ(gone.json()["error"], "note not found");
    EXPECT_EQ(client.del("/api/notes/" + std::to_string(id)).status, 404);
    EXPECT_EQ(client.get("/api/notes/abc").status, 404);
}

TEST_F(Demo, NotesCrud) {
    TestServer server(app);
    TestClient client(server);
    check_notes_crud(client);
}

TEST(DemoPostgres, NotesCrudInPostgres) {
    const char* url = std::getenv("ASIOHTTP_TEST_DATABASE_URL");
    ASSERT_TRUE(url && *url) << "ASIOHTTP_TEST_DATABASE_URL is not set: run tests/run-all.sh";
    {
        asiohttp::pg::Pool pool({.dsn = url, .max_size = 1});  // a clean table for this test
        asio::io_context ioc;
        asio::co_spawn(ioc, pool.query("drop table if exists notes"), asio::detached);
        ioc.run();
    }
    web::Application app;
    demo::setup_routes(app, {.database_url = url});
    TestServer server(app);
    TestClient client(server);
    check_notes_crud(client);
    auto created = client.post_json("/api/notes", {{"title", "kept"}});
    EXPECT_EQ(created.status, 201);
    EXPECT_TRUE(created.json()["created_at"].get<std::string>().ends_with("Z"));

    auto row = client.get("/db").json();
    EXPECT_GE(row["id"].get<int>(), 1);
    EXPECT_LE(row["id"].get<int>(), 10000);
    EXPECT_TRUE(row["randomNumber"].is_number_integer());
    EXPECT_EQ(client.get("/queries?n=20").json().size(), 20u);
    EXPECT_EQ(client.get("/queries?n=0").json().size(), 1u);
    EXPECT_EQ(client.get("/queries?n=100000").json().size(), 500u);
    EXPECT_EQ(client.get("/queries?n=abc").json().size(), 1u);
}

TEST_F(Demo, NoDatabaseEndpointsWithoutADatabase) {
    TestServer server(app);
    TestClient client(server);
    EXPECT_EQ(client.get("/db").status, 404);
}

TEST_F(Demo, LoginMeLogout) {
    TestServer server(app);
    TestClient client(server);
    EXPECT_EQ(client.get("/me").status, 401);
    auto bad = client.post_json("/login", {{"name", "<script>"}});
    EXPECT_EQ(bad.status, 422);
    auto login = client.post_json("/login", {{"name", "Ada"}});
    ASSERT_EQ(login.status, 200);
    auto cookie = std::string(login.header("Set-Cookie"));
    auto value = cookie.substr(0, cookie.find(';'));
    EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
    EXPECT_EQ(client.get("/me", {{"Cookie", value}}).json()["name"], "Ada");
    auto form = client.post("/login", "name=Grace", "application/x-www-form-urlencoded");
    EXPECT_EQ(form.json()["name"], "Grace");
    auto logout = client.post("/logout", "", "text/plain", {{"Cookie", value}});
    EXPECT_NE(logout.header("Set-Cookie").find("Max-Age=0"), std::string_view::npos);
    EXPECT_EQ(client.get("/me").status, 401);
}

TEST_F(Demo, NotesValidation) {
    TestServer server(app);
    TestClient client(server);
    auto malformed = client.post("/api/notes", "{oops", "application/json");
    EXPECT_EQ(malformed.status, 400);
    EXPECT_EQ(malformed.header("Content-Type"), "application/json");
    EXPECT_EQ(client.post("/api/notes", "[1,2]", "application/json").status, 422);
    auto missing = client.post_json("/api/notes", {{"body", "no title"}});
    EXPECT_EQ(missing.status, 422);
    EXPECT_EQ(missing.json()["fields"]["title"], "required");
    auto wrong = client.post_json("/api/notes", {{"title", 5}});
    EXPECT_EQ(wrong.json()["fields"]["title"], "must be a string");
    auto too_long = client.post_json("/api/notes", {{"title", std::string(201, 'x')}});
    EXPECT_EQ(too_long.status, 422);
    EXPECT_EQ(client.get("/api/notes").json(), json::array());  // nothing was stored
}

}  // namespace
