// One worker's HTTP request counts (ServerConfig::metrics): by method, route
// template and status, and a latency histogram per route template. Written by
// the worker's own thread without a lock once a series exists: relaxed atomic
// loads and stores, no locked instruction, since nobody else writes them; a
// scrape reads each value whole. The lock only orders a new series' insertion
// against a scrape.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string_view>
#include <tuple>

#include "asiohttp/metrics.hpp"

namespace asiohttp::web {
class Route;
}

namespace asiohttp::detail {

class HttpMetrics {
public:
    void observe(const web::Route* route, std::string_view method, int status, std::chrono::nanoseconds elapsed);
    void collect(metrics::Families& families) const;

private:
    using Key = std::tuple<const web::Route*, std::uint8_t, std::uint16_t>;  // route, method, status
    struct Latency {
        std::array<std::atomic<std::uint64_t>, 12> counts{};  // default_buckets() and +Inf
        std::atomic<double> sum = 0;
    };
    // The series for a key, made (under the lock) on first use; only this
    // worker's thread inserts, so its lookups need no lock.
    template <class Map, class K>
    typename Map::mapped_type& series(Map& map, const K& key);

    mutable std::mutex mutex_;
    std::map<Key, std::atomic<std::uint64_t>> requests_;
    std::map<const web::Route*, Latency> latency_;
    // The last request's series: a run of requests to one route skips the lookups.
    Key last_key_{};
    std::atomic<std::uint64_t>* last_count_ = nullptr;
    Latency* last_latency_ = nullptr;
};

}  // namespace asiohttp::detail
