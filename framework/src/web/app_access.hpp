// Internal access to Application, for the connection and the response hooks.
#pragma once

#include <cstddef>

#include "asiohttp/application.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

class AppAccess {
public:
    static const auto& prepare_chain(const Application& app) noexcept { return app.prepare_chain_; }
    // The largest RouteOptions::client_max_size of the root and every sub-application
    // (0 if none sets one): a request head may declare that much before routing.
    static std::size_t largest_route_body_limit(const Application& app) noexcept { return app.largest_body_limit_; }
    // The route's chain of middlewares and handler, exceptions and all: the
    // connection answers them itself (Application::handle would add a frame
    // that lives as long as the handler, an upgraded WebSocket's whole life).
    static awaitable<Response> dispatch(Application& app, Request& req) { return app.dispatch(req); }
};

}  // namespace asiohttp::detail
