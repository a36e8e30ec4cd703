// web::Application: router, middlewares, lifecycle signals, typed state and
// sub-applications, as aiohttp.web.Application.
//
// Lifecycle (aiohttp's order):
//   startup:  cleanup contexts run to their setup, then on_startup hooks in order
//   shutdown: on_shutdown hooks in order (after the server stopped accepting)
//   cleanup:  cleanup contexts' teardowns in reverse order, then on_cleanup hooks
// The application is frozen when it starts: routes, middlewares and hooks can no
// longer change, and state becomes read-only once startup is over.
#pragma once

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "asiohttp/app_key.hpp"
#include "asiohttp/handler.hpp"
#include "asiohttp/router.hpp"

namespace asiohttp::web {

class Application;
class WebSocketHandle;
class WebSocketResponse;
class Topics;
}  // namespace asiohttp::web

namespace asiohttp::detail {
class AppAccess;
class LiveWebSockets;
class ServerImpl;
}  // namespace asiohttp::detail

namespace asiohttp::web {

using Hook = std::function<awaitable<void>(Application&)>;
// A cleanup context: sets something up and returns the hook that tears it down.
using CleanupContext = std::function<awaitable<Hook>(Application&)>;
// Called just before a response's head is sent, streamed or not, errors
// included (aiohttp's on_response_prepare): the place to add headers or enable
// compression for every response. An exception it throws is logged and ignored.
using ResponsePrepareHook = std::function<void(Request&, Response&)>;

// A list of hooks that freezes with its application (aiohttp's Signal).
template <class Fn>
class HookList {
public:
    void append(Fn fn) {
        if (frozen_) throw std::logic_error("cannot change a frozen application's hooks");
        hooks_.push_back(std::move(fn));
    }
    std::size_t size() const noexcept { return hooks_.size(); }
    auto begin() const noexcept { return hooks_.begin(); }
    auto end() const noexcept { return hooks_.end(); }

private:
    friend class Application;
    std::vector<Fn> hooks_;
    bool frozen_ = false;
};

class Application {
public:
    Application();
    ~Application();
    Application(const Application&) = delete;
    Application& operator=(const Application&) = delete;

    Router& router() noexcept { return router_; }
    const Router& router() const noexcept { return router_; }

    void add_middleware(Middleware middleware);
    const std::vector<Middleware>& middlewares() const noexcept { return middlewares_; }

    HookList<Hook> on_startup;
    HookList<Hook> on_shutdown;
    HookList<Hook> on_cleanup;
    HookList<CleanupContext> cleanup_ctx;
    // Runs for the routes of this application and of its sub-applications, the
    // root's hooks first.
    HookList<ResponsePrepareHook> on_response_prepare;

    // Typed state (aiohttp: app[key]). Writable until startup completes.
    template <class T>
    T& set(const AppKey<T>& key, T value) {
        check_state_writable();
        return state_.set(key, std::move(value));
    }
    template <class T, class... Args>
    T& emplace(const AppKey<T>& key, Args&&... args) {
        check_state_writable();
        return state_.emplace(key, std::forward<Args>(args)...);
    }
    // Looks in this application, then its parents (aiohttp's config_dict); throws std::out_of_range.
    template <class T>
    T& get(const AppKey<T>& key) const {
        if (T* v = find(key)) return *v;
        return const_cast<TypedState&>(state_).get(key);  // throws with the key's name
    }
    template <class T>
    T* find(const AppKey<T>& key) const noexcept {
        for (auto* app = this; app; app = app->parent_)
            if (T* v = const_cast<TypedState&>(app->state_).find(key)) return v;
        return nullptr;
    }
    template <class T>
    bool contains(const AppKey<T>& key) const noexcept {
        return find(key) != nullptr;
    }

    // Mounts a sub-application under `prefix` ("/admin"); returns it to fill with routes.
    Application& add_subapp(std::string_view prefix, std::unique_ptr<Application> subapp);
    Application& add_subapp(std::string_view prefix) {
        return add_subapp(prefix, std::make_unique<Application>());
    }
    Application* parent() const noexcept { return parent_; }

    // The WebSockets open on this application's routes right now, on every thread
    // (aiohttp keeps them in app state for broadcasts and shutdown).
    std::vector<WebSocketHandle> websockets() const;
    // Named groups of WebSockets to publish to (asiohttp/topics.hpp); one set for
    // an application and its sub-applications.
    Topics& topics() noexcept;

    // Debug mode: exception texts in 500 bodies. Set by the server's config.
    bool debug() const noexcept { return debug_; }
    void set_debug(bool on) noexcept { debug_ = on; }

    // Readiness, for load balancers and orchestrators (a /readyz handler): true
    // once the server has run the startup hooks and serves, false again from the
    // moment it begins to stop (through ServerConfig::drain_delay, while it
    // still serves). A sub-application answers for its root.
    bool ready() const noexcept;

    bool frozen() const noexcept { return frozen_; }
    void freeze();

    awaitable<void> startup();
    awaitable<void> shutdown();
    awaitable<void> cleanup();

    // Routes the request through the middlewares to its handler. Never throws:
    // HTTP exceptions become their responses, anything else a logged 500.
    awaitable<Response> handle(Request& req);

private:
    friend class WebSocketResponse;  // registers its socket in live_
    friend class asiohttp::detail::ServerImpl;  // sets ready_
    friend class asiohttp::detail::AppAccess;
    void check_not_frozen() const;
    void check_state_writable() const;
    // Freezes this application and its sub-applications; returns the largest route body limit among them.
    std::size_t build_chains(const std::vector<const Middleware*>& outer,
                             const std::vector<const ResponsePrepareHook*>& outer_prepare);
    awaitable<Response> dispatch(Request& req);

    Router router_;
    std::vector<Middleware> middlewares_;
    std::vector<const Middleware*> chain_;  // root-to-here middlewares, for 404/405 and routes
    std::vector<const ResponsePrepareHook*> prepare_chain_;  // root-to-here on_response_prepare
    std::vector<std::unique_ptr<Application>> subapps_;
    std::vector<Hook> cleanup_hooks_;       // teardowns of started cleanup contexts
    std::unique_ptr<detail::LiveWebSockets> live_;
    std::unique_ptr<Topics> topics_;
    TypedState state_;
    Application* parent_ = nullptr;
    bool frozen_ = false;
    bool state_frozen_ = false;
    bool debug_ = false;
    std::size_t largest_body_limit_ = 0;  // AppAccess::largest_route_body_limit
    std::atomic<bool> ready_{false};
};

}  // namespace asiohttp::web
