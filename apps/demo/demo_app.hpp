// The demo application: the endpoints the README, the benchmarks and outside
// checks rely on. Keep their paths and shapes stable.
//
//   GET  /                 HTML index
//   GET  /plaintext        "Hello, World!" (text/plain)
//   GET  /json             {"message":"Hello, World!"}
//   GET  /hello/{name}     "Hello, <name>!"
//   POST /echo             the request body, with its content type
//   GET  /healthz          {"status":"ok"}
//   /api/notes             JSON CRUD (see notes.hpp)
//   GET  /ws/echo          WebSocket: text and binary echoed back as they came
//   GET  /ws/chat          WebSocket chat: ?room=R&name=N (see chat.hpp)
//   GET  /chat             the chat page (static/chat.html)
//   POST /login, POST /logout, GET /me   a name kept in the session
//   GET  /db, GET /queries?n=   with a database only (see world.hpp)
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <asiohttp/web.hpp>

namespace demo {

struct Options {
    std::filesystem::path static_dir = ASIOHTTP_DEMO_STATIC_DIR;  // chat page and its assets
    std::string database_url;  // notes in PostgreSQL when set, in memory otherwise
    std::string session_key;   // 32 bytes for the session cookies; random per process when empty
    std::vector<std::string> cors_origins;  // pages allowed to call /api/* from other origins; none: CORS off
};

void setup_routes(asiohttp::web::Application& app, const Options& options = {});

}  // namespace demo
