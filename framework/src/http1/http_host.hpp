// What an HTTP/1 connection needs from the worker thread that runs it, and the
// entry point that serves one accepted stream.
#pragma once

#include "asiohttp/awaitable.hpp"
#include "net/connection.hpp"

namespace asiohttp::web {
class Application;
}  // namespace asiohttp::web

namespace asiohttp::detail {

class AccessLog;
class HttpMetrics;
class TrustedProxies;

class HttpHost : public ConnectionRegistry {
public:
    virtual web::Application& app() noexcept = 0;
    virtual const AccessLog* access_log() const noexcept = 0;             // null when off
    virtual const TrustedProxies* trusted_proxies() const noexcept = 0;  // null when none
    virtual HttpMetrics* metrics() noexcept = 0;                          // null when off
    // Requests being handled: graceful shutdown waits until none is left.
    virtual void request_started() noexcept = 0;
    virtual void request_finished() noexcept = 0;

protected:
    ~HttpHost() = default;
};

// Serves HTTP/1.x on `stream` until the connection closes or is taken over.
template <class Stream>
awaitable<void> serve_http(Stream stream, HttpHost& host);

}  // namespace asiohttp::detail
