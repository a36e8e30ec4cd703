#include <fstream>

#include "test_support.hpp"

namespace {

awaitable<web::Response> echo_match(web::Request& req) {
    json j = json::object();
    for (auto& [k, v] : req.match_info().values()) j[k] = v;
    j["route"] = std::string(req.match_info().route()->resource().canonical());
    co_return web::json_response(j);
}

TEST(Router, PlainPathsBeatVariablesWhateverTheOrder) {
    web::Application app;
    app.router().add_get("/users/{id}", echo_match);
    app.router().add_get("/users/me", text_handler("me"));
    TestServer server(app);
    TestClient client(server);
    EXPECT_EQ(client.get("/users/me").body, "me");
    auto r = client.get("/users/42");
    EXPECT_EQ(r.json()["id"], "42");
    EXPECT_EQ(r.json()["route"], "/users/{id}");
}

TEST(Router, VariablesWithRegexAndFirstMatchWins) {
    web::Application app;
    app.router().add_get(R"(/items/{id:\d+})", text_handler("number"));
    app.router().add_get("/items/{slug}", text_handler("slug"));
    app.router().add_get("/files/{name}.{ext}", echo_match);
    app.router().add_get("/tail/{rest:.*}", echo_match);
    TestServer server(app);
    TestClient client(server);
    EXPECT_EQ(client.get("/items/123").body, "number");
    EXPECT_EQ(client.get("/items/abc").body, "slug");
    EXPECT_EQ(client.get("/items/").status, 404);  // a variable never matches an empty segment
    auto f = client.get("/files/report.tar.gz").json();
    EXPECT_EQ(f["name"], "report.tar");
    EXPECT_EQ(f["ext"], "gz");
    EXPECT_EQ(client.get("/tail/a/b/c").json()["rest"], "a/b/c");
}

TEST(Router, MatchValuesAreDecoded) {
    web::Application app;
    app.router().add_get("/hello/{name}", echo_match);
    TestServer server(app);
    TestClient client(server);
    EXPECT_EQ(client.get("/hello/J%C3%BCrgen%20X").json()["name"], "J\xC3\xBCrgen X");
}

TEST(Router, NotFoundAndMethodNotAllowedWithAllow) {
    web::Application app;
    app.router().add_get("/thing", text_handler("get"));
    app.router().add_post("/thing", text_handler("post"));
    TestServer server(app);
    TestClient client(server);
    EXPECT_EQ(client.get("/nothing").status, 404);
    auto r = client.request("PUT", "/thing", "x");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.header("Allow"), "GET, HEAD, POST");
    EXPECT_EQ(client.post("/thing", "").body, "post");
}

TEST(Router, HeadIsAnsweredForGetRoutesWithoutABody) {
    web::Application app;
    app.router().add_get("/page", text_handler("twelve bytes"));
    app.router().add_get("/nohead", text_handler("x"), {.allow_head = false});
    TestServer server(app);
    TestClient client(server);
    auto r = client.head("/page");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Length"), "12");
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(client.get("/page").body, "twelve bytes");  // the connection is still in sync
    EXPECT_EQ(client.head("/nohead").status, 405);
}

TEST(Router, AnyMethodRoute) {
    web::Application app;
    app.router().add_route("*", "/any", [](web::Request& req) -> awaitable<web::Response> {
        co_return web::Response::text(std::string(req.method()));
    });
    TestServer server(app);
    TestClient client(server);
    EXPECT_EQ(client.request("PATCH", "/any", "x").body, "PATCH");
    EXPECT_EQ(client.del("/any").body, "DELETE");
}

TEST(Router, UrlForBuildsEncodedUrls) {
    web::Application app;
    app.router().add_get("/users/{id}", echo_match, {.name = "user"});
    app.router().add_get("/about", text_handler(""), {.name = "about"});
    EXPECT_EQ(app.router().url_for("user", {{"id", "a b/c"}}), "/users/a%20b%2Fc");
    EXPECT_EQ(app.router().url_for("about", {}, {{"q", "x y"}, {"q", "&"}}), "/about?q=x%20y&q=%26");
    EXPECT_THROW(app.router().url_for("missing"), std::out_of_range);
    EXPECT_THROW(app.router().url_for("user"), std::invalid_argument);
}

TEST(Router, DuplicatesAndBadPathsAreRefused) {
    web::Application app;
    app.router().add_get("/a", text_handler(""), {.name = "a"});
    EXPECT_THROW(app.router().add_get("/a", text_handler("")), std::invalid_argument);
    EXPECT_THROW(app.router().add_get("/b", text_handler(""), {.name = "a"}), std::invalid_argument);
    EXPECT_THROW(app.router().add_get("no-slash", text_handler("")), std::invalid_argument);
    EXPECT_THROW(app.router().add_get("/x/{unclosed", text_handler("")), std::invalid_argument);
}

TEST(Router, SubApplicationsResolveUnderTheirPrefix) {
    web::Application app;
    app.router().add_get("/", text_handler("root"));
    auto& admin = app.add_subapp("/admin");
    admin.router().add_get("/users/{id}", echo_match, {.name = "admin-user"});
    admin.router().add_get("/", text_handler("admin index"));
    TestServer server(app);
    TestClient client(server);
    EXPECT_EQ(client.get("/").body, "root");
    EXPECT_EQ(client.get("/admin/").body, "admin index");
    EXPECT_EQ(client.get("/admin/users/7").json()["id"], "7");
    EXPECT_EQ(client.get("/adminx/users/7").status, 404);
    EXPECT_EQ(admin.router().url_for("admin-user", {{"id", "7"}}), "/admin/users/7");
}

