#include <asiohttp/middleware/normalize_path.hpp>

#include "test_support.hpp"

namespace mw = asiohttp::middleware;

namespace {

web::Application& routes(web::Application& app) {
    app.router().add_get("/users/", text_handler("users"));
    app.router().add_get("/about", text_handler("about"));
    app.router().add_post("/submit/", text_handler("submitted"));
    return app;
}

TEST(NormalizePath, AppendsSlashesAndMergesThemWithAPermanentRedirect) {
    web::Application app;
    app.add_middleware(mw::normalize_path());
    TestServer server(routes(app));
    TestClient client(server);
    auto r = client.get("/users?page=2");
    EXPECT_EQ(r.status, 308);
    EXPECT_EQ(r.header("Location"), "/users/?page=2");
    EXPECT_EQ(client.get("//users//").header("Location"), "/users/");
    EXPECT_EQ(client.get("//about").header("Location"), "/about");
    EXPECT_EQ(client.post("/submit", "x").header("Location"), "/submit/");  // 308 keeps the POST
    EXPECT_EQ(client.get("/users/").body, "users");                         // matching paths untouched
    EXPECT_EQ(client.get("/nowhere").status, 404);                          // nothing to normalize to
    EXPECT_EQ(client.get("/about/").status, 404);                           // no slash removal by default
}

TEST(NormalizePath, RemovesSlashesWhenAsked) {
    web::Application app;
    app.add_middleware(mw::normalize_path({.append_slash = false, .remove_slash = true, .redirect_status = 301}));
    TestServer server(routes(app));
    TestClient client(server);
    auto r = client.get("/about/");
    EXPECT_EQ(r.status, 301);
    EXPECT_EQ(r.header("Location"), "/about");
    EXPECT_EQ(client.get("/users").status, 404);
    EXPECT_THROW(mw::normalize_path({.append_slash = true, .remove_slash = true}), std::invalid_argument);
}

}  // namespace
