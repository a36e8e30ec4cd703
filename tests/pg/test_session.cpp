#include <asiohttp/pg_session.hpp>
#include <asiohttp/session.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "test_support.hpp"

namespace {

// A browser's cookie jar for one cookie: remembers what Set-Cookie says.
struct Jar {
    std::string name, value;
    void update(const ClientResponse& r) {
        for (auto line : r.headers.getall("Set-Cookie")) {
            if (!line.starts_with(name + "=")) continue;
            auto v = line.substr(name.size() + 1);
            value = std::string(v.substr(0, v.find(';')));
            if (line.find("Max-Age=0") != std::string_view::npos) value.clear();
        }
    }
    asiohttp::CIMultiDict headers() const {
        if (value.empty()) return {};
        return {{"Cookie", name + "=" + value}};
    }
};

void add_routes(web::Application& app) {
    app.router().add_get("/count", [](web::Request& req) -> awaitable<web::Response> {
        auto s = co_await web::get_session(req);
        auto n = s->get("n", 0).get<int>() + 1;
        s->set("n", n);
        co_return web::json_response({{"n", n}, {"new", s->is_new()}});
    });
    app.router().add_get("/peek", [](web::Request& req) -> awaitable<web::Response> {
        auto s = co_await web::get_session(req);  // read only: nothing is saved
        co_return web::json_response({{"n", s->get("n", 0)}, {"new", s->is_new()}});
    });
    app.router().add_post("/login", [](web::Request& req) -> awaitable<web::Response> {
        auto s = co_await web::new_session(req);
        s->set("user", "ann");
        throw web::HTTPFound("/me");  // the cookie must survive the redirect
    });
    app.router().add_get("/me", [](web::Request& req) -> awaitable<web::Response> {
        auto s = co_await web::get_session(req);
        co_return web::json_response({{"user", s->get("user")}});
    });
    app.router().add_get("/dump", [](web::Request& req) -> awaitable<web::Response> {
        co_return web::json_response((co_await web::get_session(req))->data());
    });
    app.router().add_post("/logout", [](web::Request& req) -> awaitable<web::Response> {
        (co_await web::get_session(req))->invalidate();
        co_return web::Response::text("bye");
    });
}

std::shared_ptr<asiohttp::pg::PostgresStorage> make_pg_storage(web::SessionCookie cookie) {
    const char* url = std::getenv("ASIOHTTP_TEST_DATABASE_URL");
    if (!url || !*url) throw std::runtime_error("ASIOHTTP_TEST_DATABASE_URL is not set: run tests/run-all.sh");
    auto pool = std::make_shared<asiohttp::pg::Pool>(asiohttp::pg::PoolConfig{.dsn = url, .max_size = 4});
    auto storage = std::make_shared<asiohttp::pg::PostgresStorage>(pool, std::move(cookie));
    asio::io_context ioc;
    auto done = asio::co_spawn(ioc, storage->create_table(), asio::use_future);
    ioc.run();
    done.get();
    return storage;
}

// The routes above behind the storage under test, and a client with a cookie jar.
template <class Storage>
struct SessionTest : ::testing::Test {
    web::SessionCookie cookie;
    web::Application app;
    std::unique_ptr<TestServer> server;
    std::unique_ptr<TestClient> client;
    Jar jar{"AIOHTTP_SESSION", ""};

    void start() {
        if constexpr (std::is_same_v<Storage, web::EncryptedCookieStorage>)
            web::setup_sessions(app, std::make_shared<Storage>(web::generate_session_key(), cookie));
        else if constexpr (std::is_same_v<Storage, asiohttp::pg::PostgresStorage>)
            web::setup_sessions(app, make_pg_storage(cookie));
        else
            web::setup_sessions(app, std::make_shared<Storage>(cookie));
        add_routes(app);
        server = std::make_unique<TestServer>(app);
        client = std::make_unique<TestClient>(*server);
    }
    // A request with the jar's cookie; the jar keeps what comes back.
    ClientResponse get(std::string_view target) {
        auto r = client->get(target, jar.headers());
        jar.update(r);
        return r;
    }
    ClientResponse post(std::string_view target) {
        auto r = client->post(target, "", "text/plain", jar.headers());
        jar.update(r);
        return r;
    }
    // A request with an arbitrary session cookie value.
    ClientResponse get_with(std::string_view target, const std::string& value) {
        return client->get(target, {{"Cookie", "AIOHTTP_SESSION=" + value}});
    }
};

using Storages = ::testing::Types<web::EncryptedCookieStorage, web::MemoryStorage, asiohttp::pg::PostgresStorage>;
TYPED_TEST_SUITE(SessionTest, Storages);

TYPED_TEST(SessionTest, RoundTrip) {
    this->start();
    for (int i = 1; i <= 3; ++i) {
        auto r = this->get("/count");
        EXPECT_EQ(r.json()["n"], i);
        EXPECT_EQ(r.json()["new"], i == 1);
    }
    auto peek = this->get("/peek");
    EXPECT_EQ(peek.json()["n"], 3);
    EXPECT_TRUE(peek.headers.getall("Set-Cookie").empty());  // unchanged sessions are not re-sent
}

TYPED_TEST(SessionTest, TamperedOrTruncatedCookieGivesAFreshSession) {
    this->start();
    this->get("/count");
    this->get("/count");
    auto good = this->jar.value;
    for (std::string bad : {good.substr(0, good.size() / 2), good + "x", std::string("garbage!"), std::string()}) {
        if (!bad.empty() && bad != good) bad[bad.size() / 2] = bad[bad.size() / 2] == 'A' ? 'B' : 'A';
        auto r = this->get_with("/peek", bad);
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.json()["n"], 0) << bad;
        EXPECT_EQ(r.json()["new"], true);
    }
    EXPECT_EQ(this->get("/peek").json()["n"], 2);  // the real one still works
}

