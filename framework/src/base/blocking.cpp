#include "base/blocking.hpp"

#include <boost/asio/thread_pool.hpp>

namespace asiohttp::detail {

boost::asio::any_io_executor blocking_executor() {
    static boost::asio::thread_pool pool(2);
    return pool.get_executor();
}

}  // namespace asiohttp::detail
