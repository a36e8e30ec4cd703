#include "asiohttp/middleware/cors.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include <asiohttp/application.hpp>
#include <asiohttp/http_exceptions.hpp>

#include "base/header_values.hpp"
#include "decorated.hpp"

namespace asiohttp::middleware {
namespace {

using asiohttp::iequals;

bool has(const std::vector<std::string>& list, std::string_view item) {
    return std::any_of(list.begin(), list.end(), [&](const std::string& x) { return iequals(x, item); });
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (auto& item : items) out.append(out.empty() ? "" : ", ").append(item);
    return out;
}

// The options, checked once, with what every answer shares.
class Cors {
public:
    explicit Cors(CorsOptions o) : o_(std::move(o)), any_origin_(has(o_.allow_origins, "*")) {
        if (o_.allow_origins.empty() && !o_.allow_origin_if)
            throw std::invalid_argument("cors: no allowed origin (allow_origins or allow_origin_if)");
        if (o_.path_prefix.empty() || o_.path_prefix.front() != '/')
            throw std::invalid_argument("cors: path_prefix must start with '/'");
    }

    bool applies(const web::Request& req) const {
        return req.path().starts_with(o_.path_prefix) && req.headers().contains("Origin");
    }

    bool allowed(std::string_view origin) const {
        return any_origin_ || has(o_.allow_origins, origin) || (o_.allow_origin_if && o_.allow_origin_if(origin));
    }

    // The preflight's answer: 204 with the grant, or an HTTPException saying
    // what is refused.
    web::Response preflight(web::Request& req, std::string_view origin) const {
        if (!allowed(origin)) refuse("origin '" + std::string(origin) + "'");
        const std::string method(req.headers().get("Access-Control-Request-Method", ""));
        // The routes say which methods the path takes; none at all is a 404.
        web::MatchInfo match;
        std::vector<std::string> accepted;
        const bool routed = req.app().router().resolve(method, req.path(), match, accepted) != nullptr;
        if (!routed && accepted.empty()) fail(web::HTTPNotFound());
        if (!routed || (!o_.allow_methods.empty() && !has(o_.allow_methods, method)))
            refuse("method '" + method + "'");
        std::string headers;
        detail::for_each_item(req.headers(), "Access-Control-Request-Headers", [&](std::string_view h) {
            if (!has(o_.allow_headers, "*") && !has(o_.allow_headers, h)) refuse("request header '" + std::string(h) + "'");
            headers.append(headers.empty() ? "" : ", ").append(h);
            return false;
        });
        web::Response resp(204);
        decorate(resp, origin);
        resp.headers().set("Access-Control-Allow-Methods", method);
        if (!headers.empty()) resp.headers().set("Access-Control-Allow-Headers", headers);
        resp.headers().set("Access-Control-Max-Age", std::to_string(o_.max_age.count()));
        return resp;
    }

    // What a response to `origin` carries: the grant if it is allowed, and Vary.
    void decorate(web::Response& resp, std::string_view origin) const {
        if (allowed(origin)) {
            const bool star = any_origin_ && !o_.allow_credentials;
            resp.headers().set("Access-Control-Allow-Origin", star ? std::string_view("*") : origin);
            if (o_.allow_credentials) resp.headers().set("Access-Control-Allow-Credentials", "true");
            if (!o_.expose_headers.empty())
                resp.headers().set("Access-Control-Expose-Headers", joined(o_.expose_headers));
        }
        vary(resp);
    }

private:
    [[noreturn]] void refuse(const std::string& what) const {
        fail(web::HTTPForbidden("CORS: " + what + " is not allowed"));
    }

    // A refused preflight's answer depends on Origin too.
    template <class Exception>
    [[noreturn]] void fail(Exception e) const {
        vary(e);
        throw e;
    }

    // The answer depends on Origin unless it is "*" for everyone: caches must know.
    void vary(web::Response& resp) const {
        if (any_origin_ && !o_.allow_credentials) return;
        detail::add_vary(resp.headers(), "Origin");
    }

    const CorsOptions o_;
    const bool any_origin_;
};

bool is_preflight(const web::Request& req) {
    return req.method() == "OPTIONS" && req.headers().contains("Access-Control-Request-Method");
}

}  // namespace

web::Middleware cors(CorsOptions options) {
    auto c = std::make_shared<const Cors>(std::move(options));
    return [c](web::Request& req, web::Next next) -> awaitable<web::Response> {
        if (!c->applies(req)) co_return co_await next(req);
        const std::string origin(req.headers().get("Origin", ""));
        if (is_preflight(req)) co_return c->preflight(req, origin);  // no handler runs
        // Errors too, so the page can read them.
        co_return co_await detail::decorated(req, next, [&c, &origin](web::Response& r) { c->decorate(r, origin); });
    };
}

}  // namespace asiohttp::middleware
