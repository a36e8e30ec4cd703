#include "asiohttp/middleware/security_headers.hpp"

#include <memory>

#include <asiohttp/request.hpp>

#include "decorated.hpp"

namespace asiohttp::middleware {

namespace {

// The fields and their values, worked out once.
struct Fields {
    std::string hsts;  // for secure requests only
    std::vector<std::pair<std::string, std::string>> always;

    explicit Fields(const SecurityHeadersOptions& o) {
        if (o.hsts_max_age.count() > 0) {
            hsts = "max-age=" + std::to_string(o.hsts_max_age.count());
            if (o.hsts_include_subdomains) hsts += "; includeSubDomains";
            if (o.hsts_preload) hsts += "; preload";
        }
        if (o.nosniff) always.emplace_back("X-Content-Type-Options", "nosniff");
        if (!o.frame_options.empty()) always.emplace_back("X-Frame-Options", o.frame_options);
        if (!o.content_security_policy.empty())
            always.emplace_back("Content-Security-Policy", o.content_security_policy);
        if (!o.referrer_policy.empty()) always.emplace_back("Referrer-Policy", o.referrer_policy);
    }
};

}  // namespace

web::Middleware security_headers(SecurityHeadersOptions options) {
    auto fields = std::make_shared<const Fields>(options);
    return [fields](web::Request& req, web::Next next) -> awaitable<web::Response> {
        const bool secure = req.secure();
        co_return co_await detail::decorated(req, next, [&fields, secure](web::Response& r) {
            for (auto& [name, value] : fields->always) r.headers().setdefault(name, value);
            if (secure && !fields->hsts.empty()) r.headers().setdefault("Strict-Transport-Security", fields->hsts);
        });
    };
}

}  // namespace asiohttp::middleware
