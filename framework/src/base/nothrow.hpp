// The completion token the library's coroutines use: the error code (and
// results) come back as a tuple instead of an exception, because a peer going
// away or a timeout is an expected outcome, handled where it happens.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asiohttp {

inline constexpr auto nothrow = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace asiohttp
