#include <asiohttp/session.hpp>

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
    app.router().add_post("/logout", [](web::Request& req) -> awaitable<web::Response> {
        (co_await web::get_session(req))->invalidate();
        co_return web::Response::text("bye");
    });
}

template <class Storage>
struct SessionTest : ::testing::Test {
    std::shared_ptr<Storage> storage;
    web::SessionCookie cookie;
    std::shared_ptr<Storage> make() {
        if constexpr (std::is_same_v<Storage, web::EncryptedCookieStorage>)
            return std::make_shared<Storage>(web::generate_session_key(), cookie);
        else
            return std::make_shared<Storage>(cookie);
    }
};

using Storages = ::testing::Types<web::EncryptedCookieStorage, web::MemoryStorage>;
TYPED_TEST_SUITE(SessionTest, Storages);

TYPED_TEST(SessionTest, RoundTrip) {
    web::Application app;
    web::setup_sessions(app, this->make());
    add_routes(app);
    TestServer server(app);
    TestClient client(server);
    Jar jar{"AIOHTTP_SESSION", ""};
    for (int i = 1; i <= 3; ++i) {
        auto r = client.get("/count", jar.headers());
        jar.update(r);
        EXPECT_EQ(r.json()["n"], i);
        EXPECT_EQ(r.json()["new"], i == 1);
    }
    auto peek = client.get("/peek", jar.headers());
    EXPECT_EQ(peek.json()["n"], 3);
    EXPECT_TRUE(peek.headers.getall("Set-Cookie").empty());  // unchanged sessions are not re-sent
}

TYPED_TEST(SessionTest, TamperedOrTruncatedCookieGivesAFreshSession) {
    web::Application app;
    web::setup_sessions(app, this->make());
    add_routes(app);
    TestServer server(app);
    TestClient client(server);
    Jar jar{"AIOHTTP_SESSION", ""};
    jar.update(client.get("/count", jar.headers()));
    jar.update(client.get("/count", jar.headers()));
    auto good = jar.value;
    for (std::string bad : {good.substr(0, good.size() / 2), good + "x", std::string("garbage!"), std::string()}) {
        if (!bad.empty() && bad != good) bad[bad.size() / 2] = bad[bad.size() / 2] == 'A' ? 'B' : 'A';
        auto r = client.get("/peek", {{"Cookie", "AIOHTTP_SESSION=" + bad}});
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.json()["n"], 0) << bad;
        EXPECT_EQ(r.json()["new"], true);
    }
    EXPECT_EQ(client.get("/peek", jar.headers()).json()["n"], 2);  // the real one still works
}

TYPED_TEST(SessionTest, ExpiresAfterMaxAge) {
    this->cookie.max_age = std::chrono::seconds(1);
    web::Application app;
    web::setup_sessions(app, this->make());
    add_routes(app);
    TestServer server(app);
    TestClient client(server);
    Jar jar{"AIOHTTP_SESSION", ""};
    auto first = client.get("/count", jar.headers());
    jar.update(first);
    EXPECT_NE(first.header("Set-Cookie").find("Max-Age=1"), std::string_view::npos);
    EXPECT_EQ(client.get("/peek", jar.headers()).json()["n"], 1);
    std::this_thread::sleep_for(2100ms);  // whole seconds: created + 1 <= now
    EXPECT_EQ(client.get("/peek", jar.headers()).json()["new"], true);
}

TYPED_TEST(SessionTest, LoginRotatesTheSessionAndLogoutInvalidatesIt) {
    web::Application app;
    web::setup_sessions(app, this->make());
    add_routes(app);
    TestServer server(app);
    TestClient client(server);
    Jar jar{"AIOHTTP_SESSION", ""};
    jar.update(client.get("/count", jar.headers()));
    auto before = jar.value;
    auto login = client.post("/login", "", "text/plain", jar.headers());
    EXPECT_EQ(login.status, 302);
    jar.update(login);
    EXPECT_NE(jar.value, before);
    EXPECT_EQ(client.get("/me", jar.headers()).json()["user"], "ann");
    EXPECT_EQ(client.get("/peek", jar.headers()).json()["n"], 0);  // nothing of the old session came along
    if constexpr (std::is_same_v<TypeParam, web::MemoryStorage>) {
        // the pre-login id is dead: a fixed session id is worth nothing
        EXPECT_EQ(client.get("/peek", {{"Cookie", "AIOHTTP_SESSION=" + before}}).json()["new"], true);
    }
    auto logout = client.post("/logout", "", "text/plain", jar.headers());
    EXPECT_NE(logout.header("Set-Cookie").find("Max-Age=0"), std::string_view::npos);
    auto old_cookie = jar.value;
    jar.update(logout);
    EXPECT_TRUE(jar.value.empty());
    if constexpr (std::is_same_v<TypeParam, web::MemoryStorage>)
        EXPECT_EQ(client.get("/me", {{"Cookie", "AIOHTTP_SESSION=" + old_cookie}}).json()["user"], nullptr);
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
