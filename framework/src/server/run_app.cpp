#include <csignal>
#include <cstdio>
#include <cstdlib>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "asiohttp/application.hpp"
#include "asiohttp/server.hpp"
#include "base/log.hpp"

namespace asiohttp::web {

int run_app(Application& app, ServerConfig config) {
    const bool handle_signals = config.handle_signals;
    Server server(app, std::move(config));
    try {
        server.start();
    } catch (const std::exception& e) {
        // One clear line and a failing exit status, as `python -m aiohttp.web` does.
        std::fprintf(stderr, "error: %s\n", e.what());
        std::exit(EXIT_FAILURE);
    }
    auto& cfg = server.config();
    std::printf("======== Running on http://%s:%u ========\n(Press CTRL+C to quit)\n", cfg.host.c_str(),
                unsigned(server.port()));
    std::fflush(stdout);

    if (handle_signals) {
        boost::asio::io_context ctx;
        boost::asio::signal_set signals(ctx, SIGINT, SIGTERM);
        signals.async_wait([](const boost::system::error_code& ec, int signo) {
            if (!ec) asiohttp::detail::server_logger().info("signal {}: shutting down gracefully", signo);
        });
        ctx.run();
        server.stop();
    } else {
        server.wait();
    }
    return EXIT_SUCCESS;
}

}  // namespace asiohttp::web
