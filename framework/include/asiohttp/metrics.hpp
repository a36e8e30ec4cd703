// Prometheus metrics: the server, WebSockets, the Postgres pool and the client
// session count what operators ask for, and web::metrics_handler() serves it
// all in Prometheus's text format (0.0.4). Counting is per thread and summed
// when scraped.
//
//   app.router().add_get("/metrics", web::metrics_handler());   // with ServerConfig::metrics
//
// An application's own metrics join through a collector:
//
//   static auto jobs = asiohttp::metrics::default_registry().add([](asiohttp::metrics::Families& f) {
//       f.gauge("myapp_jobs_queued", "Jobs waiting for a worker.", {}, double(queue_size()));
//   });
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asiohttp/handler.hpp"

namespace asiohttp::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Upper bounds of latency buckets in seconds: Prometheus's defaults.
const std::vector<double>& default_buckets();

// A histogram's state at one moment: per-bucket (not cumulative) counts, the
// count above the last bound, the sum and the count of observations.
struct HistogramSnapshot {
    std::vector<double> bounds;
    std::vector<std::uint64_t> counts;  // bounds.size() + 1: the last is +Inf
    double sum = 0;
    std::uint64_t count = 0;
    void merge(const HistogramSnapshot& other);
};

// A histogram any thread may observe into.
class Histogram {
public:
    explicit Histogram(std::vector<double> bounds = default_buckets());
    void observe(double value) noexcept;
    HistogramSnapshot snapshot() const;

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
    std::atomic<double> sum_{0};
};

// What one scrape collects, grouped by family; samples with the same name and
// labels from several collectors are added up.
class Families {
public:
    void counter(std::string_view name, std::string_view help, const Labels& labels, double value);
    void gauge(std::string_view name, std::string_view help, const Labels& labels, double value);
    void histogram(std::string_view name, std::string_view help, const Labels& labels, const HistogramSnapshot& h);
    // The text exposition format.
    std::string text() const;

private:
    struct Family {
        std::string type, help;
        std::map<std::string, double> samples;                  // label text -> value
        std::map<std::string, HistogramSnapshot> histograms;    // label text -> state
    };
    Family& family(std::string_view name, std::string_view type, std::string_view help);
    std::map<std::string, Family, std::less<>> families_;
};

class Registry {
public:
    using Collector = std::function<void(Families&)>;

    // Unregisters its collector when destroyed.
    class Handle {
    public:
        Handle() = default;
        Handle(Registry* registry, std::uint64_t id) : registry_(registry), id_(id) {}
        Handle(Handle&& o) noexcept : registry_(std::exchange(o.registry_, nullptr)), id_(o.id_) {}
        Handle& operator=(Handle&& o) noexcept;
        ~Handle();

    private:
        Registry* registry_ = nullptr;
        std::uint64_t id_ = 0;
    };

    [[nodiscard]] Handle add(Collector collector);
    // Every collector's samples as Prometheus text.
    std::string scrape() const;

private:
    void remove(std::uint64_t id);
    mutable std::mutex mutex_;
    std::uint64_t next_ = 1;
    std::vector<std::pair<std::uint64_t, Collector>> collectors_;
};

// The process's registry: what the framework counts is there.
Registry& default_registry();

}  // namespace asiohttp::metrics

namespace asiohttp::web {

// Serves the registry's metrics (text/plain; version=0.0.4).
Handler metrics_handler(metrics::Registry& registry = metrics::default_registry());

}  // namespace asiohttp::web
