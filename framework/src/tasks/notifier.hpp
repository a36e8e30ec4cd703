// A thread-safe queue of small wake-ups (indices) that one coroutine awaits
// with a deadline: how tasks tell gather/wait/as_completed they finished, and
// how the client's connector hands a freed slot to a waiting request.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

#include <boost/asio/experimental/concurrent_channel.hpp>

#include "asiohttp/tasks.hpp"

namespace asiohttp::detail {

class Notifier {
public:
    Notifier(boost::asio::any_io_executor ex, std::size_t capacity) : channel_(std::move(ex), capacity) {}
    // From any thread; never blocks (at most `capacity` notifications are sent).
    void notify(std::size_t index) { channel_.try_send(boost::system::error_code{}, index); }
    // The next index, or nullopt when the deadline passes first.
    awaitable<std::optional<std::size_t>> next(Deadline deadline);

private:
    boost::asio::experimental::concurrent_channel<void(boost::system::error_code, std::size_t)> channel_;
};

}  // namespace asiohttp::detail
