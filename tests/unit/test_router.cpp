// Route paths and resolution, without a server.
#include "test_support.hpp"
#include "web/path_pattern.hpp"

namespace {

using asiohttp::MultiDict;
using asiohttp::detail::PathPattern;

TEST(PathPattern, VariablesMatchOneSegment) {
    auto p = PathPattern::parse("/users/{id}/posts/{post}");
    EXPECT_FALSE(p.regex.has_value());  // plain segments need no regex
    MultiDict v;
    ASSERT_TRUE(p.match("/users/ann/posts/12", v));
    EXPECT_EQ(v.get("id"), "ann");
    EXPECT_EQ(v.get("post"), "12");
    MultiDict none;
    EXPECT_FALSE(p.match("/users//posts/12", none));
    EXPECT_FALSE(p.match("/users/ann/posts/12/more", none));
    EXPECT_FALSE(p.match("/users/a/b/posts/12", none));
}

TEST(PathPattern, CustomRegexAndTextAfterAVariable) {
    auto p = PathPattern::parse(R"(/notes/{id:\d+})");
    ASSERT_TRUE(p.regex.has_value());
    MultiDict v;
    EXPECT_TRUE(p.match("/notes/42", v));
    EXPECT_EQ(v.get("id"), "42");
    MultiDict w;
    EXPECT_FALSE(p.match("/notes/4x", w));

    auto file = PathPattern::parse("/files/{name}.{ext}");
    MultiDict f;
    ASSERT_TRUE(file.match("/files/report.pdf", f));
    EXPECT_EQ(f.get("name"), "report");
    EXPECT_EQ(f.get("ext"), "pdf");

    auto braces = PathPattern::parse(R"(/v/{n:\d{2}})");  // braces inside the regex
    MultiDict b;
    EXPECT_TRUE(braces.match("/v/12", b));
    MultiDict c;
    EXPECT_FALSE(braces.match("/v/123", c));
}

TEST(PathPattern, FormatEncodesValuesAndBadPatternsThrow) {
    auto p = PathPattern::parse("/users/{id}");
    EXPECT_EQ(p.format({{"id", "a b/c"}}), "/users/a%20b%2Fc");
    EXPECT_THROW(p.format({}), std::invalid_argument);
    EXPECT_THROW(PathPattern::parse("/x/{}"), std::invalid_argument);
    EXPECT_THROW(PathPattern::parse("/x/{id"), std::invalid_argument);
}

awaitable<web::Response> ok(web::Request&) { co_return web::Response::text("ok"); }

TEST(Router, ResolveFindsPlainThenDynamicAndTellsAllowedMethods) {
    web::Application app;
    auto& r = app.router();
    r.add_get("/notes/new", ok, {.name = "new"});
    r.add_get(R"(/notes/{id:\d+})", ok, {.name = "note"});
    r.add_delete(R"(/notes/{id:\d+})", ok);
    r.add_post("/notes", ok);
    auto& admin = app.add_subapp("/admin");
    admin.router().add_get("/users/{name}", ok, {.name = "user"});
    app.freeze();

    asiohttp::web::MatchInfo match;
    std::vector<std::string> allowed;
    auto* route = r.resolve("GET", "/notes/new", match, allowed);
    ASSERT_NE(route, nullptr);
    EXPECT_EQ(route->resource().name(), "new");

    asiohttp::web::MatchInfo m2;
    route = r.resolve("DELETE", "/notes/7", m2, allowed);
    ASSERT_NE(route, nullptr);
    EXPECT_EQ(route->method(), "DELETE");
    EXPECT_EQ(m2.get("id"), "7");

    asiohttp::web::MatchInfo m3;
    auto* head = r.resolve("HEAD", "/notes/7", m3, allowed);  // add_get answers HEAD too
    ASSERT_NE(head, nullptr);
    EXPECT_EQ(head->method(), "HEAD");

    asiohttp::web::MatchInfo m4;
    allowed.clear();
    EXPECT_EQ(r.resolve("PUT", "/notes/7", m4, allowed), nullptr);
    std::sort(allowed.begin(), allowed.end());
    EXPECT_EQ(allowed, (std::vector<std::string>{"DELETE", "GET", "HEAD"}));  // a 405 with Allow

    asiohttp::web::MatchInfo m5;
    allowed.clear();
    EXPECT_EQ(r.resolve("GET", "/nothing", m5, allowed), nullptr);
    EXPECT_TRUE(allowed.empty());  // a 404

    asiohttp::web::MatchInfo m6;
    route = r.resolve("GET", "/admin/users/ann", m6, allowed);
    ASSERT_NE(route, nullptr);
    EXPECT_EQ(&route->app(), &admin);
    EXPECT_EQ(m6.get("name"), "ann");

    EXPECT_EQ(r.url_for("note", {{"id", "7"}}, {{"full", "1"}}), "/notes/7?full=1");
    EXPECT_EQ(admin.router().url_for("user", {{"name", "ann"}}), "/admin/users/ann");
    EXPECT_THROW(r.named("nope"), std::out_of_range);
}

TEST(Router, DuplicateRoutesAndChangesAfterFreezeAreRefused) {
    web::Application app;
    app.router().add_get("/a", ok);
    EXPECT_THROW(app.router().add_get("/a", ok), std::exception);
    app.freeze();
    EXPECT_THROW(app.router().add_get("/b", ok), std::logic_error);
}

}  // namespace
