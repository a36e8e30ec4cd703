// The contract between a request/response and the connection carrying it. The
// connection implements it; Request and Response only see this interface, which
// keeps Beast out of the public headers.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "asiohttp/request.hpp"
#include "asiohttp/response.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

// No body may be sent for these statuses.
inline bool status_has_no_body(int status) noexcept { return status < 200 || status == 204 || status == 304; }

// What a protocol upgrade takes over (net/transport.hpp): only the
// connection and the WebSocket layer need the stream types.
struct TakenOver;

class Exchange {
public:
    // Reads the rest of the body into the request head and marks it complete.
    // `limit` is the request's client_max_size: a body past it is a 413.
    virtual awaitable<void> read_body(std::size_t limit) = 0;
    // Appends the next body bytes to `into` as they arrive, reading no further
    // ahead; false, with nothing added, once the whole body was read.
    virtual awaitable<bool> read_body_some(std::string& into, std::size_t limit) = 0;
    // ServerConfig::client_max_size: the limit of routes that set none.
    virtual std::size_t client_max_size() const noexcept = 0;
    // Status line and headers of a streamed response. `hold`: they wait for the
    // first body bytes (a file about to follow) and leave with them.
    virtual awaitable<void> send_head(Response& resp, bool hold = false) = 0;
    virtual awaitable<void> send_data(std::string_view data) = 0;
    virtual awaitable<void> send_eof() = 0;
    // Sends `length` bytes of the file `fd` from `offset` as body bytes without
    // copying them (sendfile(2)); false, with nothing sent, where that cannot be
    // done (TLS, chunked framing): the caller then writes them itself.
    virtual awaitable<bool> send_file(int /*fd*/, std::uint64_t /*offset*/, std::uint64_t /*length*/) {
        co_return false;
    }
    // Hands the socket to another protocol, with the count of open connections
    // (ConnectionRegistry::connection_closed is then the new owner's to call);
    // the request stays valid, but nothing more goes through this exchange.
    // Throws if the response already started.
    virtual TakenOver take_over() = 0;

protected:
    ~Exchange() = default;
};

// Internal access to Request, for the connection and the application.
class RequestAccess {
public:
    static MatchInfo& match(Request& r) noexcept { return r.match_info_; }
    static void set_route(Request& r, const Route* route) noexcept { r.match_info_.route_ = route; }
    static void set_match_values(Request& r, MultiDict values) { r.match_info_.values_ = std::move(values); }
    static void set_app(Request& r, Application& app) noexcept { r.app_ = &app; }
    // The client as trusted proxies describe it (views into the request's own headers).
    static void set_client(Request& r, std::string_view remote, std::string_view host, bool secure) noexcept {
        r.remote_ = remote;
        r.host_ = host;
        r.secure_ = secure;
    }
    static RequestHead& head(Request& r) noexcept { return *r.head_; }
    static void set_request_id(Request& r, std::string_view id) noexcept { r.request_id_ = id; }
    static Exchange& exchange(Request& r) noexcept { return *r.exchange_; }
    static void set_exchange(Request& r, Exchange& e) noexcept { r.exchange_ = &e; }
    static const std::vector<std::function<void(Response&)>>& prepare_hooks(const Request& r) noexcept {
        static const std::vector<std::function<void(Response&)>> none;
        return r.rare_.get() ? r.rare_.get()->prepare_hooks : none;
    }
    static bool has_ready_hooks(const Request& r) noexcept {
        return r.rare_.get() && !r.rare_.get()->ready_hooks.empty();
    }
    // Each hook runs once: they are taken off the request before the first runs.
    static awaitable<void> run_ready_hooks(Request& r, Response& resp) {
        auto& pending = r.rare_.make().ready_hooks;
        auto hooks = std::move(pending);
        pending.clear();
        for (auto& hook : hooks) co_await hook(r, resp);
    }
};

// Internal access to Response, for the connection and bodies sent late (files).
class ResponseAccess {
public:
    static DeferredBody* deferred(Response& r) noexcept { return r.rare_.get() ? r.rare_.get()->deferred.get() : nullptr; }
    static bool eof_sent(const Response& r) noexcept { return r.eof_sent_; }
    static const std::string& reason_override(const Response& r) noexcept {
        static const std::string none;
        return r.rare_.get() ? r.rare_.get()->reason : none;
    }
    static void clear_content_length(Response& r) noexcept { r.content_length_.reset(); }
    static void set_encoder(Response& r, std::shared_ptr<Encoder> e) { r.rare_.make().encoder = std::move(e); }
    // The streamed response's steps, as StreamResponse offers them.
    static awaitable<void> prepare(Response& r, Request& req, bool hold_head = false) {
        return r.prepare_stream(req, hold_head);
    }
    static awaitable<void> write(Response& r, std::string_view data) { return r.write_stream(data); }
    static awaitable<void> write_eof(Response& r) { return r.write_eof_stream({}); }
    // The file's bytes as body without copies, when nothing (compression) must see them.
    static awaitable<bool> send_file(Response& r, int fd, std::uint64_t offset, std::uint64_t length) {
        return r.send_file_stream(fd, offset, length);
    }
};

}  // namespace asiohttp::detail
