// The multi-acceptor HTTP server and its configuration.
//
// Each worker thread owns an io_context and its own acceptor on the same port
// (SO_REUSEPORT): the kernel spreads connections, and a connection stays on the
// thread that accepted it, so its state needs no locks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace asiohttp::web {

class Application;

// A certificate chain and its private key, in PEM files.
struct TLSCertificate {
    std::string cert_file;  // the server's certificate first, then its intermediates
    std::string key_file;
};

// HTTPS and WSS on the server's port: TLS 1.2 and 1.3, ALPN http/1.1.
struct ServerTLS {
    // The first certificate is the default; the others are picked by the name a
    // client asks for (SNI) when their certificate covers it.
    std::vector<TLSCertificate> certificates;
    std::chrono::milliseconds handshake_timeout{10'000};  // a peer that does not finish it is dropped
    // Also listen for plain HTTP on this port (0: any free one, see
    // Server::redirect_port()) and answer everything with a 308 to https://.
    std::optional<std::uint16_t> redirect_port;

    bool enabled() const noexcept { return !certificates.empty(); }
};

struct ServerConfig {
    std::string host = "0.0.0.0";
    std::uint16_t port = 8080;              // 0 = any free port (see Server::port())
    unsigned threads = 0;                   // 0 = one per hardware thread
    int backlog = 1024;

    std::size_t client_max_size = 1 << 20;  // request body limit: 413 beyond it (aiohttp: 1 MiB)
    std::size_t max_header_size = 8 << 10;  // request line + headers: 431 beyond it (nginx: 8 KiB)

    std::chrono::milliseconds header_timeout{60'000};      // slow request head: 408, then close
    std::chrono::milliseconds body_timeout{60'000};        // slow request body
    std::chrono::milliseconds keepalive_timeout{75'000};   // idle keep-alive connection (aiohttp: 75 s)
    // In-flight requests at shutdown (aiohttp: 60 s). 7 s fits docker stop's 10 s
    // grace period with time left for on_cleanup; raise it with the orchestrator's.
    std::chrono::milliseconds shutdown_timeout{7'000};
    // At stop (SIGTERM): Application::ready() turns false and the server goes on
    // serving this long before it drains, so a load balancer stops sending new
    // requests first (Kubernetes rolling updates). 0: drain at once.
    std::chrono::milliseconds drain_delay{0};

    bool access_log = true;
    // aiohttp's directives: %a %t %r %s %b %T %Tf %D %P %{Header}i %{Header}o
    std::string access_log_format = R"(%a %t "%r" %s %b "%{Referer}i" "%{User-Agent}i")";
    // "text", or "json": one JSON object per line for the access log and the
    // framework's own lines (time, level, logger, message, and for a request:
    // request_id, method, route, path, status, duration_ms, bytes, remote).
    std::string log_format = "text";
    // X-Request-ID on every request (Request::request_id()): taken from a
    // trusted proxy (trusted_proxies), else made up; returned in the response.
    bool request_ids = false;
    // Count requests by method, route template and status, their latency per
    // route, in-flight requests and open connections, for web::metrics_handler()
    // (asiohttp/metrics.hpp).
    bool metrics = false;
    // The blocked-loop watchdog (on with debug too): a step of a handler that
    // keeps its I/O thread longer than slow_callback_duration (asyncio's name and
    // default) is logged with its route and counted (asiohttp_loop_blocked_total).
    bool watchdog = false;
    std::chrono::milliseconds slow_callback_duration{100};
    // aiohttp's handler_cancellation: a handler whose client closed the
    // connection is cancelled at its next wait (a database call in flight is
    // cancelled on the server too). For requests without a body to read and
    // not upgrading; off by default, as in aiohttp (a handler may want to finish).
    bool handler_cancellation = false;
    bool debug = false;                     // exception texts in 500 bodies
    bool handle_signals = true;             // run_app: SIGINT/SIGTERM start a graceful shutdown
    std::string server_header = "asiohttp";
    ServerTLS tls;                          // no certificates: plain HTTP
    // Proxies and load balancers whose Forwarded / X-Forwarded-For / -Proto / -Host
    // are believed: addresses ("10.0.0.7") or networks ("10.0.0.0/8", "fd00::/8").
    // From any other peer those headers are ignored.
    std::vector<std::string> trusted_proxies;
};

}  // namespace asiohttp::web

namespace asiohttp {
class Settings;
}  // namespace asiohttp

namespace asiohttp::detail {
class ServerImpl;
}  // namespace asiohttp::detail

namespace asiohttp::web {

// The lower-level runner behind run_app, also used by tests.
class Server {
public:
    Server(Application& app, ServerConfig config);
    ~Server();  // stops, if still running
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds (throws std::system_error with a clear message if it cannot), runs the
    // startup hooks, then starts the worker threads. Returns once serving.
    void start();
    // The bound port (useful with port 0).
    std::uint16_t port() const noexcept;
    // The bound plain port that redirects to https (ServerTLS::redirect_port), else 0.
    std::uint16_t redirect_port() const noexcept;
    const ServerConfig& config() const noexcept;
    // Graceful shutdown: stop accepting, on_shutdown, let in-flight requests finish
    // within shutdown_timeout, close what remains, on_cleanup. Idempotent.
    void stop();
    // Blocks until stop() has completed (from another thread or a signal).
    void wait();
    // Reads the TLS certificate and key files again: new handshakes get the new
    // ones, open connections go on. Throws (keeping the old ones) if they do not load.
    void reload_tls();
    // Requests currently being handled, all threads together.
    std::size_t in_flight() const noexcept;
    // TCP connections accepted since start, and open now, all threads together.
    std::size_t connections_accepted() const noexcept;
    std::size_t open_connections() const noexcept;

private:
    std::unique_ptr<detail::ServerImpl> impl_;
};

// Runs the application until SIGINT/SIGTERM, then shuts down gracefully; SIGHUP
// reloads the TLS certificates. A bind failure (port in use) or a certificate
// that does not load prints one line and exits with status 1.
int run_app(Application& app, ServerConfig config = {});

// run_app with the ServerConfig read from the command line, the environment and
// a config file (see add_server_settings); --help lists the keys, a bad value
// prints one line and exits with status 2.
int run_app(Application& app, int argc, char** argv);

// The server's keys, filling `config` when settings.parse() runs (README,
// "Configuration"): host, port (-p; also $PORT), threads (-t), backlog,
// client-max-size, max-header-size, header-timeout, body-timeout,
// keepalive-timeout, shutdown-timeout, drain-delay, access-log,
// access-log-format, debug, server-header, tls-cert and tls-key (in pairs, the
// first pair the default certificate), tls-handshake-timeout, tls-redirect-port,
// trusted-proxies. Environment: ASIOHTTP_ and the key in capitals, - as _.
void add_server_settings(Settings& settings, ServerConfig& config);

}  // namespace asiohttp::web
