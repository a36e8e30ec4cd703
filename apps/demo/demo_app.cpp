#include "demo_app.hpp"

#include <nlohmann/json.hpp>

#include <asiohttp/middleware/compression.hpp>
#include <asiohttp/middleware/cors.hpp>
#include <asiohttp/metrics.hpp>
#include <asiohttp/session.hpp>

#include "accounts.hpp"
#include "chat.hpp"
#include "pg_chat.hpp"
#include "notes.hpp"
#include "pg_notes.hpp"
#include "world.hpp"

namespace demo {
namespace web = asiohttp::web;
using asiohttp::awaitable;

namespace {

constexpr std::string_view kIndex = R"(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>asiohttp demo</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;line-height:1.5}code{background:#eee;padding:0 .2em}</style>
</head>
<body>
<h1>asiohttp demo</h1>
<p>An aiohttp-style C++20 server on Boost.Asio and Beast. Endpoints:</p>
<ul>
<li><a href="/plaintext"><code>GET /plaintext</code></a>: Hello, World!</li>
<li><a href="/json"><code>GET /json</code></a>: a JSON message</li>
<li><a href="/hello/world"><code>GET /hello/{name}</code></a>: a greeting</li>
<li><code>POST /echo</code>: the body back, with its content type</li>
<li><a href="/healthz"><code>GET /healthz</code></a>: health check (alive)</li>
<li><a href="/readyz"><code>GET /readyz</code></a>: ready for traffic (503 while starting or draining)</li>
<li><a href="/api/notes"><code>/api/notes</code></a>: notes, JSON CRUD</li>
<li><code>/ws/echo</code>: WebSocket echo</li>
<li><a href="/chat"><code>GET /chat</code></a>: a chat page over <code>/ws/chat</code></li>
</ul>
</body>
</html>
)";

awaitable<web::Response> index(web::Request&) { co_return web::Response::html(std::string(kIndex)); }

awaitable<web::Response> plaintext(web::Request&) { co_return web::Response::text("Hello, World!"); }

awaitable<web::Response> json_hello(web::Request&) {
    // A new object serialized per request; built by key, not from an
    // initializer list (whose temporaries cost nlohmann several allocations).
    nlohmann::json message;
    message["message"] = "Hello, World!";
    co_return web::json_response(message);
}

awaitable<web::Response> hello(web::Request& req) {
    co_return web::Response::text("Hello, " + std::string(req.match_info("name")) + "!");
}

awaitable<web::Response> echo(web::Request& req) {
    auto body = co_await req.read();
    auto type = req.headers().get("Content-Type", "application/octet-stream");
    web::Response resp = web::Response::bytes(std::string(body));
    resp.headers().set("Content-Type", type);  // echoed as sent, parameters included
    co_return resp;
}

awaitable<web::Response> healthz(web::Request&) { co_return web::json_response({{"status", "ok"}}); }

// Ready for traffic: started, and not draining (503 then, so a balancer moves on).
awaitable<web::Response> readyz(web::Request& req) {
    const bool ready = req.app().ready();
    co_return web::json_response({{"ready", ready}}, ready ? 200 : 503);
}

awaitable<web::Response> ws_echo(web::Request& req) {
    web::WebSocketResponse ws({.heartbeat = std::chrono::seconds(30), .compress = true});
    co_await ws.prepare(req);
    while (auto msg = co_await ws.receive()) {
        if (msg->is_text()) co_await ws.send_str(msg->text());
        else if (msg->is_binary()) co_await ws.send_bytes(msg->bytes());
    }
    co_return ws;
}

}  // namespace

// With a database: a pool, the schema, and notes kept there (set during startup).
void use_database(web::Application& app, std::string url) {
    app.cleanup_ctx.append([url](web::Application& app) -> awaitable<web::Hook> {
        auto pool = std::make_shared<asiohttp::pg::Pool>(asiohttp::pg::PoolConfig{.dsn = url});
        co_await create_notes_schema(*pool);
        co_await create_world(*pool);
        app.set(db_key, pool);
        app.set(notes_store_key, make_pg_store(pool));
        co_return [](web::Application& app) -> awaitable<void> {
            app.get(db_key)->close();
            co_return;
        };
    });
}

void setup_routes(web::Application& app, const Options& options) {
    // Pages, scripts and JSON go out in the best coding the browser accepts.
    app.on_response_prepare.append(asiohttp::middleware::compression());
    if (!options.cors_origins.empty())
        app.add_middleware(asiohttp::middleware::cors({.allow_origins = options.cors_origins,
                                                       .allow_headers = {"Content-Type"},
                                                       .allow_credentials = true,
                                                       .path_prefix = "/api/"}));
    web::setup_sessions(app, std::make_shared<web::EncryptedCookieStorage>(
                                 options.session_key.empty() ? web::generate_session_key() : options.session_key));
    app.set(chat_hub_key, std::make_shared<ChatHub>(app.topics()));
    if (!options.database_url.empty()) {
        use_database(app, options.database_url);
        use_shared_chat(app, options.database_url);
        add_world_routes(app);
    }
    auto& r = app.router();
    r.add_get("/", index, {.name = "index"});
    r.add_get("/plaintext", plaintext);
    r.add_get("/json", json_hello);
    r.add_get("/hello/{name}", hello, {.name = "hello"});
    r.add_post("/echo", echo);
    r.add_get("/healthz", healthz);
    r.add_get("/readyz", readyz);
    r.add_get("/metrics", web::metrics_handler());
    r.add_get("/ws/echo", ws_echo);
    r.add_get("/ws/chat", chat_socket);
    auto page = options.static_dir / "chat.html";
    r.add_get("/chat", [page](web::Request&) -> awaitable<web::Response> { co_return web::FileResponse(page); },
              {.name = "chat"});
    r.add_static("/static", options.static_dir, {.name = "static"});
    add_notes_routes(app);
    add_account_routes(app);
}

}  // namespace demo
