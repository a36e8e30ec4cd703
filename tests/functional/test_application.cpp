#include <mutex>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>

#include "test_support.hpp"

namespace {

struct Journal {
    std::mutex m;
    std::vector<std::string> entries;
    void add(std::string s) {
        std::lock_guard l(m);
        entries.push_back(std::move(s));
    }
};

web::Hook record(Journal& j, std::string what) {
    return [&j, what](web::Application&) -> awaitable<void> {
        j.add(what);
        co_return;
    };
}

TEST(Application, LifecycleHooksRunInAiohttpOrder) {
    Journal j;
    web::Application app;
    app.on_startup.append(record(j, "startup 1"));
    app.on_startup.append(record(j, "startup 2"));
    app.cleanup_ctx.append([&j](web::Application&) -> awaitable<web::Hook> {
        j.add("ctx A setup");
        co_return record(j, "ctx A teardown");
    });
    app.cleanup_ctx.append([&j](web::Application&) -> awaitable<web::Hook> {
        j.add("ctx B setup");
        co_return record(j, "ctx B teardown");
    });
    app.on_shutdown.append(record(j, "shutdown"));
    app.on_cleanup.append(record(j, "cleanup"));
    auto& sub = app.add_subapp("/sub");
    sub.on_startup.append(record(j, "sub startup"));
    sub.on_cleanup.append(record(j, "sub cleanup"));
    {
        TestServer server(app);
        j.add("serving");
    }
    std::vector<std::string> expected{"ctx A setup", "ctx B setup",    "startup 1",      "startup 2",
                                      "sub startup", "serving",        "shutdown",       "ctx B teardown",
                                      "ctx A teardown", "cleanup",     "sub cleanup"};
    EXPECT_EQ(j.entries, expected);
}

TEST(Application, IsFrozenOnceStarted) {
    web::Application app;
    app.router().add_get("/", text_handler("x"));
    TestServer server(app);
    EXPECT_TRUE(app.frozen());
    EXPECT_THROW(app.router().add_get("/late", text_handler("x")), std::logic_error);
    EXPECT_THROW(app.add_middleware({}), std::logic_error);
    EXPECT_THROW(app.on_startup.append({}), std::logic_error);
    EXPECT_THROW(app.add_subapp("/late"), std::logic_error);
}

const web::AppKey<int> counter_key{"counter"};
const web::AppKey<std::string> name_key{"name"};

TEST(Application, TypedStateIsWritableUntilStartedAndInheritedBySubApps) {
    web::Application app;
    app.set(counter_key, 41);
    app.on_startup.append([](web::Application& a) -> awaitable<void> {
        a.get(counter_key) += 1;                 // values may change during startup
        a.set(name_key, std::string("ready"));  // and new ones appear (a pool, say)
        co_return;
    });
    auto& sub = app.add_subapp("/sub");
    sub.router().add_get("/state", [](web::Request& req) -> awaitable<web::Response> {
        // the sub-application sees its parent's state
        co_return web::Response::text(std::to_string(req.app().get(counter_key)) + " " + req.app().get(name_key));
    });
    TestServer server(app);
    TestClient client(server);
    EXPECT_EQ(client.get("/sub/state").body, "42 ready");
    EXPECT_THROW(app.set(counter_key, 1), std::logic_error);
    EXPECT_FALSE(sub.contains(web::AppKey<int>{"counter"}));  // keys are identities, not names
    EXPECT_THROW(app.get(web::AppKey<double>{"missing"}), std::out_of_range);
}

web::Middleware tag(std::string name) {
    return [name](web::Request& req, web::Next next) -> awaitable<web::Response> {
        auto resp = co_await next(req);
        resp.set_body(name + "(" + resp.body() + ")");
        co_return resp;
    };
}

TEST(Application, MiddlewaresWrapLikeAnOnion) {
    web::Application app;
    app.add_middleware(tag("outer"));
    app.add_middleware(tag("inner"));
    app.router().add_get("/", text_handler("handler"));
    auto& sub = app.add_subapp("/sub");
    sub.add_middleware(tag("sub"));
    sub.router().add_get("/x", text_handler("subhandler"));
    TestServer server(app);
    TestClient client(server);
    EXPECT_EQ(client.get("/").body, "outer(inner(handler))");
    EXPECT_EQ(client.get("/sub/x").body, "outer(inner(sub(subhandler)))");
}

TEST(Application, NotFoundAndNotAllowedPassThroughRootMiddlewares) {
    std::atomic<int> seen{0};
    web::Application app;
    app.add_middleware([&seen](web::Request& req, web::Next next) -> awaitable<web::Response> {
        ++seen;
        try {
            co_return co_await next(req);
        } catch (const web::HTTPException& e) {
            auto resp = web::json_response({{"status", e.status()}}, e.status());
            resp.headers() = e.headers();
            co_return resp;
        }
    });
    app.router().add_get("/", text_handler("x"));
    TestServer server(app);
    TestClient client(server);
    EXPECT_EQ(client.get("/missing").json()["status"], 404);
    auto r = client.del("/");
    EXPECT_EQ(r.json()["status"], 405);
    EXPECT_EQ(r.header("Allow"), "GET, HEAD");
    EXPECT_EQ(seen, 2);
}

TEST(Application, MiddlewareCanShortCircuitAndCatch) {
    web::Application app;
    app.add_middleware([](web::Request& req, web::Next next) -> awaitable<web::Response> {
        if (req.headers().get("X-Token", "") != "secret") throw web::HTTPUnauthorized();
        try {
            co_return co_await next(req);
        } catch (const web::HTTPNotFound&) {
        }
        co_return web::json_response({{"error", "not found"}}, 404);
    });
    app.router().add_get("/", text_handler("welcome"));
    TestServer server(app);
    TestClient client(server);
    EXPECT_EQ(client.get("/").status, 401);
    EXPECT_EQ(client.get("/", {{"X-Token", "secret"}}).body, "welcome");
    auto nf = client.get("/nope", {{"X-Token", "secret"}});
    EXPECT_EQ(nf.status, 404);
    EXPECT_EQ(nf.json()["error"], "not found");
}

TEST(Application, FailedStartupRunsCleanupAndReportsTheError) {
    Journal j;
    web::Application app;
    app.cleanup_ctx.append([&j](web::Application&) -> awaitable<web::Hook> {
        j.add("ctx setup");
        co_return record(j, "ctx teardown");
    });
    app.on_startup.append([](web::Application&) -> awaitable<void> {
        throw std::runtime_error("database unreachable");
        co_return;
    });
    try {
        TestServer server(app);
        FAIL() << "startup should have failed";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "database unreachable");
    }
    EXPECT_EQ(j.entries, (std::vector<std::string>{"ctx setup", "ctx teardown"}));
}

}  // namespace

