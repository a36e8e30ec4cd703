// WebSocket load client for bench/ws.sh, on one thread.
//
//   ws_load echo HOST PORT PATH CONNECTIONS MESSAGE_BYTES SECONDS
//       every connection sends a message and waits for its echo, again and again;
//       prints messages/s and round-trip percentiles
//   ws_load idle HOST PORT PATH CONNECTIONS SECONDS
//       opens the connections, prints "ready N", holds them idle for SECONDS
//   ws_load fanout HOST PORT SUBSCRIBERS MESSAGE_BYTES SECONDS [WINDOW = 32] [PUBLISH_PORT = PORT]
//       SUBSCRIBERS sockets on /sub, one publisher on /pub keeping WINDOW messages
//       in flight (a message is done when every subscriber has it); prints
//       deliveries/s and the publish-to-delivery latency percentiles (WINDOW 1:
//       the latency of one broadcast on an otherwise idle server); with
//       PUBLISH_PORT, the publisher talks to another instance
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
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

// Opens `n` sockets, a few hundred at a time (the server's backlog); false if any failed.
bool open_all(asio::io_context& ioc, const Target& t, std::vector<std::unique_ptr<websocket::stream<tcp::socket>>>& sockets,
              int n) {
    int ready = 0, failed = 0;
    for (int i = 0; i < n; ++i) {
        sockets.push_back(std::make_unique<websocket::stream<tcp::socket>>(ioc));
        asio::co_spawn(ioc, [&, s = sockets.back().get()]() -> asio::awaitable<void> {
            if (co_await open(*s, t)) ++ready;
            else ++failed;
        }, asio::detached);
        if (i % 100 == 99) ioc.run_for(std::chrono::milliseconds(5));
    }
    while (ready + failed < n) ioc.run_for(std::chrono::milliseconds(10));
    return failed == 0;
}

int fanout(Target t, int subscribers, std::size_t size, int seconds, std::uint64_t window, std::uint16_t publish_port) {
    asio::io_context ioc(1);
    auto busy = asio::make_work_guard(ioc);
    std::vector<std::unique_ptr<websocket::stream<tcp::socket>>> subs, pub;
    t.path = "/sub";
    if (!open_all(ioc, t, subs, subscribers)) return 1;
    t.path = "/pub";
    t.endpoint.port(publish_port);
    if (!open_all(ioc, t, pub, 1)) return 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the server takes the subscriptions

    std::vector<std::uint32_t> latencies;  // microseconds, one per delivery
    latencies.reserve(std::size_t(subscribers) * 20000);
    std::unordered_map<std::uint64_t, int> remaining;  // message -> subscribers still to receive it
    std::uint64_t next = 0, done = 0;
    bool running = true;
    const auto start = Clock::now(), end = start + std::chrono::seconds(seconds);
    auto& publisher = *pub.front();
    publisher.text(true);
    // The message: its number and its send time (steady_clock, shared with the server's host), padded.
    auto send_next = [&]() -> asio::awaitable<void> {
        std::string msg = std::to_string(next) + " " +
                          std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count()) + " ";
        if (msg.size() < size) msg.append(size - msg.size(), 'x');
        remaining[next++] = subscribers;
        co_await publisher.async_write(asio::buffer(msg), nothrow);
    };
    asio::steady_timer kick(ioc);
    asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
        for (std::uint64_t i = 0; i < window; ++i) co_await send_next();
        while (running) {  // one more each time one completes
            kick.expires_at(asio::steady_timer::time_point::max());
            co_await kick.async_wait(nothrow);
            while (running && next - done < window) co_await send_next();
        }
    }, asio::detached);
    // Subscribers read the raw TCP stream and split the server's (unmasked) frames
    // themselves: many frames per read, so this client costs less per message
    // than the server it measures.
    auto on_message = [&](std::string_view text) {
        const auto now = Clock::now().time_since_epoch();
        const auto id = std::strtoull(text.data(), nullptr, 10);
        const auto sent_ns = std::strtoll(text.data() + text.find(' ') + 1, nullptr, 10);
        latencies.push_back(
            std::uint32_t((std::chrono::duration_cast<std::chrono::nanoseconds>(now).count() - sent_ns) / 1000));
        if (auto it = remaining.find(id); it != remaining.end() && --it->second == 0) {
            remaining.erase(it);
            ++done;
            kick.cancel();
        }
    };
    for (auto& s : subs)
        asio::co_spawn(ioc, [&, ws = s.get()]() -> asio::awaitable<void> {
            std::string pending;
            char chunk[64 << 10];
            while (running) {
                auto [ec, n] = co_await ws->next_layer().async_read_some(asio::buffer(chunk), nothrow);
                if (ec) co_return;
                pending.append(chunk, n);
                std::size_t at = 0;
                for (;;) {  // FIN+text, then a 7-bit or 16-bit length
                    if (pending.size() - at < 2) break;
                    std::size_t len = std::uint8_t(pending[at + 1]) & 0x7f, header = 2;
                    if (len == 126) {
                        if (pending.size() - at < 4) break;
                        len = (std::size_t(std::uint8_t(pending[at + 2])) << 8) | std::uint8_t(pending[at + 3]);
                        header = 4;
                    }
                    if (pending.size() - at < header + len) break;
                    on_message(std::string_view(pending).substr(at + header, len));
                    at += header + len;
                }
                pending.erase(0, at);
            }
        }, asio::detached);
    while (Clock::now() < end) ioc.run_for(std::chrono::milliseconds(50));
    running = false;
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    const auto deliveries = latencies.size();
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double p) { return latencies.empty() ? 0.0 : latencies[std::size_t(p * double(latencies.size() - 1))] / 1000.0; };
    std::printf("deliveries/s %.0f\nmessages/s %.0f\np50_ms %.3f\np99_ms %.3f\n", double(deliveries) / secs,
                double(done) / secs, pct(0.5), pct(0.99));
    std::fflush(stdout);
    std::_Exit(0);  // thousands of sockets: the kernel closes them faster than we would
}

int main(int argc, char** argv) {
    if (argc >= 7 && std::string(argv[1]) == "fanout") {
        Target t{tcp::endpoint(asio::ip::make_address(argv[2]), std::uint16_t(std::atoi(argv[3]))),
                 std::string(argv[2]) + ":" + argv[3], "/sub"};
        return fanout(t, std::atoi(argv[4]), std::size_t(std::atol(argv[5])), std::atoi(argv[6]),
                      argc >= 8 ? std::uint64_t(std::atol(argv[7])) : 32,
                      std::uint16_t(argc >= 9 ? std::atoi(argv[8]) : std::atoi(argv[3])));
    }
    if (argc < 7) {
        std::fprintf(stderr, "usage: ws_load echo HOST PORT PATH CONNECTIONS BYTES SECONDS\n"
                             "       ws_load idle HOST PORT PATH CONNECTIONS SECONDS\n"
                             "       ws_load fanout HOST PORT SUBSCRIBERS BYTES SECONDS [WINDOW] [PUBLISH_PORT]\n");
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
