#include <asiohttp/middleware/cors.hpp>
#include <asiohttp/middleware/normalize_path.hpp>
#include <asiohttp/middleware/rate_limit.hpp>
#include <asiohttp/middleware/security_headers.hpp>

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

// --- CORS ---

web::Application& api(web::Application& app, mw::CorsOptions options) {
    app.add_middleware(mw::cors(std::move(options)));
    app.router().add_get("/api/notes", text_handler("notes"));
    app.router().add_post("/api/notes", text_handler("created"));
    app.router().add_get("/api/missing-note", [](web::Request&) -> awaitable<web::Response> {
        throw web::HTTPNotFound("no such note");
    });
    app.router().add_get("/page", text_handler("page"));
    return app;
}

asiohttp::CIMultiDict preflight_headers(std::string_view origin, std::string_view method, std::string_view headers = {}) {
    asiohttp::CIMultiDict h{{"Origin", origin}, {"Access-Control-Request-Method", method}};
    if (!headers.empty()) h.add("Access-Control-Request-Headers", headers);
    return h;
}

TEST(Cors, APreflightIsAnsweredFromTheRoutesWithoutAnOptionsRoute) {
    web::Application app;
    TestServer server(api(app, {.allow_origins = {"https://app.example"}, .allow_headers = {"Content-Type"},
                                .max_age = std::chrono::seconds(300), .path_prefix = "/api/"}));
    TestClient client(server);
    auto r = client.request("OPTIONS", "/api/notes", {},
                            preflight_headers("https://app.example", "POST", "content-type"));
    EXPECT_EQ(r.status, 204);
    EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "https://app.example");
    EXPECT_EQ(r.header("Access-Control-Allow-Methods"), "POST");
    EXPECT_EQ(r.header("Access-Control-Allow-Headers"), "content-type");
    EXPECT_EQ(r.header("Access-Control-Max-Age"), "300");
    EXPECT_EQ(r.header("Vary"), "Origin");
    EXPECT_EQ(r.headers.contains("Access-Control-Allow-Credentials"), false);

    // A missing route is a 404, a method the path does not take or a header not
    // allowed a 403 that says which, a foreign origin a 403: no grant in any.
    auto missing = client.request("OPTIONS", "/api/nothing", {}, preflight_headers("https://app.example", "GET"));
    EXPECT_EQ(missing.status, 404);
    auto method = client.request("OPTIONS", "/api/notes", {}, preflight_headers("https://app.example", "DELETE"));
    EXPECT_EQ(method.status, 403);
    EXPECT_NE(method.body.find("method 'DELETE'"), std::string::npos) << method.body;
    auto header = client.request("OPTIONS", "/api/notes", {},
                                 preflight_headers("https://app.example", "POST", "Content-Type, X-Secret"));
    EXPECT_EQ(header.status, 403);
    EXPECT_NE(header.body.find("'X-Secret'"), std::string::npos) << header.body;
    auto foreign = client.request("OPTIONS", "/api/notes", {}, preflight_headers("https://evil.example", "GET"));
    EXPECT_EQ(foreign.status, 403);
    for (auto* refused : {&missing, &method, &header, &foreign}) {
        EXPECT_FALSE(refused->headers.contains("Access-Control-Allow-Origin")) << refused->status;
        EXPECT_EQ(refused->header("Vary"), "Origin");
    }
    // Outside the prefix, or without Origin, an OPTIONS is the router's: 405.
    EXPECT_EQ(client.request("OPTIONS", "/page", {}, preflight_headers("https://app.example", "GET")).status, 405);
    EXPECT_EQ(client.request("OPTIONS", "/api/notes").status, 405);
}