namespace {

// What a cleanup context starts: a task that keeps running on the loop the
// hooks ran on, and what handlers read of it.
struct Heartbeat {
    std::atomic<int> beats{0};
    std::optional<asio::steady_timer> timer;
    bool stopped = false;
};
const web::AppKey<std::shared_ptr<Heartbeat>> heartbeat_key("heartbeat");

awaitable<void> beat(std::shared_ptr<Heartbeat> hb) {
    while (!hb->stopped) {
        hb->timer->expires_after(5ms);
        auto [ec] = co_await hb->timer->async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec) break;
        ++hb->beats;
    }
}

}  // namespace

// aiohttp runs its hooks on the serving loop: a task started in a hook keeps
// running while the server serves, and is still there to stop in cleanup. (On
// a throwaway loop, startup would never return, or the task would die with it.)
TEST(Application, HooksRunOnALiveLoopThatOutlivesStartup) {
    web::Application app;
    auto hb = std::make_shared<Heartbeat>();
    app.set(heartbeat_key, hb);
    std::atomic<bool> task_ended{false};
    std::atomic<int> beats_at_cleanup{-1};
    app.cleanup_ctx.append([&](web::Application& a) -> awaitable<web::Hook> {
        auto hb = a.get(heartbeat_key);
        auto ex = co_await asio::this_coro::executor;
        hb->timer.emplace(ex);
        asio::co_spawn(ex, beat(hb), [&task_ended](std::exception_ptr) { task_ended = true; });
        co_return [&](web::Application& a) -> awaitable<void> {
            auto hb = a.get(heartbeat_key);
            if (!task_ended) beats_at_cleanup = hb->beats.load();
            hb->stopped = true;
            // On the loop the task runs on: no lock needed. What is bound to the
            // loop goes with it, here: app state outlives the server's loops.
            hb->timer.reset();
            co_return;
        };
    });
    app.router().add_get("/beats", [](web::Request& req) -> awaitable<web::Response> {
        co_return web::Response::text(std::to_string(req.app().get(heartbeat_key)->beats.load()));
    });
    int last = 0;
    {
        TestServer server(app);
        TestClient client(server);
        const int first = std::stoi(client.get("/beats").body);
        std::this_thread::sleep_for(100ms);
        const int second = std::stoi(client.get("/beats").body);
        EXPECT_GT(second, first + 3) << "the task started in a hook stopped running";
        last = second;
    }
    // Cleanup found the task still running, on that same loop.
    EXPECT_GE(beats_at_cleanup.load(), last);
}
