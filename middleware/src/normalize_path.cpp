#include "asiohttp/middleware/normalize_path.hpp"

#include <stdexcept>

#include <asiohttp/application.hpp>
#include <asiohttp/http_exceptions.hpp>

namespace asiohttp::middleware {
namespace {

std::string merged(std::string_view path) {
    std::string out;
    for (char c : path)
        if (!(c == '/' && !out.empty() && out.back() == '/')) out.push_back(c);
    return out;
}

// The normalized paths to try, in aiohttp's order.
std::vector<std::string> candidates(std::string_view path, const NormalizePathOptions& o) {
    std::vector<std::string> out;
    auto add = [&](std::string p) {
        if (!p.empty() && p != path && std::find(out.begin(), out.end(), p) == out.end()) out.push_back(std::move(p));
    };
    const std::string base = o.merge_slashes ? merged(path) : std::string(path);
    if (o.merge_slashes) add(base);
    if (o.append_slash && base.back() != '/') add(base + "/");
    if (o.remove_slash && base.size() > 1 && base.back() == '/') add(base.substr(0, base.size() - 1));
    return out;
}

}  // namespace

web::Middleware normalize_path(NormalizePathOptions options) {
    if (options.append_slash && options.remove_slash)
        throw std::invalid_argument("normalize_path: append_slash and remove_slash exclude each other");
    if (options.redirect_status != 301 && options.redirect_status != 308)
        throw std::invalid_argument("normalize_path: redirect_status must be 301 or 308");
    return [options](web::Request& req, web::Next next) -> awaitable<web::Response> {
        std::optional<std::string> target;
        try {
            co_return co_await next(req);
        } catch (const web::HTTPNotFound&) {
            web::MatchInfo match;
            std::vector<std::string> allowed;
            for (auto& candidate : candidates(req.path(), options)) {
                if (req.app().router().resolve(req.method(), candidate, match, allowed)) {
                    target = candidate;
                    break;
                }
            }
            if (!target) throw;
        }
        auto location = *target;
        if (!req.query_string().empty()) location.append("?").append(req.query_string());
        if (options.redirect_status == 301) throw web::HTTPMovedPermanently(location);
        throw web::HTTPPermanentRedirect(location);
    };
}

}  // namespace asiohttp::middleware