TEST(Cors, ResponsesToAnAllowedOriginCarryTheGrantErrorsIncluded) {
    web::Application app;
    TestServer server(api(app, {.allow_origins = {"https://app.example"},
                                .allow_origin_if = [](std::string_view o) { return o.ends_with(".app.example"); },
                                .expose_headers = {"X-Total", "ETag"},
                                .allow_credentials = true,
                                .path_prefix = "/api/"}));
    TestClient client(server);
    auto r = client.get("/api/notes", {{"Origin", "https://app.example"}});
    EXPECT_EQ(r.body, "notes");
    EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "https://app.example");
    EXPECT_EQ(r.header("Access-Control-Allow-Credentials"), "true");
    EXPECT_EQ(r.header("Access-Control-Expose-Headers"), "X-Total, ETag");
    EXPECT_EQ(r.header("Vary"), "Origin");
    // The predicate, for origins the list does not name.
    EXPECT_EQ(client.get("/api/notes", {{"Origin", "https://eu.app.example"}}).header("Access-Control-Allow-Origin"),
              "https://eu.app.example");
    // A handler's HTTP error carries the grant, so the page can read it.
    auto error = client.get("/api/missing-note", {{"Origin", "https://app.example"}});
    EXPECT_EQ(error.status, 404);
    EXPECT_EQ(error.body, "no such note");
    EXPECT_EQ(error.header("Access-Control-Allow-Origin"), "https://app.example");
    // A foreign origin is served (CORS is enforced by browsers) without a grant.
    auto foreign = client.get("/api/notes", {{"Origin", "https://evil.example"}});
    EXPECT_EQ(foreign.body, "notes");
    EXPECT_FALSE(foreign.headers.contains("Access-Control-Allow-Origin"));
    EXPECT_EQ(foreign.header("Vary"), "Origin");
    // No Origin, or outside the prefix: untouched.
    EXPECT_FALSE(client.get("/api/notes").headers.contains("Vary"));
    EXPECT_FALSE(client.get("/page", {{"Origin", "https://app.example"}}).headers.contains("Access-Control-Allow-Origin"));
}

// An event stream is prepared by its handler, before any middleware sees a
// response: the grant and the security headers reach it all the same.
TEST(Cors, AStreamedResponseCarriesTheGrantAndTheSecurityHeaders) {
    web::Application app;
    app.add_middleware(mw::security_headers({}));
    api(app, {.allow_origins = {"https://app.example"}, .path_prefix = "/api/"});
    app.router().add_get("/api/events", [](web::Request& req) -> awaitable<web::Response> {
        web::StreamResponse resp;
        resp.set_content_type("text/event-stream");
        co_await resp.prepare(req);
        co_await resp.write("data: hello\n\n");
        co_await resp.write_eof();
        co_return resp;
    });
    TestServer server(app);
    TestClient client(server);
    auto r = client.get("/api/events", {{"Origin", "https://app.example"}});
    EXPECT_EQ(r.body, "data: hello\n\n");
    EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "https://app.example");
    EXPECT_EQ(r.header("Vary"), "Origin");
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
    // A whole response is decorated once, not again as it is prepared.
    auto whole = client.get("/api/notes", {{"Origin", "https://app.example"}});
    EXPECT_EQ(whole.headers.getall("Access-Control-Allow-Origin").size(), 1u);
    EXPECT_EQ(whole.headers.getall("Vary").size(), 1u);
}

TEST(Cors, AnyOriginIsAStarUnlessCredentialsAreAllowed) {
    web::Application star_app;
    TestServer star(api(star_app, {.allow_origins = {"*"}, .allow_headers = {"*"}}));
    TestClient a(star);
    auto r = a.get("/api/notes", {{"Origin", "https://anyone.example"}});
    EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "*");
    EXPECT_FALSE(r.headers.contains("Vary"));  // the same answer for every origin
    EXPECT_EQ(a.request("OPTIONS", "/api/notes", {}, preflight_headers("https://x.example", "GET", "X-Anything"))
                  .header("Access-Control-Allow-Headers"),
              "X-Anything");

    web::Application credentials_app;
    TestServer with_credentials(api(credentials_app, {.allow_origins = {"*"}, .allow_credentials = true}));
    TestClient b(with_credentials);
    auto c = b.get("/api/notes", {{"Origin", "https://anyone.example"}});
    EXPECT_EQ(c.header("Access-Control-Allow-Origin"), "https://anyone.example");  // "*" is refused with credentials
    EXPECT_EQ(c.header("Vary"), "Origin");

    EXPECT_THROW(mw::cors({}), std::invalid_argument);
    EXPECT_THROW(mw::cors({.allow_origins = {"*"}, .path_prefix = "api"}), std::invalid_argument);
}

// --- Security headers ---

