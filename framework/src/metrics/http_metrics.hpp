// One worker's HTTP request counts (ServerConfig::metrics): by method, route
// template and status, and a latency histogram per route template. Written by
// the worker's own thread, read by a scrape under the same (uncontended) lock.
#pragma once

#include <array>
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
        std::array<std::uint64_t, 12> counts{};  // default_buckets() and +Inf
        double sum = 0;
    };
    mutable std::mutex mutex_;
    std::map<Key, std::uint64_t> requests_;
    std::map<const web::Route*, Latency> latency_;
};

}  // namespace asiohttp::detail
