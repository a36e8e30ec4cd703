#include <map>
#include <mutex>
#include <string>

#include "asiohttp/metrics.hpp"
#include "asiohttp/request.hpp"
#include "asiohttp/router.hpp"
#include "base/log.hpp"
#include "net/watched_executor.hpp"

namespace asiohttp::detail {
namespace {

// Slow steps by route template: rare, so a lock is fine.
struct SlowSteps {
    std::mutex mutex;
    std::map<std::string, std::uint64_t> by_route;
    metrics::Registry::Handle registration = metrics::default_registry().add([this](metrics::Families& f) {
        std::lock_guard lock(mutex);
        for (auto& [route, n] : by_route)
            f.counter("asiohttp_loop_blocked_total",
                      "Steps of a handler that kept their I/O thread longer than slow_callback_duration, by route.",
                      {{"route", route}}, double(n));
    });
};

SlowSteps& slow_steps() {
    static SlowSteps steps;
    return steps;
}

}  // namespace

void report_slow_step(const WatchedConnection& watched, std::chrono::nanoseconds took) {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    const auto* req = watched.request;
    const auto* route = req ? req->match_info().route() : nullptr;
    const std::string template_ = route ? route->path_template() : std::string();
    {
        auto& steps = slow_steps();
        std::lock_guard lock(steps.mutex);
        ++steps.by_route[template_];
    }
    const auto ms = duration_cast<milliseconds>(took).count();
    const auto limit = duration_cast<milliseconds>(watched.threshold).count();
    if (!req) {
        server_logger().warn("event loop blocked for {} ms (limit {} ms) outside any request", ms, limit);
        return;
    }
    const RequestLogFields fields{*req};
    const RequestLogScope scope(fields);
    server_logger().warn(
        "event loop blocked for {} ms (limit {} ms) by {} {} (route {}): a blocking call in an async handler?", ms,
        limit, req->method(), req->path(), template_.empty() ? "none" : template_);
}

}  // namespace asiohttp::detail