class StaticFiles : public ::testing::Test {
protected:
    void SetUp() override {
        root = std::filesystem::temp_directory_path() / ("asiohttp-static-" + std::to_string(::getpid()));
        std::filesystem::create_directories(root / "public" / "sub");
        std::ofstream(root / "public" / "hello.txt") << "hello file";
        std::ofstream(root / "public" / "sub" / "page.html") << "<p>page</p>";
        std::ofstream(root / "secret.txt") << "top secret";
        std::filesystem::create_symlink(root / "secret.txt", root / "public" / "link.txt");
        std::filesystem::create_symlink(root / "public" / "hello.txt", root / "public" / "inside.txt");
        std::filesystem::create_symlink("../hello.txt", root / "public" / "sub" / "up.txt");
    }
    void TearDown() override { std::filesystem::remove_all(root); }
    std::filesystem::path root;
};

TEST_F(StaticFiles, ServesFilesWithTypes) {
    web::Application app;
    app.router().add_static("/static", root / "public", {.name = "static"});
    TestServer server(app);
    TestClient client(server);
    auto r = client.get("/static/hello.txt");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello file");
    EXPECT_EQ(r.header("Content-Type"), "text/plain");
    auto page = client.get("/static/sub/page.html");
    EXPECT_EQ(page.body, "<p>page</p>");
    EXPECT_EQ(page.header("Content-Type"), "text/html");
    EXPECT_EQ(client.get("/static/missing.txt").status, 404);
    EXPECT_EQ(client.get("/static/sub").status, 403);  // no directory listings unless asked
    EXPECT_EQ(app.router().url_for("static", {{"filename", "sub/page.html"}}), "/static/sub/page.html");
}

TEST_F(StaticFiles, DirectoryIndexWhenAsked) {
    web::Application app;
    app.router().add_static("/files", root / "public", {.show_index = true});
    TestServer server(app);
    TestClient client(server);
    auto r = client.get("/files/sub");
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find(R"(<a href="/files/sub/page.html">page.html</a>)"), std::string::npos) << r.body;
}

TEST_F(StaticFiles, TraversalIsRefused) {
    web::Application app;
    app.router().add_static("/static", root / "public");
    TestServer server(app);
    TestClient client(server);
    for (auto target : {"/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static/sub/../../secret.txt",
                        "/static/%2E%2E%2Fsecret.txt", "/static//etc/passwd", "/static/link.txt"}) {
        auto r = client.get(target);
        EXPECT_EQ(r.status, 404) << target;
        EXPECT_EQ(r.body.find("top secret"), std::string::npos) << target;
    }
    // Symlinks that stay inside the root are followed, absolute or relative.
    EXPECT_EQ(client.get("/static/inside.txt").body, "hello file");
    EXPECT_EQ(client.get("/static/sub/up.txt").body, "hello file");
}

}  // namespace

namespace {

// A view answers the methods it declares, nothing else; each request gets its own.
struct NoteView : web::View {
    using View::View;
    awaitable<web::Response> get() {
        co_return web::Response::text("note " + std::string(request().match_info("id")) + " #" + std::to_string(++made));
    }
    awaitable<web::Response> post() { co_return web::Response::text("updated", 201); }
    awaitable<web::Response> del() { co_return web::Response(204); }
    int made = 0;  // 1 in every response: a fresh view per request
};

awaitable<web::Response> index_handler(web::Request&) { co_return web::Response::text("index"); }

}  // namespace

TEST(Router, ClassBasedViewsAnswerTheirMethodsAnd405TheRest) {
    web::Application app;
    app.router().add_view<NoteView>("/notes/{id}", {.name = "note"});
    TestServer server(app);
    TestClient client(server);
    EXPECT_EQ(client.get("/notes/7").body, "note 7 #1");
    EXPECT_EQ(client.get("/notes/8").body, "note 8 #1");
    EXPECT_EQ(client.head("/notes/7").status, 200);
    EXPECT_EQ(client.post("/notes/7", "x").status, 201);
    EXPECT_EQ(client.del("/notes/7").status, 204);
    auto put = client.put("/notes/7", "x");
    EXPECT_EQ(put.status, 405);
    EXPECT_EQ(put.header("Allow"), "GET, HEAD, POST, DELETE");
    EXPECT_EQ(app.router().url_for("note", {{"id", "3"}}), "/notes/3");
}

TEST(Router, ARouteTableAddsItsRoutesInOrder) {
    web::RouteTableDef routes;
    routes.get("/", index_handler, {.name = "index"})
        .post("/echo", [](web::Request& req) -> awaitable<web::Response> {
            auto body = co_await req.read();
            co_return web::Response::text(std::string(body));
        })
        .get("/no-head", index_handler, {.allow_head = false})
        .view<NoteView>("/notes/{id}");
    EXPECT_EQ(routes.entries().size(), 6u);  // GET, POST, GET, and the view's GET, POST, DELETE
    web::Application app;
    app.router().add_routes(routes);
    TestServer server(app);
    TestClient client(server);
    EXPECT_EQ(client.get("/").body, "index");
    EXPECT_EQ(client.head("/").status, 200);
    EXPECT_EQ(client.post("/echo", "hi").body, "hi");
    EXPECT_EQ(client.head("/no-head").status, 405);
    EXPECT_EQ(client.get("/notes/1").body, "note 1 #1");
    EXPECT_EQ(client.put("/notes/1", "x").header("Allow"), "GET, HEAD, POST, DELETE");
    EXPECT_EQ(app.router().url_for("index"), "/");
}
