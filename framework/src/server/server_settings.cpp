// The server's configuration keys: one table for every app that runs a server.
#include <memory>

#include "asiohttp/server.hpp"
#include "asiohttp/settings.hpp"

namespace asiohttp::web {

void add_server_settings(Settings& s, ServerConfig& c) {
    s.add("host", c.host, "address to listen on");
    s.add("port", c.port, "port to listen on (0: any free port)").short_name('p').env({"ASIOHTTP_PORT", "PORT"});
    s.add("threads", c.threads, "worker threads (0: one per core)").short_name('t');
    s.add("backlog", c.backlog, "queue of connections waiting to be accepted");
    s.add("client-max-size", c.client_max_size, "request body limit in bytes (413 beyond)");
    s.add("max-header-size", c.max_header_size, "request line and headers limit in bytes (431 beyond)");
    s.add("header-timeout", c.header_timeout, "time to receive a request's head (408 after)");
    s.add("body-timeout", c.body_timeout, "time a request body may stall");
    s.add("keepalive-timeout", c.keepalive_timeout, "idle keep-alive connections close after this");
    s.add("shutdown-timeout", c.shutdown_timeout, "time in-flight requests get at shutdown");
    s.add("drain-delay", c.drain_delay, "after SIGTERM: go on serving this long, not ready, before draining");
    s.add("access-log", c.access_log, "write the access log");
    s.add("access-log-format", c.access_log_format, "access log line, aiohttp's directives (%a %t %r %s ...)");
    s.add("log-format", c.log_format, "text, or json: one JSON object per log line (access log included)")
        .metavar("text|json");
    s.add("request-ids", c.request_ids, "X-Request-ID for every request: a trusted proxy's, or a new one");
    s.add("metrics", c.metrics, "count requests by route and status for a Prometheus endpoint");
    s.add("watchdog", c.watchdog, "warn when a handler blocks its thread longer than slow-callback-duration");
    s.add("slow-callback-duration", c.slow_callback_duration, "the watchdog's limit (asyncio's name)");
    s.add("handler-cancellation", c.handler_cancellation,
          "cancel a handler whose client went away (its database call too)");
    s.add("debug", c.debug, "exception texts in 500 responses, and the watchdog on");
    s.add("server-header", c.server_header, "Server header of responses (empty: none)");

    // Certificates come in (cert, key) pairs; the pairs are built once all is read.
    struct Pairs {
        std::vector<std::string> certs, keys;
    };
    auto tls = std::make_shared<Pairs>();
    s.add("tls-cert", tls->certs, "PEM certificate chain: serve HTTPS and WSS (SIGHUP reloads; several for SNI)")
        .metavar("FILE");
    s.add("tls-key", tls->keys, "PEM private key of each tls-cert, in the same order").metavar("FILE");
    s.add("tls-handshake-timeout", c.tls.handshake_timeout, "a TLS peer that has not finished its handshake is dropped");
    s.add("tls-redirect-port", c.tls.redirect_port, "also listen for plain HTTP here and redirect it to HTTPS");
    s.add("trusted-proxies", c.trusted_proxies,
          "proxies whose Forwarded/X-Forwarded-* headers are believed (addresses or CIDRs)");
    s.check([tls, &s, &c] {
        if (!s.given("tls-cert") && !s.given("tls-key")) return;
        if (tls->certs.size() != tls->keys.size())
            throw SettingsError("tls-cert and tls-key go in pairs: " + std::to_string(tls->certs.size()) +
                                " certificate(s), " + std::to_string(tls->keys.size()) + " key(s)");
        c.tls.certificates.clear();
        for (std::size_t i = 0; i < tls->certs.size(); ++i) c.tls.certificates.push_back({tls->certs[i], tls->keys[i]});
    });
    s.check([&c] {
        if (c.tls.redirect_port && !c.tls.enabled()) throw SettingsError("tls-redirect-port needs tls-cert and tls-key");
    });
}

}  // namespace asiohttp::web
