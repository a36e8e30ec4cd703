// The blocked-loop watchdog (ServerConfig::watchdog, on with debug): each
// connection's coroutines run through this executor, which times every step of
// them (each resumption between two co_awaits). A step that keeps the I/O
// thread longer than slow_callback_duration is logged, naming the route, and
// counted, as asyncio's debug mode reports slow callbacks. A handler that calls
// blocking code by mistake shows up; one that awaits does not.
#pragma once

#include <chrono>
#include <memory>
#include <type_traits>
#include <utility>

#include <boost/asio/execution.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>

namespace asiohttp::web {
class Request;
}

namespace asiohttp::detail {

// What the connection behind an executor is doing, for the report.
struct WatchedConnection {
    const web::Request* request = nullptr;  // set while a request is being handled
    std::chrono::nanoseconds threshold{};
};

// Logs and counts one slow step.
void report_slow_step(const WatchedConnection& watched, std::chrono::nanoseconds took);

template <class Inner>
class WatchedExecutor {
public:
    WatchedExecutor(Inner inner, std::shared_ptr<WatchedConnection> watched) noexcept
        : inner_(std::move(inner)), watched_(std::move(watched)) {}

    const std::shared_ptr<WatchedConnection>& watched() const noexcept { return watched_; }

    template <class Property>
    auto query(const Property& p) const noexcept(noexcept(boost::asio::query(std::declval<const Inner&>(), p)))
        -> decltype(boost::asio::query(std::declval<const Inner&>(), p)) {
        return boost::asio::query(inner_, p);
    }
    template <class Property>
    auto require(const Property& p) const
        -> WatchedExecutor<std::decay_t<decltype(boost::asio::require(std::declval<const Inner&>(), p))>> {
        return {boost::asio::require(inner_, p), watched_};
    }
    template <class Property>
    auto prefer(const Property& p) const
        -> WatchedExecutor<std::decay_t<decltype(boost::asio::prefer(std::declval<const Inner&>(), p))>> {
        return {boost::asio::prefer(inner_, p), watched_};
    }

    template <class F>
    void execute(F&& f) const {
        inner_.execute([f = std::forward<F>(f), watched = watched_]() mutable {
            const auto start = std::chrono::steady_clock::now();
            std::move(f)();
            const auto took = std::chrono::steady_clock::now() - start;
            if (took > watched->threshold) report_slow_step(*watched, took);
        });
    }

    friend bool operator==(const WatchedExecutor& a, const WatchedExecutor& b) noexcept {
        return a.inner_ == b.inner_ && a.watched_ == b.watched_;
    }
    friend bool operator!=(const WatchedExecutor& a, const WatchedExecutor& b) noexcept { return !(a == b); }

private:
    Inner inner_;
    std::shared_ptr<WatchedConnection> watched_;
};

}  // namespace asiohttp::detail
