#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "asiohttp/application.hpp"
#include "asiohttp/server.hpp"
#include "asiohttp/settings.hpp"
#include "base/log.hpp"

namespace asiohttp::web {

int run_app(Application& app, ServerConfig config) {
    const bool handle_signals = config.handle_signals;
    // Signals are caught before the server accepts anything: a SIGTERM that
    // comes right after start (an orchestrator's quick stop) is a graceful stop,
    // not the default action killing the process.
    boost::asio::io_context ctx;
    std::optional<boost::asio::signal_set> signals;
    if (handle_signals) {
        signals.emplace(ctx, SIGINT, SIGTERM);
        if (config.tls.enabled()) signals->add(SIGHUP);
    }
    std::optional<Server> server;
    try {
        server.emplace(app, std::move(config));
        server->start();
    } catch (const std::exception& e) {
        // One clear line and a failing exit status, as `python -m aiohttp.web` does.
        std::fprintf(stderr, "error: %s\n", e.what());
        std::exit(EXIT_FAILURE);
    }
    auto& cfg = server->config();
    asiohttp::detail::announce("Running on " + std::string(cfg.tls.enabled() ? "https" : "http") + "://" + cfg.host +
                               ":" + std::to_string(server->port()));

    if (handle_signals) {
        auto& log = asiohttp::detail::server_logger();
        std::function<void(const boost::system::error_code&, int)> on_signal = [&](auto& ec, int signo) {
            if (ec) return;
            if (signo != SIGHUP) {
                log.info("signal {}: shutting down gracefully", signo);
                return;
            }
            try {
                server->reload_tls();
                log.info("SIGHUP: TLS certificates reloaded");
            } catch (const std::exception& e) {
                log.error("SIGHUP: {} (the old certificates stay in use)", e.what());
            }
            signals->async_wait(on_signal);
        };
        signals->async_wait(on_signal);
        ctx.run();
        server->stop();
    } else {
        server->wait();
    }
    return EXIT_SUCCESS;
}

int run_app(Application& app, int argc, char** argv) {
    ServerConfig config;
    Settings settings(argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "server");
    add_server_settings(settings, config);
    settings.parse(argc, argv);
    return run_app(app, std::move(config));
}

}  // namespace asiohttp::web
