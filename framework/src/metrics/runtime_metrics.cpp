#include "metrics/runtime_metrics.hpp"

#include "asiohttp/metrics.hpp"

namespace asiohttp::detail {

std::size_t ShardedCounter::shard() noexcept {
    static std::atomic<std::size_t> next{0};
    thread_local const std::size_t mine = next.fetch_add(1, std::memory_order_relaxed) % kShards;
    return mine;
}

namespace {

void collect(const RuntimeMetrics& m, metrics::Families& f) {
    f.gauge("asiohttp_websocket_connections", "WebSockets open.", {}, double(m.ws_open.value()));
    f.counter("asiohttp_websocket_messages_received_total", "WebSocket messages received.", {},
              double(m.ws_received.value()));
    f.counter("asiohttp_websocket_messages_sent_total", "WebSocket messages written to their sockets.", {},
              double(m.ws_sent.value()));
    f.counter("asiohttp_websocket_slow_consumer_closes_total",
              "WebSockets closed with 1013 because their reader fell behind.", {}, double(m.ws_slow_closes.value()));
    f.gauge("asiohttp_websocket_send_queue_bytes", "Bytes waiting in WebSocket send queues.", {},
            double(m.ws_queued_bytes.value()));
    f.counter("asiohttp_websocket_published_deflates_total",
              "Published messages compressed for permessage-deflate: once per message and window size, "
              "however many subscribers.",
              {}, double(m.ws_published_deflates.value()));
    f.counter("asiohttp_client_requests_total", "Requests sent by ClientSessions.", {},
              double(m.client_requests.value()));
    f.gauge("asiohttp_client_connections", "ClientSession connections open, pooled ones included.", {},
            double(m.client_connections.value()));
}

}  // namespace

RuntimeMetrics& runtime_metrics() noexcept {
    static RuntimeMetrics m;
    static const auto registration = metrics::default_registry().add([](metrics::Families& f) { collect(m, f); });
    return m;
}

}  // namespace asiohttp::detail
