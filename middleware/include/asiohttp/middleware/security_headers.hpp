// The response headers that harden a site in browsers, as helmet and Drogon's
// SecureSSLRedirector/HttpHeaders set them:
//
//   app.add_middleware(asiohttp::middleware::security_headers({
//       .content_security_policy = "default-src 'self'",
//   }));
//
// Each is set unless the handler set it itself; HTTP errors get them too.
// Strict-Transport-Security goes only on requests that came over TLS (on plain
// HTTP a browser ignores it, RFC 6797 §7.2; behind a proxy, trust it to say so:
// ServerConfig::trusted_proxies). A streamed response is sent by its handler:
// left alone.
#pragma once

#include <chrono>
#include <string>

#include <asiohttp/handler.hpp>

namespace asiohttp::middleware {

struct SecurityHeadersOptions {
    // Strict-Transport-Security's max-age; 0: not sent.
    std::chrono::seconds hsts_max_age{365 * 24 * 3600};
    bool hsts_include_subdomains = true;
    bool hsts_preload = false;
    bool nosniff = true;                                       // X-Content-Type-Options: nosniff
    std::string frame_options = "DENY";                        // X-Frame-Options ("SAMEORIGIN"; "": not sent)
    std::string content_security_policy;                       // "": not sent
    std::string referrer_policy = "strict-origin-when-cross-origin";  // "": not sent
};

web::Middleware security_headers(SecurityHeadersOptions options = {});

}  // namespace asiohttp::middleware
