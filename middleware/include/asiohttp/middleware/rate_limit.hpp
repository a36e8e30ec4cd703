// Rate limiting with a token bucket per client (or per whatever `key` says):
// each key may send `burst` requests at once and `rate` per second after that;
// beyond, a 429 with Retry-After (the seconds until its next request is let in).
//
//   app.add_middleware(asiohttp::middleware::rate_limit({.rate = 5, .burst = 20}));
//
// The default key is the client's address as the server resolved it (behind a
// trusted proxy, the client's, not the proxy's: ServerConfig::trusted_proxies).
// Memory stays bounded under any number of keys: a bucket that has refilled
// knows nothing a new one would not, and past `max_keys` the least recently
// seen key is forgotten. The buckets live in this process: replicas each count
// on their own.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include <asiohttp/handler.hpp>

namespace asiohttp::middleware {

struct RateLimitOptions {
    double rate = 10;   // requests per second, sustained
    double burst = 20;  // requests at once (the bucket's size)
    // Whose bucket a request takes from; "" lets the request through unlimited.
    // Default: the client's address. E.g. a session or an API key instead.
    std::function<std::string(const web::Request&)> key;
    std::size_t max_keys = 100'000;
    std::string path_prefix = "/";  // only paths that start with this
};

// Throws std::invalid_argument for a rate or burst that is not positive.
web::Middleware rate_limit(RateLimitOptions options = {});

}  // namespace asiohttp::middleware
