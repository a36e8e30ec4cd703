#include "server/worker.hpp"

#include <boost/asio/co_spawn.hpp>

#include "base/log.hpp"
#include "base/nothrow.hpp"
#include "net/transport.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

namespace asio = boost::asio;

awaitable<void> Worker::accept_loop() {
    asio::steady_timer backoff(ioc);
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(nothrow);
        if (ec) {
            if (stopping || ec == asio::error::operation_aborted) co_return;
            // Out of descriptors or memory: wait a little instead of spinning.
            server_logger().warn("accept failed: {}", ec.message());
            backoff.expires_after(std::chrono::milliseconds(50));
            co_await backoff.async_wait(nothrow);
            continue;
        }
        boost::system::error_code ignored;
        socket.set_option(asio::ip::tcp::no_delay(true), ignored);
        ++open_connections;
        accepted.fetch_add(1, std::memory_order_relaxed);
        asio::co_spawn(ioc, serve_http(PlainStream(std::move(socket)), *this), [](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                server_logger().error("connection failed: {}", ex.what());
            }
        });
    }
}

awaitable<void> Worker::tick_loop(std::chrono::milliseconds tick) {
    for (;;) {
        ticker.expires_after(tick);
        auto [ec] = co_await ticker.async_wait(nothrow);
        if (ec) co_return;
        now_ = Clock::now();
        for (auto it = connections.begin(); it != connections.end();) (it++)->check_deadline(now_);
    }
}

}  // namespace asiohttp::detail
