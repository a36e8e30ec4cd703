// A replica for the topics tests: a server whose /ws?topic=T subscribes, with
// its own pg::TopicBridge on the test database, as one of several processes
// behind a load balancer would be.
#pragma once

#include <asiohttp/pg_topics.hpp>
#include <pqxx/connection>
#include <pqxx/nontransaction>

#include "test_support.hpp"

namespace pg = asiohttp::pg;
using test_utils::WSClient;

inline std::string dsn() {
    const char* url = std::getenv("ASIOHTTP_TEST_DATABASE_URL");
    if (!url || !*url) throw std::runtime_error("ASIOHTTP_TEST_DATABASE_URL is not set: run tests/run-all.sh");
    return url;
}

// What a replica keeps: Topics::keep_history's rule, and the bridge's retention.
struct ReplicaOptions {
    std::string history_prefix;  // none: no history kept
    std::size_t history_size = 0;
    std::chrono::seconds retention{60};
};

// One replica: /ws?topic=T[&history=1] subscribes and reads until closed.
struct Replica {
    web::Application app;
    std::unique_ptr<TestServer> server;
    std::atomic<std::size_t> lost{0};

    explicit Replica(const std::string& name, const ReplicaOptions& options = {}) {
        app.router().add_get("/ws", [](web::Request& req) -> awaitable<web::Response> {
            web::WebSocketResponse ws;
            co_await ws.prepare(req);
            const web::SubscribeOptions subscribe{.history = req.query().get("history", "") == "1"};
            req.app().topics().subscribe(ws.handle(), std::string(req.query().get("topic", "")), subscribe);
            while (co_await ws.receive()) {
            }
            co_return ws;
        });
        if (!options.history_prefix.empty()) app.topics().keep_history(options.history_prefix, options.history_size);
        pg::TopicBridge::install(app, {.dsn = dsn(), .table = name, .channel = name, .retention = options.retention,
                                       .on_lost = [this](std::size_t n) { lost += n; }});
        server = std::make_unique<TestServer>(app);
    }
    bool wait_for_subscribers(std::string_view topic, std::size_t n) {
        for (int i = 0; i < 500; ++i) {
            if (app.topics().subscriber_count(topic) == n) return true;
            std::this_thread::sleep_for(10ms);
        }
        return false;
    }
};

inline std::vector<std::string> receive_n(WSClient& c, int n) {
    std::vector<std::string> got;
    for (int i = 0; i < n; ++i) {
        auto m = c.receive_for(5s);
        if (!m) break;
        got.push_back(m->data);
    }
    return got;
}

inline void drop_table(const std::string& name) {
    pqxx::connection c(dsn());
    pqxx::nontransaction(c).exec("drop table if exists " + name);
}

// Two replicas sharing one table, each with a subscriber to `topic`; the table
// goes once both replicas are gone.
struct ReplicaPair {
    struct DropTable {
        std::string name;
        ~DropTable() {
            try {
                drop_table(name);
            } catch (const std::exception& e) {
                ADD_FAILURE() << "dropping " << name << ": " << e.what();
            }
        }
    } table;  // first: destroyed last
    Replica a, b;
    WSClient on_a, on_b;
    bool subscribed;  // both subscribers are in: ASSERT it before publishing

    ReplicaPair(const std::string& name, const std::string& topic)
        : table{name}, a(name), b(name), on_a(*a.server, "/ws?topic=" + topic), on_b(*b.server, "/ws?topic=" + topic),
          subscribed(a.wait_for_subscribers(topic, 1) && b.wait_for_subscribers(topic, 1)) {}
    // Both subscribers received `expected`, in that order (fatal otherwise).
    void expect_both_got(const std::vector<std::string>& expected) {
        ASSERT_EQ(receive_n(on_a, int(expected.size())), expected);
        ASSERT_EQ(receive_n(on_b, int(expected.size())), expected);
    }
    // Then nothing: no message delivered twice, none reported lost.
    void expect_nothing_more() {
        EXPECT_FALSE(on_a.receive_for(300ms)) << "a message was delivered twice";
        EXPECT_FALSE(on_b.receive_for(300ms)) << "a message was delivered twice";
        EXPECT_EQ(a.lost + b.lost, 0u);
    }
};
