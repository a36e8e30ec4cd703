// The completion tokens the library's coroutines use: the error code (and
// results) come back as a tuple instead of an exception, because a peer going
// away or a timeout is an expected outcome, handled where it happens.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asiohttp {

// For `co_await op(..., nothrow)`: an awaitable's await_transform runs a
// deferred operation in the awaiting frame, where use_awaitable would allocate
// a coroutine frame of its own for every operation.
inline constexpr auto nothrow = boost::asio::as_tuple(boost::asio::deferred);

// Where the operation must be an awaitable object: returned through a virtual
// function, or combined with awaitable operators (||, &&).
inline constexpr auto nothrow_awaitable = boost::asio::as_tuple(boost::asio::use_awaitable);

// For a stream's own operations: Beast 1.81's ssl_stream and basic_stream
// declare their results through async_result<>::return_type, which deferred
// does not define, so they take the awaitable token.
template <class Stream>
inline constexpr auto nothrow_for = [] {
    if constexpr (requires(Stream& s, boost::asio::mutable_buffer b) { s.async_read_some(b, nothrow); })
        return nothrow;
    else
        return nothrow_awaitable;
}();

}  // namespace asiohttp
