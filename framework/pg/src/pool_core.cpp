#include "pool_core.hpp"

#include <boost/asio/post.hpp>

#include "shard.hpp"

namespace asiohttp::pg::detail {

namespace {
std::atomic<std::uint64_t> next_pool_id{1};
}

PoolCore::PoolCore(PoolConfig c)
    : config(std::move(c)), params(config.dsn, config.statement_timeout), id(next_pool_id++) {}

std::optional<std::string> PoolCore::statement_sql(const std::string& name) {
    std::lock_guard lock(mutex);
    auto it = statements.find(name);
    if (it == statements.end()) return std::nullopt;
    return it->second;
}

void PoolCore::wake(const std::shared_ptr<Waiter>& w) {
    w->woken = true;
    asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
}

void PoolCore::serve(std::deque<std::shared_ptr<Waiter>>::iterator it, std::unique_ptr<RawConnection> handed) {
    auto w = *it;
    waiters.erase(it);
    waiters_changed();
    w->handed = std::move(handed);
    wake(w);
}

void PoolCore::connection_gone() {
    std::lock_guard lock(mutex);
    --open;
    if (!waiters.empty()) wake_first([](const Waiter&) { return true; });  // it may open one now
}

void PoolCore::give_back(std::unique_ptr<RawConnection> conn) {
    std::lock_guard lock(mutex);
    if (closed) {
        --open;
        return;
    }
    unattached.push_back(std::move(conn));
    if (!waiters.empty()) wake_first([](const Waiter&) { return true; });
}

std::unique_ptr<RawConnection> PoolCore::take_unattached() {
    std::lock_guard lock(mutex);
    if (unattached.empty()) return nullptr;
    auto c = std::move(unattached.back());
    unattached.pop_back();
    return c;
}

void PoolCore::park(std::unique_ptr<RawConnection> conn) {
    std::lock_guard lock(mutex);
    unattached.push_back(std::move(conn));
}

std::vector<std::shared_ptr<Shard>> PoolCore::live_shards() {
    std::lock_guard lock(mutex);
    std::vector<std::shared_ptr<Shard>> out;
    for (auto& weak : shards)
        if (auto s = weak.lock()) out.push_back(std::move(s));
    return out;
}

bool PoolCore::reserve_open() {
    std::lock_guard lock(mutex);
    if (closed || open >= config.max_size) return false;
    ++open;
    return true;
}

void PoolCore::register_shard(const std::shared_ptr<Shard>& shard) {
    std::lock_guard lock(mutex);
    std::erase_if(shards, [](const auto& s) { return s.expired(); });
    shards.push_back(shard);
}

}  // namespace asiohttp::pg::detail
