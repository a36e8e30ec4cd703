// What the middlewares that add response headers share.
#pragma once

#include <optional>

#include <asiohttp/handler.hpp>
#include <asiohttp/http_exceptions.hpp>

namespace asiohttp::detail {

// Runs the rest of the chain and lets `decorate(response)` add to what it
// answers, HTTP errors included (they go on as exceptions, for the middlewares
// outside). A streamed response was sent by its handler already: left alone.
template <class Decorate>
awaitable<web::Response> decorated(web::Request& req, web::Next next, Decorate decorate) {
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
