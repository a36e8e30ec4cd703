#include "metrics/http_metrics.hpp"

#include <string>

#include "asiohttp/router.hpp"

namespace asiohttp::detail {
namespace {

// Methods as labels: the standard ones by name, anything else as one value so
// that clients cannot grow the series without bound.
constexpr std::string_view kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"};

std::uint8_t method_index(std::string_view method) noexcept {
    for (std::uint8_t i = 0; i + 1u < std::size(kMethods); ++i)
        if (kMethods[i] == method) return i;
    return std::size(kMethods) - 1;
}

std::string route_label(const web::Route* route) { return route ? route->path_template() : std::string(); }

// Adds to a value only this thread writes.
template <class T>
void add(std::atomic<T>& value, T n) noexcept {
    value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

}  // namespace

template <class Map, class K>
typename Map::mapped_type& HttpMetrics::series(Map& map, const K& key) {
    if (auto it = map.find(key); it != map.end()) return it->second;
    std::lock_guard lock(mutex_);
    return map.try_emplace(key).first->second;
}

void HttpMetrics::observe(const web::Route* route, std::string_view method, int status,
                          std::chrono::nanoseconds elapsed) {
    const double seconds = std::chrono::duration<double>(elapsed).count();
    const auto& bounds = metrics::default_buckets();
    std::size_t bucket = 0;
    while (bucket < bounds.size() && seconds > bounds[bucket]) ++bucket;
    const Key key{route, method_index(method), std::uint16_t(status)};
    if (!last_count_ || key != last_key_) {
        last_count_ = &series(requests_, key);
        if (!last_latency_ || std::get<0>(last_key_) != route) last_latency_ = &series(latency_, route);
        last_key_ = key;
    }
    add(*last_count_, std::uint64_t(1));
    add(last_latency_->counts[bucket], std::uint64_t(1));
    add(last_latency_->sum, seconds);
}

void HttpMetrics::collect(metrics::Families& f) const {
    std::lock_guard lock(mutex_);
    for (auto& [key, n] : requests_) {
        auto [route, method, status] = key;
        f.counter("asiohttp_http_requests_total", "HTTP requests answered, by method, route template and status.",
                  {{"method", std::string(kMethods[method])}, {"route", route_label(route)},
                   {"status", std::to_string(status)}},
                  double(n.load(std::memory_order_relaxed)));
    }
    for (auto& [route, l] : latency_) {
        metrics::HistogramSnapshot h{metrics::default_buckets(), {}, l.sum.load(std::memory_order_relaxed), 0};
        for (auto& c : l.counts) h.counts.push_back(c.load(std::memory_order_relaxed));
        for (auto c : h.counts) h.count += c;
        f.histogram("asiohttp_http_request_duration_seconds",
                    "Time from a request's head to its response's last byte, by route template.",
                    {{"route", route_label(route)}}, h);
    }
}

}  // namespace asiohttp::detail
