#include "accounts.hpp"

#include <asiohttp/session.hpp>
#include <nlohmann/json.hpp>

#include "chat.hpp"

namespace demo {
namespace web = asiohttp::web;
using asiohttp::awaitable;
using nlohmann::json;

namespace {

awaitable<web::Response> login(web::Request& req) {
    std::string name;
    if (req.content_type() == "application/json") {
        auto body = co_await req.json();
        if (body.is_object() && body.contains("name") && body["name"].is_string()) name = body["name"];
    } else {
        name = std::string((co_await req.post()).get("name", ""));
    }
    if (auto problem = invalid_name(name)) co_return web::json_response({{"error", *problem}}, 422);
    auto session = co_await web::new_session(req);  // a fresh id on every login
    session->set("name", name);
    co_return web::json_response({{"name", name}});
}

awaitable<web::Response> logout(web::Request& req) {
    (co_await web::get_session(req))->invalidate();
    co_return web::json_response({{"name", nullptr}});
}

awaitable<web::Response> me(web::Request& req) {
    auto session = co_await web::get_session(req);
    if (!session->contains("name")) co_return web::json_response({{"error", "not logged in"}}, 401);
    co_return web::json_response({{"name", session->get("name")}});
}

}  // namespace

void add_account_routes(web::Application& app) {
    app.router().add_post("/login", login);
    app.router().add_post("/logout", logout);
    app.router().add_get("/me", me);
}

}  // namespace demo
