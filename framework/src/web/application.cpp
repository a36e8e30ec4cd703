#include "asiohttp/application.hpp"

#include <algorithm>

#include <boost/asio/this_coro.hpp>

#include "asiohttp/http_exceptions.hpp"
#include "asiohttp/topics.hpp"
#include "web/error_response.hpp"
#include "web/exchange.hpp"
#include "base/log.hpp"
#include "websocket/live_websockets.hpp"

namespace asiohttp::web {

Application::Application()
    : router_(*this), live_(std::make_unique<detail::LiveWebSockets>(*this)), topics_(std::make_unique<Topics>()) {}
Application::~Application() = default;

void Application::check_not_frozen() const {
    if (frozen_) throw std::logic_error("cannot change a frozen (started or mounted) application");
}

void Application::check_state_writable() const {
    if (state_frozen_) throw std::logic_error("application state is read-only once the application has started");
}

std::vector<WebSocketHandle> Application::websockets() const { return live_->list(); }

Topics& Application::topics() noexcept { return parent_ ? parent_->topics() : *topics_; }

bool Application::ready() const noexcept {
    auto* root = this;
    while (root->parent_) root = root->parent_;
    return root->ready_.load(std::memory_order_acquire);
}

void Application::add_middleware(Middleware middleware) {
    check_not_frozen();
    middlewares_.push_back(std::move(middleware));
}

Application& Application::add_subapp(std::string_view prefix, std::unique_ptr<Application> subapp) {
    check_not_frozen();
    if (subapp->parent_) throw std::logic_error("the sub-application is already mounted");
    subapp->parent_ = this;
    router_.mount_subapp(prefix, *subapp);
    // The sub-application's lifecycle runs as part of ours, at this point of our hook lists.
    Application* sub = subapp.get();
    on_startup.append([sub](Application&) { return sub->startup(); });
    on_shutdown.append([sub](Application&) { return sub->shutdown(); });
    on_cleanup.append([sub](Application&) { return sub->cleanup(); });
    subapps_.push_back(std::move(subapp));
    return *sub;
}

void Application::freeze() {
    if (frozen_) return;
    if (parent_ && !parent_->frozen_) {
        parent_->freeze();
        return;
    }
    build_chains({}, {});
}

std::size_t Application::build_chains(const std::vector<const Middleware*>& outer,
                               const std::vector<const ResponsePrepareHook*>& outer_prepare) {
    frozen_ = true;
    router_.frozen_ = true;
    on_startup.frozen_ = on_shutdown.frozen_ = on_cleanup.frozen_ = cleanup_ctx.frozen_ = true;
    on_response_prepare.frozen_ = true;
    chain_ = outer;
    for (auto& m : middlewares_) chain_.push_back(&m);
    prepare_chain_ = outer_prepare;
    for (auto& hook : on_response_prepare) prepare_chain_.push_back(&hook);
    const auto prefix = router_.full_prefix();
    for (auto& res : router_.resources_) {
        for (auto& route : res->routes_) {
            route->chain_ = chain_;
            route->template_ = prefix + std::string(res->canonical());
            largest_body_limit_ = std::max(largest_body_limit_, route->client_max_size().value_or(0));
        }
    }
    for (auto& sub : subapps_) {
        sub->debug_ = debug_;
        largest_body_limit_ = std::max(largest_body_limit_, sub->build_chains(chain_, prepare_chain_));
    }
    return largest_body_limit_;
}

awaitable<void> Application::startup() {
    freeze();
    for (auto& ctx : cleanup_ctx) cleanup_hooks_.push_back(co_await ctx(*this));
    for (auto& hook : on_startup) co_await hook(*this);
    state_frozen_ = true;
}

awaitable<void> Application::shutdown() {
    for (auto& hook : on_shutdown) co_await hook(*this);
}

awaitable<void> Application::cleanup() {
    // Every teardown runs even if one fails; the first failure is rethrown at the end.
    std::exception_ptr first;
    for (auto it = cleanup_hooks_.rbegin(); it != cleanup_hooks_.rend(); ++it) {
        try {
            co_await (*it)(*this);
        } catch (...) {
            if (!first) first = std::current_exception();
        }
    }
    cleanup_hooks_.clear();
    for (auto& hook : on_cleanup) {
        try {
            co_await hook(*this);
        } catch (...) {
            if (!first) first = std::current_exception();
        }
    }
    state_frozen_ = false;
    if (first) std::rethrow_exception(first);
}

namespace {

awaitable<Response> not_found(Request&) { throw HTTPNotFound(); }

// The 405 path has its own frame, so the common path's stays small.
awaitable<Response> method_not_allowed(Request& req, const std::vector<const Middleware*>& chain,
                                       std::vector<std::string> allowed) {
    const Handler handler = [&allowed](Request& r) -> awaitable<Response> {
        throw HTTPMethodNotAllowed(r.method(), allowed);
        co_return Response();
    };
    co_return co_await Next(chain, 0, handler)(req);
}

}  // namespace

// Not a coroutine: resolves and hands back the chain's awaitable, allocating nothing
// of its own (each live request holds its coroutine frames; idle WebSockets too).
awaitable<Response> Application::dispatch(Request& req) {
    static const Handler not_found_handler = not_found;
    std::vector<std::string> allowed;
    const Route* route = router_.resolve(req.method(), req.path(), detail::RequestAccess::match(req), allowed);
    if (route) {
        detail::RequestAccess::set_route(req, route);
        detail::RequestAccess::set_app(req, route->app());
        if (route->chain_.empty()) return route->handler_(req);  // the fast path
        return Next(route->chain_, 0, route->handler_)(req);
    }
    if (allowed.empty()) return Next(chain_, 0, not_found_handler)(req);
    return method_not_allowed(req, chain_, std::move(allowed));
}

awaitable<Response> Application::handle(Request& req) {
    std::exception_ptr error;
    try {
        co_return co_await dispatch(req);
    } catch (...) {
        error = std::current_exception();
    }
    // Cancelled (handler_cancellation: its client went away): that propagates,
    // it is not the handler's failure.
    const auto state = co_await boost::asio::this_coro::cancellation_state;
    if (state.cancelled() != boost::asio::cancellation_type::none) std::rethrow_exception(error);
    co_return detail::error_response(req, error, debug_);
}

}  // namespace asiohttp::web