TEST(SecurityHeaders, SetOnEveryResponseUnlessTheHandlerSetItsOwn) {
    web::Application app;
    app.add_middleware(mw::security_headers({.content_security_policy = "default-src 'self'"}));
    app.router().add_get("/", text_handler("home"));
    app.router().add_get("/embeddable", [](web::Request&) -> awaitable<web::Response> {
        auto r = web::Response::text("widget");
        r.headers().set("X-Frame-Options", "SAMEORIGIN");
        co_return r;
    });
    app.router().add_get("/missing", [](web::Request&) -> awaitable<web::Response> { throw web::HTTPNotFound(); });
    TestServer server(app);
    TestClient client(server);
    auto r = client.get("/");
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(r.header("X-Frame-Options"), "DENY");
    EXPECT_EQ(r.header("Content-Security-Policy"), "default-src 'self'");
    EXPECT_EQ(r.header("Referrer-Policy"), "strict-origin-when-cross-origin");
    EXPECT_FALSE(r.headers.contains("Strict-Transport-Security"));  // plain HTTP: never
    EXPECT_EQ(client.get("/embeddable").header("X-Frame-Options"), "SAMEORIGIN");
    auto missing = client.get("/missing");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(client.get("/no-route").header("X-Frame-Options"), "DENY");  // the router's own 404 too
}

TEST(SecurityHeaders, HstsOnlyForRequestsThatCameOverTls) {
    web::Application app;
    app.add_middleware(mw::security_headers({.hsts_max_age = std::chrono::hours(24 * 180), .hsts_preload = true,
                                             .frame_options = "", .referrer_policy = ""}));
    app.router().add_get("/", text_handler("home"));
    auto config = TestServer::default_config();
    config.trusted_proxies = {"127.0.0.1"};  // a TLS-terminating proxy in front, as in the compose stack
    TestServer server(app, config);
    TestClient client(server);
    auto secure = client.get("/", {{"X-Forwarded-For", "203.0.113.9"}, {"X-Forwarded-Proto", "https"}});
    EXPECT_EQ(secure.header("Strict-Transport-Security"), "max-age=15552000; includeSubDomains; preload");
    EXPECT_FALSE(secure.headers.contains("X-Frame-Options"));
    EXPECT_FALSE(secure.headers.contains("Referrer-Policy"));
    EXPECT_FALSE(client.get("/").headers.contains("Strict-Transport-Security"));
}

// --- Rate limits ---

// Who a request is from, as a test says it: one connection plays many clients.
std::string client_header(const web::Request& req) { return std::string(req.headers().get("X-Client", "")); }

TEST(RateLimit, ABurstThen429WithRetryAfterThenRefilled) {
    web::Application app;
    app.add_middleware(mw::rate_limit({.rate = 2, .burst = 3, .path_prefix = "/api/"}));
    app.router().add_get("/api/x", text_handler("x"));
    app.router().add_get("/free", text_handler("free"));
    TestServer server(app);
    TestClient client(server);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(client.get("/api/x").status, 200) << i;
    auto refused = client.get("/api/x");
    EXPECT_EQ(refused.status, 429);
    EXPECT_EQ(refused.header("Retry-After"), "1");  // under 1/2 s, rounded up to whole seconds
    EXPECT_EQ(client.get("/free").status, 200);     // outside the prefix: not counted
    // 2 per second: after 1.5 s the bucket is full again (3); a tenth more for slow machines.
    std::this_thread::sleep_for(1650ms);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(client.get("/api/x").status, 200) << i;
    EXPECT_EQ(client.get("/api/x").status, 429);
}

TEST(RateLimit, EachKeyHasItsOwnBucketAndForgottenKeysStartAfresh) {
    web::Application app;
    app.add_middleware(mw::rate_limit({.rate = 0.01, .burst = 1, .key = client_header, .max_keys = 16}));
    app.router().add_get("/", text_handler("ok"));
    TestServer server(app);
    TestClient client(server);
    auto from = [&](const std::string& who) { return client.get("/", {{"X-Client", who}}).status; };
    EXPECT_EQ(from("ann"), 200);
    EXPECT_EQ(from("ann"), 429);  // one request per 100 s
    EXPECT_EQ(from("bob"), 200);  // another key, its own bucket
    EXPECT_EQ(from(""), 200);     // no key: not limited
    EXPECT_EQ(from(""), 200);
    // 400 other clients: only 16 keys are kept, so ann's is forgotten (memory
    // stays bounded) and she starts with a full bucket again.
    for (int i = 0; i < 400; ++i) ASSERT_EQ(from("c" + std::to_string(i)), 200) << i;
    EXPECT_EQ(from("ann"), 200);
    EXPECT_THROW(mw::rate_limit({.rate = 0}), std::invalid_argument);
}

}  // namespace
