// gather, as_completed and wait, over real timers and real HTTP requests.
#include <asiohttp/client.hpp>
#include <asiohttp/tasks.hpp>

#include "test_support.hpp"

namespace {

using asiohttp::ReturnWhen;

awaitable<int> after(std::chrono::milliseconds d, int value) {
    co_await async_sleep(d);
    co_return value;
}

awaitable<int> fail_after(std::chrono::milliseconds d, std::string message) {
    co_await async_sleep(d);
    throw std::runtime_error(message);
}

// Sleeps `d`, then records that it finished (a cancelled one never does).
awaitable<int> finish_after(std::chrono::milliseconds d, int value, std::vector<int>& finished) {
    co_await async_sleep(d);
    finished.push_back(value);
    co_return value;
}

TEST(Tasks, GatherKeepsTheOrderGivenAndRunsConcurrently) {
    auto t0 = std::chrono::steady_clock::now();
    auto values = asiohttp::run([]() -> awaitable<std::vector<int>> {
        std::vector<awaitable<int>> aws;
        aws.push_back(after(300ms, 1));
        aws.push_back(after(100ms, 2));
        aws.push_back(after(200ms, 3));
        co_return co_await asiohttp::gather(std::move(aws));
    }());
    EXPECT_EQ(values, (std::vector<int>{1, 2, 3}));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 600ms);  // not 300 + 100 + 200 one after another
}

TEST(Tasks, GatherOfDifferentTypes) {
    auto [n, s] = asiohttp::run([]() -> awaitable<std::tuple<int, std::string>> {
        auto text = []() -> awaitable<std::string> { co_return "x"; };
        co_return co_await asiohttp::gather(after(10ms, 7), text());
    }());
    EXPECT_EQ(n, 7);
    EXPECT_EQ(s, "x");
}

TEST(Tasks, GatherWithReturnExceptionsGivesFailuresAsValues) {
    asiohttp::run([]() -> awaitable<void> {
        std::vector<awaitable<int>> aws;
        aws.push_back(after(50ms, 1));
        aws.push_back(fail_after(10ms, "boom"));
        aws.push_back(after(100ms, 3));
        auto results = co_await asiohttp::gather(std::move(aws), asiohttp::return_exceptions);
        EXPECT_EQ(results.size(), 3u);
        if (results.size() != 3) co_return;
        EXPECT_TRUE(results[0].ok());
        EXPECT_EQ(results[0].result(), 1);
        EXPECT_FALSE(results[1].ok());
        EXPECT_EQ(results[1].error_message(), "boom");
        EXPECT_THROW(results[1].result(), std::runtime_error);
        EXPECT_EQ(results[2].result(), 3);  // the failure did not stop the others
    }());
}

TEST(Tasks, GatherWithoutReturnExceptionsCancelsTheRestAndRethrows) {
    std::vector<int> finished;
    auto t0 = std::chrono::steady_clock::now();
    asiohttp::run([&]() -> awaitable<void> {
        std::vector<awaitable<int>> aws;
        aws.push_back(finish_after(2s, 1, finished));
        aws.push_back(fail_after(50ms, "first"));
        EXPECT_THROW(co_await asiohttp::gather(std::move(aws)), std::runtime_error);
    }());
    EXPECT_TRUE(finished.empty());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

TEST(Tasks, AsCompletedYieldsInFinishingOrder) {
    asiohttp::run([]() -> awaitable<void> {
        std::vector<awaitable<int>> aws;
        aws.push_back(after(300ms, 300));
        aws.push_back(after(100ms, 100));
        aws.push_back(after(200ms, 200));
        auto done = asiohttp::as_completed(co_await asiohttp::create_tasks(std::move(aws)));
        std::vector<int> order;
        while (auto t = co_await done.next()) order.push_back(t->result());
        EXPECT_EQ(order, (std::vector<int>{100, 200, 300}));
    }());
}

TEST(Tasks, AsCompletedTimesOut) {
    asiohttp::run([]() -> awaitable<void> {
        std::vector<awaitable<int>> aws;
        aws.push_back(after(50ms, 1));
        aws.push_back(after(5s, 2));
        auto done = asiohttp::as_completed(co_await asiohttp::create_tasks(std::move(aws)), 300ms);
        auto first = co_await done.next();
        EXPECT_EQ(first->result(), 1);
        EXPECT_THROW(co_await done.next(), asiohttp::TimeoutError);
    }());  // the slow one is cancelled when `done` goes: run() returns at once
}

TEST(Tasks, WaitFirstExceptionThenCancelThePending) {
    std::vector<int> finished;
    asiohttp::run([&]() -> awaitable<void> {
        std::vector<awaitable<int>> aws;
        aws.push_back(finish_after(20ms, 1, finished));
        aws.push_back(fail_after(100ms, "bad"));
        aws.push_back(finish_after(2s, 3, finished));
        aws.push_back(finish_after(3s, 4, finished));
        auto [done, pending] =
            co_await asiohttp::wait(co_await asiohttp::create_tasks(std::move(aws)), ReturnWhen::first_exception);
        EXPECT_EQ(done.size(), 2u);
        EXPECT_EQ(pending.size(), 2u);
        for (auto& t : pending) t.cancel();
        auto [cancelled, none] = co_await asiohttp::wait(std::move(pending), ReturnWhen::all_completed, 1000ms);
        EXPECT_TRUE(none.empty());
        for (auto& t : cancelled) EXPECT_TRUE(t.cancelled());
    }());
    EXPECT_EQ(finished, (std::vector<int>{1}));
}

TEST(Tasks, WaitFirstCompletedAndTimeout) {
    asiohttp::run([]() -> awaitable<void> {
        std::vector<awaitable<int>> aws;
        aws.push_back(after(400ms, 1));
        aws.push_back(after(50ms, 2));
        auto [done, pending] =
            co_await asiohttp::wait(co_await asiohttp::create_tasks(std::move(aws)), ReturnWhen::first_completed);
        EXPECT_EQ(done.size(), 1u);
        if (done.size() != 1) co_return;
        EXPECT_EQ(done[0].result(), 2);
        EXPECT_EQ(done[0].index(), 1u);
        auto [d2, p2] = co_await asiohttp::wait(std::move(pending), ReturnWhen::all_completed, 50ms);
        EXPECT_TRUE(d2.empty());
        EXPECT_EQ(p2.size(), 1u);
        if (p2.size() == 1) {
            EXPECT_EQ(co_await p2[0].wait(), 1);
        }
    }());
}

// The seeds' demonstration in miniature: ten 200 ms requests take ~2 s one
// after another and ~0.2 s together, on one thread.
TEST(Tasks, ConcurrentRequestsOverlapOnOneThread) {
    web::Application app;
    app.router().add_get("/slow", [](web::Request&) -> awaitable<web::Response> {
        co_await async_sleep(200ms);
        co_return web::Response::text("ok");
    });
    TestServer server(app);
    auto fetch = [](asiohttp::ClientSession& s, std::string url) -> awaitable<int> {
        auto r = co_await s.get(url);
        co_await r.read();
        co_return r.status();
    };
    auto t0 = std::chrono::steady_clock::now();
    asiohttp::run([&]() -> awaitable<void> {
        asiohttp::ClientSession session;
        std::vector<awaitable<int>> aws;
        for (int i = 0; i < 10; ++i) aws.push_back(fetch(session, server.url("/slow")));
        auto statuses = co_await asiohttp::gather(std::move(aws));
        EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 10);
    }());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

}  // namespace
