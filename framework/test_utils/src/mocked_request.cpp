#include "asiohttp/mocked_request.hpp"

#include <stdexcept>

#include "asiohttp/application.hpp"
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

    awaitable<void> read_body() override {
        if (head_.body.size() > limit_) throw asiohttp::detail::body_too_large(limit_);
        head_.body_complete = true;
        co_return;
    }
    awaitable<void> send_head(web::Response&) override { co_return; }
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
    head.method.assign(method);
    head.target.assign(target);
    head.version = options.version;
    head.keep_alive = options.version >= 11;
    // Field views are made once every field is in `fields`, as the parser does.
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    for (auto& [name, value] : options.headers) {
        spans.emplace_back(head.fields.size(), name.size());
        head.fields += name;
        spans.emplace_back(head.fields.size(), value.size());
        head.fields += value;
    }
    std::string_view fields = head.fields;
    for (std::size_t i = 0; i < spans.size(); i += 2)
        head.headers.add(fields.substr(spans[i].first, spans[i].second),
                         fields.substr(spans[i + 1].first, spans[i + 1].second));
    if (!options.body.empty() || options.headers.get("Content-Length")) head.content_length = options.body.size();
    head.body = std::move(options.body);
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
