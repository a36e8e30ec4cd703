// The fan-out server for bench/fanout.sh: WebSockets on /sub subscribe to one
// topic; each message that arrives on /pub is published to it. With
// --database-url, the topic is shared with every instance on that database
// (pg::TopicBridge), for the cross-instance latency.
//   fanout_server --host 127.0.0.1 --port 18100 --threads 1 --access-log false [--database-url DSN]
#include <asiohttp/pg_topics.hpp>
#include <asiohttp/settings.hpp>
#include <asiohttp/web.hpp>

namespace web = asiohttp::web;
using asiohttp::awaitable;

int main(int argc, char** argv) {
    web::ServerConfig config;
    std::string database_url;
    asiohttp::Settings settings("fanout_server", "Topics fan-out for bench/fanout.sh.");
    web::add_server_settings(settings, config);
    settings.add("database-url", database_url, "share the topic through PostgreSQL (none: this process only)");
    settings.parse(argc, argv);

    web::Application app;
    app.router().add_get("/sub", [](web::Request& req) -> awaitable<web::Response> {
        web::WebSocketResponse ws({.max_queue_size = 64 << 20});
        co_await ws.prepare(req);
        req.app().topics().subscribe(ws.handle(), "bench");
        while (co_await ws.receive()) {
        }
        co_return ws;
    });
    app.router().add_get("/pub", [](web::Request& req) -> awaitable<web::Response> {
        web::WebSocketResponse ws;
        co_await ws.prepare(req);
        auto& topics = req.app().topics();
        while (auto msg = co_await ws.receive()) topics.publish_str("bench", std::string(msg->text()));
        co_return ws;
    });
    if (!database_url.empty()) asiohttp::pg::TopicBridge::install(app, {.dsn = database_url});
    return web::run_app(app, config);
}
