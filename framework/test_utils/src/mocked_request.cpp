#include "asiohttp/mocked_request.hpp"

#include <stdexcept>

#include "asiohttp/application.hpp"
#include "http1/head_rules.hpp"
#include "web/body_limit.hpp"
#include "net/transport.hpp"
#include "web/exchange.hpp"

namespace asiohttp::test_utils {

namespace {

// The connection a mocked request pretends to have: the body is all there, and
// what a StreamResponse sends is kept.
class MockedExchange final : public asiohttp::detail::Exchange {
public:
    MockedExchange(asiohttp::detail::RequestHead& head, std::size_t limit) : head_(head), limit_(limit) {}

    std::size_t client_max_size() const noexcept override { return limit_; }
    awaitable<void> read_body(std::size_t limit) override {
        if (offset_ > 0) throw std::logic_error("a mocked request's body was partly streamed already");
        if (head_.body.size() > limit) throw asiohttp::detail::body_too_large(limit);
        head_.body_complete = true;
        co_return;
    }
    // The body in pieces of at most 64 KiB, as a connection hands it out.
    awaitable<bool> read_body_some(std::string& into, std::size_t limit) override {
        if (head_.body.size() > limit) throw asiohttp::detail::body_too_large(limit);
        const auto piece = std::string_view(head_.body).substr(offset_, 64 << 10);
        offset_ += piece.size();
        into.append(piece);
        co_return !piece.empty();
    }
    awaitable<void> send_head(web::Response&, bool) override { co_return; }
    awaitable<void> send_data(std::string_view data) override {
        written.append(data);
        co_return;
    }
    awaitable<void> send_eof() override {
        eof = true;
        co_return;
    }
    asiohttp::detail::TakenOver take_over() override {
        throw std::logic_error("a mocked request has no connection to take over (WebSockets need a TestServer)");
    }

    std::string written;
    bool eof = false;

private:
    asiohttp::detail::RequestHead& head_;
    std::size_t limit_;
    std::size_t offset_ = 0;  // of the body streamed so far
};

}  // namespace

struct MockedRequestParts::Impl {
    Impl(std::string_view method, std::string_view target, MockedRequestOptions& options);
    asiohttp::detail::RequestHead head;
    MockedExchange exchange;
    std::unique_ptr<web::Application> own_app;
    web::Application* app;
    std::string remote;
};

MockedRequestParts::MockedRequestParts(std::unique_ptr<Impl> i) : impl(std::move(i)) {}
MockedRequestParts::~MockedRequestParts() = default;

MockedRequestParts::Impl::Impl(std::string_view method, std::string_view target,
                                       MockedRequestOptions& options)
    : exchange(head, options.client_max_size), app(options.app), remote(std::move(options.remote)) {
    // The head goes through the server's own parser, so it is filled (and
    // checked) exactly as for a request off the wire.
    std::string wire;
    wire.append(method).append(" ").append(target).append(options.version >= 11 ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n");
    for (auto& [name, value] : options.headers) wire.append(name).append(": ").append(value).append("\r\n");
    if (auto refusal = asiohttp::detail::parse_head(wire, head, false))
        throw std::invalid_argument("make_mocked_request: not a valid request head (" + refusal->reason + ")");
    if (!options.body.empty() || options.headers.get("Content-Length")) head.content_length = options.body.size();
    head.body = std::move(options.body);
    head.body_complete = false;  // read() goes through MockedExchange::read_body, which applies client_max_size
    if (!app) {
        own_app = std::make_unique<web::Application>();
        app = own_app.get();
    }
    app->freeze();
}

MockedRequest::MockedRequest(std::string_view method, std::string_view target, MockedRequestOptions options)
    : MockedRequestParts(std::make_unique<Impl>(method, target, options)),
      web::Request(impl->head, impl->exchange, *impl->app, impl->remote, options.secure) {
    asiohttp::detail::RequestAccess::set_match_values(*this, std::move(options.match_info));
}

MockedRequest::~MockedRequest() = default;
const std::string& MockedRequest::written() const noexcept { return impl->exchange.written; }
bool MockedRequest::eof_written() const noexcept { return impl->exchange.eof; }

std::unique_ptr<MockedRequest> make_mocked_request(std::string_view method, std::string_view target,
                                                   MockedRequestOptions options) {
    return std::make_unique<MockedRequest>(method, target, std::move(options));
}

}  // namespace asiohttp::test_utils
