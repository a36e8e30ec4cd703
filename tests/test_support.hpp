// Shared by the tests: the framework, the test server and client, GoogleTest.
#pragma once

#include <gtest/gtest.h>

#include <asiohttp/test_utils.hpp>
#include <asiohttp/web.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace web = asiohttp::web;
namespace test_utils = asiohttp::test_utils;
namespace asio = boost::asio;
using asiohttp::awaitable;
using json = nlohmann::json;
using namespace std::chrono_literals;

using asiohttp::test_utils::ClientResponse;
using asiohttp::test_utils::TestClient;
using asiohttp::test_utils::TestServer;

// A handler answering with a fixed text.
inline web::Handler text_handler(std::string text) {
    return [text](web::Request&) -> awaitable<web::Response> { co_return web::Response::text(text); };
}

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

// Suspends the handler without blocking its thread.
inline awaitable<void> async_sleep(std::chrono::milliseconds d) {
    asio::steady_timer timer(co_await asio::this_coro::executor, d);
    co_await timer.async_wait(asio::use_awaitable);
}
