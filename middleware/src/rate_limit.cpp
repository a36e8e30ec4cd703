#include "asiohttp/middleware/rate_limit.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include <asiohttp/http_exceptions.hpp>
#include <asiohttp/request.hpp>

namespace asiohttp::middleware {
namespace {

using Clock = std::chrono::steady_clock;

// The buckets, in shards so that the server's threads seldom wait for each other.
class Buckets {
public:
    explicit Buckets(const RateLimitOptions& o)
        : rate_(o.rate), burst_(o.burst), per_shard_(std::max<std::size_t>(1, o.max_keys / kShards)) {}

    // Takes a token from `key`'s bucket; 0 if there was one, else the seconds
    // until there will be.
    double take(const std::string& key, Clock::time_point now) {
        auto& shard = shards_[std::hash<std::string>{}(key) % kShards];
        std::lock_guard lock(shard.mutex);
        auto it = shard.buckets.find(key);
        if (it == shard.buckets.end()) {
            if (shard.buckets.size() >= per_shard_) {  // forget the least recently seen
                shard.buckets.erase(shard.recency.back());
                shard.recency.pop_back();
            }
            shard.recency.push_front(key);
            it = shard.buckets.emplace(key, Bucket{burst_, now, shard.recency.begin()}).first;
        } else {
            shard.recency.splice(shard.recency.begin(), shard.recency, it->second.seen);
        }
        auto& b = it->second;
        b.tokens = std::min(burst_, b.tokens + std::chrono::duration<double>(now - b.refilled).count() * rate_);
        b.refilled = now;
        if (b.tokens >= 1) {
            b.tokens -= 1;
            return 0;
        }
        return (1 - b.tokens) / rate_;
    }

private:
    static constexpr std::size_t kShards = 16;
    struct Bucket {
        double tokens;
        Clock::time_point refilled;
        std::list<std::string>::iterator seen;  // its place in the shard's recency list
    };
    struct Shard {
        std::mutex mutex;
        std::unordered_map<std::string, Bucket> buckets;
        std::list<std::string> recency;  // most recently seen first
    };
    const double rate_, burst_;
    const std::size_t per_shard_;
    std::array<Shard, kShards> shards_;
};

}  // namespace

web::Middleware rate_limit(RateLimitOptions options) {
    if (!(options.rate > 0) || !(options.burst >= 1))
        throw std::invalid_argument("rate_limit: rate must be positive and burst at least 1");
    if (!options.key) options.key = [](const web::Request& req) { return std::string(req.remote()); };
    auto buckets = std::make_shared<Buckets>(options);
    return [buckets, key = std::move(options.key), prefix = std::move(options.path_prefix)](
               web::Request& req, web::Next next) -> awaitable<web::Response> {
        if (!req.path().starts_with(prefix)) co_return co_await next(req);
        const auto who = key(req);
        const double wait = who.empty() ? 0 : buckets->take(who, Clock::now());
        if (wait > 0) {
            web::HTTPTooManyRequests refused("429: Too Many Requests");
            refused.headers().set("Retry-After", std::to_string(std::max(1, int(std::ceil(wait)))));
            throw refused;
        }
        co_return co_await next(req);
    };
}

}  // namespace asiohttp::middleware
