// The one Asio include a user-facing header needs: handlers are Asio coroutines.
#pragma once

#include <boost/asio/awaitable.hpp>

namespace asiohttp {

template <class T>
using awaitable = boost::asio::awaitable<T>;

}  // namespace asiohttp