TYPED_TEST(SessionTest, ExpiresAfterMaxAge) {
    this->cookie.max_age = std::chrono::seconds(1);
    this->start();
    auto first = this->get("/count");
    EXPECT_NE(first.header("Set-Cookie").find("Max-Age=1"), std::string_view::npos);
    EXPECT_EQ(this->get("/peek").json()["n"], 1);
    std::this_thread::sleep_for(2100ms);  // whole seconds: created + 1 <= now
    EXPECT_EQ(this->get("/peek").json()["new"], true);
}

TYPED_TEST(SessionTest, LoginRotatesTheSessionAndLogoutInvalidatesIt) {
    this->start();
    this->get("/count");
    auto before = this->jar.value;
    EXPECT_EQ(this->post("/login").status, 302);
    EXPECT_NE(this->jar.value, before);
    EXPECT_EQ(this->get("/me").json()["user"], "ann");
    EXPECT_EQ(this->get("/peek").json()["n"], 0);  // nothing of the old session came along
    if constexpr (!std::is_same_v<TypeParam, web::EncryptedCookieStorage>) {
        // the pre-login id is dead: a fixed session id is worth nothing
        EXPECT_EQ(this->get_with("/peek", before).json()["new"], true);
    }
    auto old_cookie = this->jar.value;
    auto logout = this->post("/logout");
    EXPECT_NE(logout.header("Set-Cookie").find("Max-Age=0"), std::string_view::npos);
    EXPECT_TRUE(this->jar.value.empty());
    if constexpr (!std::is_same_v<TypeParam, web::EncryptedCookieStorage>) {
        EXPECT_EQ(this->get_with("/me", old_cookie).json()["user"], nullptr);
    }
}

// A middleware added before setup_sessions (outside it, in aiohttp's onion)
// that signs the user in still has the session saved: saving follows the
// answer, not the middleware order.
TEST(Session, AMiddlewareOutsideTheSessionsChangesTheSession) {
    web::Application app;
    app.add_middleware([](web::Request& req, web::Next next) -> awaitable<web::Response> {
        auto resp = co_await next(req);
        if (auto user = req.headers().get("X-Sign-In")) (co_await web::get_session(req))->set("user", std::string(*user));
        co_return resp;
    });
    web::setup_sessions(app, std::make_shared<web::MemoryStorage>());
    add_routes(app);
    TestServer server(app);
    TestClient client(server);
    Jar jar{"AIOHTTP_SESSION", ""};
    jar.update(client.get("/peek", {{"X-Sign-In", "bob"}}));
    ASSERT_FALSE(jar.value.empty());
    EXPECT_EQ(client.get("/me", jar.headers()).json()["user"], "bob");
}

TEST(Session, ConcurrentRequestsOfOneSessionKeepBothWritesInPostgres) {
    web::Application app;
    web::setup_sessions(app, make_pg_storage({}));
    add_routes(app);
    app.router().add_get("/slow-set/{key}", [](web::Request& req) -> awaitable<web::Response> {
        auto s = co_await web::get_session(req);  // both load the same old data...
        co_await async_sleep(200ms);
        s->set(req.match_info("key"), true);      // ...and each writes its own key
        co_return web::Response::text("ok");
    });
    TestServer server(app);
    TestClient a(server), b(server);
    Jar jar{"AIOHTTP_SESSION", ""};
    jar.update(a.get("/count"));
    a.send_raw("GET /slow-set/first HTTP/1.1\r\nHost: x\r\nCookie: AIOHTTP_SESSION=" + jar.value + "\r\n\r\n");
    b.send_raw("GET /slow-set/second HTTP/1.1\r\nHost: x\r\nCookie: AIOHTTP_SESSION=" + jar.value + "\r\n\r\n");
    EXPECT_EQ(a.read_response().body, "ok");
    EXPECT_EQ(b.read_response().body, "ok");
    auto data = TestClient(server).get("/dump", jar.headers()).json();
    EXPECT_EQ(data, json::parse(R"({"n":1,"first":true,"second":true})"));  // no write lost
}

TEST(Session, CookieAttributes) {
    web::Application app;
    web::setup_sessions(app, std::make_shared<web::MemoryStorage>(web::SessionCookie{
                                 .name = "sid", .domain = "example.org", .path = "/app",
                                 .max_age = std::chrono::seconds(600), .secure = true, .samesite = "Strict"}));
    add_routes(app);
    TestServer server(app);
    TestClient client(server);
    auto line = std::string(client.get("/count").header("Set-Cookie"));
    EXPECT_TRUE(line.starts_with("sid=")) << line;
    for (auto attr : {"; Domain=example.org", "; Max-Age=600", "; Path=/app", "; SameSite=Strict", "; Secure", "; HttpOnly"})
        EXPECT_NE(line.find(attr), std::string::npos) << attr << " in " << line;
}

TEST(Session, KeyMustBe32Bytes) {
    EXPECT_THROW(web::EncryptedCookieStorage("short"), std::invalid_argument);
    web::EncryptedCookieStorage a(web::generate_session_key()), b(web::generate_session_key());
    auto sealed = a.seal("secret");
    EXPECT_EQ(a.open(sealed), "secret");
    EXPECT_FALSE(b.open(sealed));  // another key cannot read it
    EXPECT_EQ(sealed.find("secret"), std::string::npos);
}

}  // namespace
