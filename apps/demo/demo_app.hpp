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
#pragma once

#include <asiohttp/web.hpp>

namespace demo {

void setup_routes(asiohttp::web::Application& app);

}  // namespace demo
