// Cross-origin resource sharing (the Fetch standard's CORS protocol), as
// aiohttp_cors configures it, in one middleware:
//
//   app.add_middleware(asiohttp::middleware::cors({
//       .allow_origins = {"https://app.example"},
//       .allow_headers = {"Content-Type"},
//       .allow_credentials = true,
//       .path_prefix = "/api/",
//   }));
//
// A preflight (OPTIONS with Origin and Access-Control-Request-Method) is
// answered here from the router's own routes: no OPTIONS route to add. It is a
// 204 when the origin, the method (one the path's routes accept) and every
// requested header are allowed, a 403 saying which one is not, and a 404 when no
// route has the path. Other requests from an allowed origin get
// Access-Control-Allow-Origin (and the rest) on their response, error responses
// included. Requests without Origin, or outside `path_prefix`, pass untouched.
// A streamed response (StreamResponse, prepared by its handler) is already sent
// when the middleware sees it: it gets no CORS headers.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <asiohttp/handler.hpp>

namespace asiohttp::middleware {

struct CorsOptions {
    // Origins allowed to read responses, as browsers send them ("https://app.example:8443");
    // "*" allows any (answered "*", or the origin itself when credentials are allowed).
    std::vector<std::string> allow_origins;
    // Asked about origins the list does not name (e.g. any subdomain of one's own).
    std::function<bool(std::string_view origin)> allow_origin_if;
    // Methods a preflight may ask for; empty: whatever the path's routes accept.
    std::vector<std::string> allow_methods;
    // Request headers a preflight may ask for (any case); "*": any.
    std::vector<std::string> allow_headers;
    // Response headers the page may read beyond the CORS-safelisted ones.
    std::vector<std::string> expose_headers;
    // Cookies and HTTP authentication on cross-origin requests.
    bool allow_credentials = false;
    // How long a browser may cache a preflight's answer.
    std::chrono::seconds max_age{600};
    // Only paths that start with this ("/api/"); "/" is every path.
    std::string path_prefix = "/";
};

// Throws std::invalid_argument for options that cannot work (no origin at all).
web::Middleware cors(CorsOptions options);

}  // namespace asiohttp::middleware
