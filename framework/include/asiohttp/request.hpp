// web::Request: what a handler receives, as aiohttp.web.Request.
//
//   auto id   = req.match_info("id");                // from /notes/{id}
//   auto page = req.query().get("page", "1");
//   auto ua   = req.headers().get("User-Agent", "");
//   auto body = co_await req.json();                 // 400 on malformed JSON
//
// Large bodies stream: req.content() (asiohttp/streams.hpp) and req.multipart()
// (asiohttp/multipart.hpp) read them piece by piece as they arrive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "asiohttp/app_key.hpp"
#include "asiohttp/awaitable.hpp"
#include "asiohttp/detail/heap_optional.hpp"
#include "asiohttp/detail/request_head.hpp"
#include "asiohttp/multidict.hpp"
#include "asiohttp/multipart.hpp"
#include "asiohttp/post_data.hpp"
#include "asiohttp/streams.hpp"

namespace asiohttp::web {

class Application;
class Response;
class Route;

}  // namespace asiohttp::web

namespace asiohttp::detail {
class Exchange;
class RequestAccess;
}  // namespace asiohttp::detail

namespace asiohttp::web {

// Thrown by Request::read() and friends when the client went away or sent a broken
// body; the server closes the connection quietly (aiohttp: ConnectionResetError).
class ClientDisconnectedError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The variables a route matched ({id} in /notes/{id}) and the route itself.
class MatchInfo {
public:
    std::optional<std::string_view> get(std::string_view name) const noexcept { return values_.get(name); }
    const MultiDict& values() const noexcept { return values_; }
    const Route* route() const noexcept { return route_; }

private:
    friend class Router;
    friend class Application;
    friend class detail::RequestAccess;
    MultiDict values_;
    const Route* route_ = nullptr;
};

class Request {
public:
    Request(detail::RequestHead& head, detail::Exchange& exchange, Application& app, std::string_view remote,
            bool secure = false);
    Request(const Request&) = delete;
    Request& operator=(const Request&) = delete;

    std::string_view method() const noexcept { return head_->method; }
    // HTTP version: 11 for HTTP/1.1, 10 for HTTP/1.0.
    unsigned version() const noexcept { return head_->version; }
    // The request target as sent: percent-encoded path plus query.
    std::string_view raw_path() const noexcept { return head_->target; }
    // The decoded path, without the query.
    const std::string& path() const noexcept { return path_; }
    std::string_view query_string() const noexcept;
    const MultiDict& query() const;

    const CIMultiDictProxy& headers() const noexcept { return head_->headers; }
    const MultiDict& cookies() const;
    // Host as the client sent it (a trusted proxy's X-Forwarded-Host or Forwarded host= wins).
    std::string_view host() const noexcept { return host_; }
    std::string_view scheme() const noexcept { return secure_ ? "https" : "http"; }
    bool secure() const noexcept { return secure_; }
    // The client's IP address: the peer's, or what a trusted proxy says (ServerConfig::trusted_proxies).
    std::string_view remote() const noexcept { return remote_; }
    bool keep_alive() const noexcept { return head_->keep_alive; }
    // This request's X-Request-ID (ServerConfig::request_ids): a trusted proxy's,
    // or one made up for it; sent back in the response and named in log lines.
    // Pass it on to the services a handler calls. Empty when off.
    std::string_view request_id() const noexcept { return request_id_; }

    // A variable of the matched route; throws std::out_of_range if the route has none by that name.
    std::string_view match_info(std::string_view name) const;
    const MatchInfo& match_info() const noexcept { return match_info_; }

    // Media type without parameters ("application/json"); aiohttp's default when absent.
    std::string_view content_type() const noexcept;
    // The charset parameter of Content-Type, if any.
    std::string_view charset() const noexcept;
    std::optional<std::uint64_t> content_length() const noexcept { return head_->content_length; }
    bool body_exists() const noexcept { return head_->chunked || head_->content_length.value_or(0) > 0; }

    // The most body bytes this request may bring, decoded: the route's
    // RouteOptions::client_max_size, else ServerConfig::client_max_size.
    std::size_t client_max_size() const noexcept;

    // The whole body (read on first use, bounded by client_max_size: 413 beyond it).
    // The view stays valid for the life of the request. Not after content() was read.
    awaitable<std::string_view> read();
    awaitable<std::string_view> text() { return read(); }
    // The body parsed as JSON; a malformed body is a 400.
    awaitable<nlohmann::json> json();
    // urlencoded or multipart/form-data fields, file parts spooled to disk;
    // anything else is empty. Read once, then kept. (GCC 12: name the options
    // before the co_await, see asiohttp/client.hpp.)
    awaitable<PostData> post();
    awaitable<PostData> post(PostOptions options);

    // The body as it arrives, piece by piece (aiohttp: request.content).
    StreamReader& content();
    // A multipart body part by part (aiohttp: request.multipart()); 400 unless
    // the body is multipart with a boundary.
    MultipartReader multipart(const MultipartLimits& limits = {});

    // The application that owns the matched route (the sub-application, if any).
    Application& app() const noexcept { return *app_; }
    // Per-request state for middlewares and handlers (aiohttp: request["key"]).
    TypedState& state() noexcept { return state_; }
    // Runs `fn` on this request's response just before its head goes out, whole
    // or streamed, after the application's on_response_prepare hooks: how a
    // middleware reaches a StreamResponse that its handler prepares itself.
    void on_response_prepare(std::function<void(Response&)> fn) { rare_.make().prepare_hooks.push_back(std::move(fn)); }
    // Awaits `fn` on what the handler answered, its response or the
    // HTTPException it raised, once every middleware is done and before the
    // answer goes out (prepared or not, the hook looks): the last word that
    // needs I/O, such as saving a session. Not run for a 500 from an
    // unexpected exception, nor after a WebSocket took the connection over.
    void on_response_ready(std::function<awaitable<void>(Request&, Response&)> fn) {
        rare_.make().ready_hooks.push_back(std::move(fn));
    }

private:
    friend class detail::RequestAccess;
    // The decoded path of a request target (origin- or absolute-form).
    static std::string path_of(std::string_view target);

    detail::RequestHead* head_;
    detail::Exchange* exchange_;
    Application* app_;
    std::string_view remote_;
    std::string_view host_;
    std::string_view request_id_;
    bool secure_;
    std::string path_;
    MatchInfo match_info_;
    mutable std::optional<MultiDict> query_;
    mutable std::optional<MultiDict> cookies_;
    std::unique_ptr<StreamReader> content_;
    // What few requests use, out of line: a request (and an upgraded
    // WebSocket's frame holding it) is smaller by what these would take.
    struct Rare {
        std::optional<PostData> post;
        std::vector<std::function<void(Response&)>> prepare_hooks;
        std::vector<std::function<awaitable<void>(Request&, Response&)>> ready_hooks;
    };
    detail::HeapOptional<Rare> rare_;
    TypedState state_;
};

}  // namespace asiohttp::web
