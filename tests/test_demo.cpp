// The demo's endpoints are a public contract: paths, statuses and shapes.
#include "demo_app.hpp"
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

TEST_F(Demo, NotesCrud) {
    TestServer server(app);
    TestClient client(server);
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
