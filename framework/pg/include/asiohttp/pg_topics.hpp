// Topics shared by every process on one PostgreSQL database (LISTEN/NOTIFY):
//
//   app.topics().keep_history("room:", 50);              // optional, before startup
//   asiohttp::pg::TopicBridge::install(app, {.dsn = database_url});
//   ... app.topics().publish_json("room:lobby", msg);   // reaches every replica
//
// Each publish is a row in a table, written by one publishing connection per
// process in the order published, with a NOTIFY that wakes the others. Rows
// are committed one transaction at a time database-wide, so their ids are the
// commit order, and every process delivers in that one order, its own
// publishes included. A process whose listening connection dropped reads on
// from its last row when it is back: what was published meanwhile is delivered
// once, or, if it is older than `retention`, reported through on_lost; nothing
// is delivered twice. Rows that Topics::keep_history keeps stay past
// `retention`; a process starting loads them, so history is the same everywhere.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <asiohttp/topics.hpp>

namespace asiohttp::web {
class Application;
}  // namespace asiohttp::web

namespace asiohttp::pg {

struct TopicBridgeOptions {
    std::string dsn;
    std::string table = "asiohttp_topic_messages";
    std::string channel = "asiohttp_topics";
    std::chrono::seconds retention{60};  // rows kept for catching up after a dropped connection
    std::size_t max_pending = 10'000;    // publishes waiting for the database; beyond, the oldest are lost
    // Messages this process will never deliver (it was away too long) or never
    // sent (the database was away too long): how many. Runs on a bridge thread.
    std::function<void(std::size_t)> on_lost;
};

class TopicBridge final : public web::TopicBackend {
public:
    // Creates the table if needed and starts listening (see wait_ready).
    TopicBridge(web::Topics& topics, TopicBridgeOptions options);
    ~TopicBridge() override;
    TopicBridge(const TopicBridge&) = delete;
    TopicBridge& operator=(const TopicBridge&) = delete;

    void publish(std::string_view topic, bool binary, std::string payload, std::string_view key) override;
    // True once LISTEN is in effect.
    bool wait_ready(std::chrono::milliseconds timeout) const;

    // app.topics() through a bridge from startup to cleanup (a cleanup context):
    // a database that does not answer within 10 s stops startup with its error.
    static void install(web::Application& app, TopicBridgeOptions options);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace asiohttp::pg
