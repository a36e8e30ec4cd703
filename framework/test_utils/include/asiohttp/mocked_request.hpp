// aiohttp's make_mocked_request: a Request with no socket under it, for testing
// handlers and middlewares as plain functions.
//
//   auto req = test_utils::make_mocked_request("GET", "/notes/7?full=1", {.match_info = {{"id", "7"}}});
//   auto resp = asiohttp::run(get_note(*req));       // asiohttp/tasks.hpp
//   EXPECT_EQ(resp.status(), 200);
//
// The body is there in full (read()/json()/post() work as on a real request);
// a StreamResponse's head and data are collected in written().
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "asiohttp/multidict.hpp"
#include "asiohttp/request.hpp"

namespace asiohttp::web {
class Application;
}

namespace asiohttp::test_utils {

struct MockedRequestOptions {
    CIMultiDict headers;
    std::string body;
    MultiDict match_info;                 // the route variables a handler reads
    web::Application* app = nullptr;      // a fresh, frozen application when null
    std::string remote = "127.0.0.1";
    bool secure = false;
    unsigned version = 11;                // 10 for HTTP/1.0
    std::size_t client_max_size = 1 << 20;  // read() beyond it: 413, as the server
};

// What a mocked request points into: built before the Request base (base-from-member).
struct MockedRequestParts {
    struct Impl;
    std::unique_ptr<Impl> impl;
    explicit MockedRequestParts(std::unique_ptr<Impl> i);
    ~MockedRequestParts();
};

// A Request (pass *req to a handler) that owns what it is made of.
class MockedRequest : private MockedRequestParts, public web::Request {
public:
    MockedRequest(std::string_view method, std::string_view target, MockedRequestOptions options);
    ~MockedRequest();

    // What a prepared StreamResponse wrote: the data only (the head is the Response itself).
    const std::string& written() const noexcept;
    bool eof_written() const noexcept;
};

std::unique_ptr<MockedRequest> make_mocked_request(std::string_view method, std::string_view target,
                                                   MockedRequestOptions options = {});

}  // namespace asiohttp::test_utils
