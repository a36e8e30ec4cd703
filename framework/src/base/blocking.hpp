// Work that may block (a disk read the page cache cannot answer) runs on a few
// threads of its own; the caller's coroutine waits on its own executor, so an
// I/O thread never blocks on a disk.
#pragma once

#include <exception>
#include <functional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "asiohttp/awaitable.hpp"

namespace asiohttp::detail {

// The blocking pool: created on first use, two threads.
boost::asio::any_io_executor blocking_executor();

// Runs fn() on the blocking pool; its exception, if any, comes out here.
template <class F>
awaitable<void> run_blocking(F fn) {
    namespace asio = boost::asio;
    auto initiate = [](auto handler, F fn) {
        // The caller's loop keeps running until the answer is back.
        auto loop = asio::prefer(asio::get_associated_executor(handler), asio::execution::outstanding_work.tracked);
        asio::post(blocking_executor(), [handler = std::move(handler), fn = std::move(fn), loop]() mutable {
            std::exception_ptr error;
            try {
                fn();
            } catch (...) {
                error = std::current_exception();
            }
            asio::dispatch(loop, [handler = std::move(handler), error]() mutable { std::move(handler)(error); });
        });
    };
    return asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr)>(initiate, asio::use_awaitable,
                                                                                        std::move(fn));
}

}  // namespace asiohttp::detail
