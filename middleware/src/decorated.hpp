// What the middlewares that add response headers share.
#pragma once

#include <memory>
#include <optional>

#include <asiohttp/handler.hpp>
#include <asiohttp/http_exceptions.hpp>
#include <asiohttp/request.hpp>

namespace asiohttp::detail {

// Runs the rest of the chain and lets `decorate(response)` add to what it
// answers, HTTP errors included (they go on as exceptions, for the middlewares
// outside). A StreamResponse its handler prepares is decorated just before its
// head goes out, through the request's on_response_prepare.
template <class Decorate>
awaitable<web::Response> decorated(web::Request& req, web::Next next, Decorate decorate) {
    // Armed only while the handler runs: a whole response is decorated below.
    auto armed = std::make_shared<bool>(true);
    req.on_response_prepare([armed, &decorate](web::Response& r) {
        if (*armed) decorate(r);
    });
    struct Disarm {
        std::shared_ptr<bool> armed;
        ~Disarm() { *armed = false; }
    } disarm{armed};
    std::optional<web::Response> resp;
    try {
        auto r = co_await next(req);
        resp.emplace(std::move(r));
    } catch (web::HTTPException& e) {
        decorate(static_cast<web::Response&>(e));
        throw;
    }
    if (!resp->prepared()) decorate(*resp);
    co_return std::move(*resp);
}

}  // namespace asiohttp::detail
