// The README's hello world, built with the project so the README stays true.
#include <asiohttp/web.hpp>

namespace web = asiohttp::web;
using asiohttp::awaitable;

awaitable<web::Response> hello(web::Request& req) {
    co_return web::Response::text("Hello, " + std::string(req.match_info("name")));
}

int main() {
    web::Application app;
    app.router().add_get("/hello/{name}", hello);
    return web::run_app(app, {.port = 8080});
}
