// What the framework counts where it happens (WebSockets, the client, the
// watchdog), on any thread: each thread adds to its own shard, a scrape sums.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace asiohttp::detail {

class ShardedCounter {
public:
    void add(std::int64_t n = 1) noexcept { shards_[shard()].value.fetch_add(n, std::memory_order_relaxed); }
    std::int64_t value() const noexcept {
        std::int64_t total = 0;
        for (auto& s : shards_) total += s.value.load(std::memory_order_relaxed);
        return total;
    }

private:
    static constexpr std::size_t kShards = 16;
    static std::size_t shard() noexcept;
    struct alignas(64) Shard {
        std::atomic<std::int64_t> value{0};
    };
    std::array<Shard, kShards> shards_;
};

struct RuntimeMetrics {
    ShardedCounter ws_open;             // WebSockets open now
    ShardedCounter ws_received;         // messages received
    ShardedCounter ws_sent;             // messages written out
    ShardedCounter ws_slow_closes;      // closed with 1013: their reader fell behind
    ShardedCounter ws_queued_bytes;     // waiting in send queues now
    ShardedCounter ws_published_deflates;  // published messages deflated (once per message and window size)
    ShardedCounter client_requests;     // ClientSession requests sent
    ShardedCounter client_connections;  // ClientSession connections open now
};

// The process's counters, collected into metrics::default_registry().
RuntimeMetrics& runtime_metrics() noexcept;

}  // namespace asiohttp::detail
