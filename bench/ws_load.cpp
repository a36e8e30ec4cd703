// WebSocket load client for bench/ws.sh, on one thread.
//
//   ws_load echo HOST PORT PATH CONNECTIONS MESSAGE_BYTES SECONDS
//       every connection sends a message and waits for its echo, again and again;
//       prints messages/s and round-trip percentiles
//   ws_load idle HOST PORT PATH CONNECTIONS SECONDS
//       opens the connections, prints "ready N", holds them idle for SECONDS
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

struct Target {
    tcp::endpoint endpoint;
    std::string host, path;
};

asio::awaitable<bool> open(websocket::stream<tcp::socket>& ws, const Target& t) {
    auto [ec] = co_await ws.next_layer().async_connect(t.endpoint, nothrow);
    if (!ec) ws.next_layer().set_option(tcp::no_delay(true));
    if (!ec) std::tie(ec) = co_await ws.async_handshake(t.host, t.path, nothrow);
    if (ec) std::fprintf(stderr, "connect: %s\n", ec.message().c_str());
    co_return !ec;
}

int echo(const Target& t, int connections, std::size_t size, int seconds) {
    asio::io_context ioc(1);
    std::vector<std::vector<std::uint32_t>> rtts(connections);  // microseconds
    long errors = 0;
    const auto start = Clock::now(), end = start + std::chrono::seconds(seconds);
    for (int i = 0; i < connections; ++i) {
        asio::co_spawn(ioc, [&, i]() -> asio::awaitable<void> {
            websocket::stream<tcp::socket> ws(ioc);
            if (!co_await open(ws, t)) {
                ++errors;
                co_return;
            }
            ws.binary(false);
            std::string msg(size, 'x');
            beast::flat_buffer buf;
            while (Clock::now() < end) {
                auto sent = Clock::now();
                auto [we, wn] = co_await ws.async_write(asio::buffer(msg), nothrow);
                if (we) break;
                auto [re, rn] = co_await ws.async_read(buf, nothrow);
                if (re || rn != size) {
                    ++errors;
                    break;
                }
                buf.consume(rn);
                rtts[i].push_back(std::uint32_t(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent).count()));
            }
            co_await ws.async_close(websocket::close_code::normal, nothrow);
        }, asio::detached);
    }
    ioc.run();
    std::vector<std::uint32_t> all;
    for (auto& r : rtts) all.insert(all.end(), r.begin(), r.end());
    std::sort(all.begin(), all.end());
    auto pct = [&](double p) { return all.empty() ? 0.0 : all[std::size_t(p * double(all.size() - 1))] / 1000.0; };
    double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("messages/s %.0f\np50_ms %.3f\np99_ms %.3f\nerrors %ld\n", double(all.size()) / secs, pct(0.5), pct(0.99),
                errors);
    return errors ? 1 : 0;
}

int idle(const Target& t, int connections, int seconds) {
    asio::io_context ioc(1);
    auto busy = asio::make_work_guard(ioc);  // run_for must not stop for lack of work
    std::vector<std::unique_ptr<websocket::stream<tcp::socket>>> sockets;
    int ready = 0, failed = 0;
    for (int i = 0; i < connections; ++i) {
        sockets.push_back(std::make_unique<websocket::stream<tcp::socket>>(ioc));
        asio::co_spawn(ioc, [&, i]() -> asio::awaitable<void> {
            if (co_await open(*sockets[i], t)) ++ready;
            else ++failed;
        }, asio::detached);
        if (i % 100 == 99) ioc.run_for(std::chrono::milliseconds(5));  // don't overrun the backlog
    }
    while (ready + failed < connections) ioc.run_for(std::chrono::milliseconds(10));
    std::printf("ready %d\n", ready);
    std::fflush(stdout);
    ioc.run_for(std::chrono::seconds(seconds));
    return failed ? 1 : 0;
}

int main(int argc, char** argv) {
    if (argc < 7) {
        std::fprintf(stderr, "usage: ws_load echo HOST PORT PATH CONNECTIONS BYTES SECONDS\n"
                             "       ws_load idle HOST PORT PATH CONNECTIONS SECONDS\n");
        return 2;
    }
    std::string mode = argv[1];
    Target t{tcp::endpoint(asio::ip::make_address(argv[2]), std::uint16_t(std::atoi(argv[3]))),
             std::string(argv[2]) + ":" + argv[3], argv[4]};
    if (mode == "echo" && argc >= 8) return echo(t, std::atoi(argv[5]), std::size_t(std::atol(argv[6])), std::atoi(argv[7]));
    if (mode == "idle") return idle(t, std::atoi(argv[5]), std::atoi(argv[6]));
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
}
