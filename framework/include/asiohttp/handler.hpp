// Handler and middleware signatures.
#pragma once

#include <functional>
#include <vector>

#include "asiohttp/awaitable.hpp"
#include "asiohttp/request.hpp"
#include "asiohttp/response.hpp"

namespace asiohttp::web {

// A request handler: `awaitable<Response> handler(Request&)`.
using Handler = std::function<awaitable<Response>(Request&)>;

class Next;

// A middleware (aiohttp's onion model): do work, `co_await next(req)`, do more work.
//
//   awaitable<web::Response> timing(web::Request& req, web::Next next) {
//       auto start = std::chrono::steady_clock::now();
//       auto resp = co_await next(req);
//       resp.headers().set("X-Elapsed-us", ...);
//       co_return resp;
//   }
using Middleware = std::function<awaitable<Response>(Request&, Next)>;

// The rest of the chain after the current middleware. Cheap to copy: no allocation per call.
class Next {
public:
    Next(const std::vector<const Middleware*>& chain, std::size_t index, const Handler& handler) noexcept
        : chain_(&chain), index_(index), handler_(&handler) {}

    awaitable<Response> operator()(Request& req) const {
        if (index_ < chain_->size()) return (*(*chain_)[index_])(req, Next(*chain_, index_ + 1, *handler_));
        return (*handler_)(req);
    }

private:
    const std::vector<const Middleware*>* chain_;
    std::size_t index_;
    const Handler* handler_;
};

}  // namespace asiohttp::web
