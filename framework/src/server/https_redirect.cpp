#include "server/https_redirect.hpp"

#include <algorithm>
#include <cctype>

#include "asiohttp/application.hpp"
#include "asiohttp/http_exceptions.hpp"
#include "asiohttp/request.hpp"

namespace asiohttp::detail {

std::optional<std::string> https_location(std::string_view host, std::string_view target, std::uint16_t https_port) {
    // The name without its port: "example.org:80" or "[::1]:80".
    std::string_view name = host;
    if (!name.empty() && name.front() == '[') {
        const auto close = name.find(']');
        if (close == name.npos) return std::nullopt;
        name = name.substr(0, close + 1);
        const auto inside = name.substr(1, name.size() - 2);
        if (inside.empty() || !std::all_of(inside.begin(), inside.end(),
                                           [](unsigned char c) { return std::isxdigit(c) || c == ':' || c == '.'; }))
            return std::nullopt;
    } else {
        name = name.substr(0, name.find(':'));
        if (name.empty() || !std::all_of(name.begin(), name.end(),
                                         [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.'; }))
            return std::nullopt;
    }
    if (target.empty() || target.front() != '/') target = "/";  // "*" or an absolute form: the site's root
    std::string location = "https://";
    location.append(name);
    if (https_port != 443) location += ":" + std::to_string(https_port);
    location.append(target);
    return location;
}

std::unique_ptr<web::Application> make_https_redirect_app(const std::uint16_t& https_port) {
    auto app = std::make_unique<web::Application>();
    // A middleware sees every request, matched by a route or not.
    app->add_middleware([&https_port](web::Request& req, web::Next) -> awaitable<web::Response> {
        auto location = https_location(req.host(), req.raw_path(), https_port);
        if (!location) throw web::HTTPBadRequest("a Host header naming this server is needed to redirect to https");
        throw web::HTTPPermanentRedirect(*location);
    });
    app->freeze();
    return app;
}

}  // namespace asiohttp::detail
