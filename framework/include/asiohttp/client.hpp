// The HTTP client, as aiohttp.ClientSession: one session per application, a
// connector that pools keep-alive connections, timeouts that fail fast, and
// many requests in flight on one thread.
//
//   asiohttp::ClientSession session({.limit = 100, .timeout = {.total = 5s, .connect = 1s}});
//   asiohttp::RequestOptions query{.params = {{"q", "x"}}};
//   auto r = co_await session.get("https://example.org/api", query);
//   int status = r.status();
//   auto body = co_await r.json();
//
// A session may be used from any number of coroutines and threads at once (a
// server's handlers on every worker thread, say); a response belongs to the
// coroutine that got it. A connection does its I/O on the io_context that
// opened it, is reused only there, and closes when that io_context shuts down.
//
// GCC 12 note: an aggregate temporary such as `{.params = ...}` written inside a
// co_await expression is destroyed twice (a compiler bug, gone in GCC 13): on
// GCC 12 name the options first.
//
//   asiohttp::RequestOptions query{.params = {{"q", "x"}}};
//   auto r = co_await session.get(url, query);
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "asiohttp/awaitable.hpp"
#include "asiohttp/client_exceptions.hpp"
#include "asiohttp/client_websocket.hpp"
#include "asiohttp/cookie_jar.hpp"
#include "asiohttp/formdata.hpp"
#include "asiohttp/multidict.hpp"
#include "asiohttp/payload.hpp"
#include "asiohttp/url.hpp"

namespace asiohttp {

// aiohttp's ClientTimeout; an unset limit does not apply.
struct ClientTimeout {
    // The whole request: waiting for a connection, connecting, sending, and
    // reading the response, body included.
    std::optional<std::chrono::milliseconds> total = std::chrono::seconds(300);
    // Getting a connection: waiting for a free slot in the pool plus connecting.
    std::optional<std::chrono::milliseconds> connect;
    // Connecting a new socket: DNS, TCP and the TLS handshake.
    std::optional<std::chrono::milliseconds> sock_connect = std::chrono::seconds(30);
    // Between two reads from the server.
    std::optional<std::chrono::milliseconds> sock_read;
};

struct BasicAuth {
    std::string login, password;
    // "Basic base64(login:password)", for the Authorization header.
    std::string encode() const;
};

// HTTPS and WSS: verification against the system's CA store by default.
struct TLSConfig {
    bool verify = true;   // false: accept any certificate (say so explicitly)
    std::string ca_file;  // PEM file of CAs to trust instead of the system store
    friend bool operator==(const TLSConfig&, const TLSConfig&) = default;
};

// A JSON request body: converts from nlohmann::json (serialized at once).
class JsonBody {
public:
    JsonBody() = default;
    JsonBody(const nlohmann::json& value);  // NOLINT: implicit, for {.json = ...}
    bool has_value() const noexcept { return text_.has_value(); }
    const std::string& text() const { return *text_; }

private:
    std::optional<std::string> text_;
};

struct ClientSessionOptions {
    // Sockets open at once, all hosts, idle ones included (0 = no limit); beyond
    // it requests wait for a connection to be given back.
    std::size_t limit = 100;
    std::size_t limit_per_host = 0;  // connections in use per (host, port, TLS) (0 = no limit)
    ClientTimeout timeout;
    std::chrono::milliseconds keepalive_timeout{15'000};  // idle pooled connections are closed after it
    std::string base_url;            // relative request URLs are resolved against it
    CIMultiDict headers;             // sent with every request
    TLSConfig tls;
    std::optional<BasicAuth> auth;
    bool raise_for_status = false;  // 4xx/5xx: ClientResponseError
    std::size_t max_redirects = 10;
    // read()/text()/json() refuse larger bodies (ClientPayloadError); streaming reads do not.
    std::size_t max_response_size = 64 << 20;
    std::size_t max_header_size = 64 << 10;
    std::string user_agent = "asiohttp";
    // false: cookies are neither kept nor sent (aiohttp's DummyCookieJar).
    bool cookie_jar = true;
    // Ask for gzip/deflate and hand out bodies decompressed (aiohttp's default).
    bool auto_decompress = true;
};

struct RequestOptions {
    MultiDict params;             // added to the URL's query
    CIMultiDict headers;          // on top of the session's
    MultiDict cookies;            // for this request only, beside the jar's
    // A body: bytes, a FormData, a file or a stream (asiohttp/payload.hpp).
    // Content-Type from headers, else the payload's; chunked when its size is unknown.
    std::optional<Payload> data;
    JsonBody json;                // a JSON body
    std::optional<MultiDict> form;  // an application/x-www-form-urlencoded body
    std::optional<BasicAuth> auth;
    bool allow_redirects = true;
    std::optional<std::size_t> max_redirects;
    std::optional<ClientTimeout> timeout;  // replaces the session's
    std::optional<bool> raise_for_status;
    std::optional<TLSConfig> tls;
};

namespace detail {
class ClientCore;
struct ResponseState;
}  // namespace detail

class ClientResponse {
public:
    ClientResponse();
    ~ClientResponse();  // an unread body closes its connection instead of pooling it
    ClientResponse(ClientResponse&&) noexcept;
    ClientResponse& operator=(ClientResponse&&) noexcept;

    int status() const noexcept;
    const std::string& reason() const noexcept;
    bool ok() const noexcept { return status() < 400; }
    const std::string& method() const noexcept;
    // The final URL, after redirects.
    const URL& url() const noexcept;
    const CIMultiDict& headers() const noexcept;
    // The cookies this response set (name -> value).
    MultiDict cookies() const;
    // The responses that redirected to this one, oldest first (bodies released).
    const std::vector<ClientResponse>& history() const noexcept;
    std::optional<std::uint64_t> content_length() const;
    // "text/html" from "text/html; charset=utf-8"; "" when absent.
    std::string content_type() const;
    std::optional<std::string> charset() const;

    // The whole body (at most max_response_size; read once, kept).
    awaitable<std::string> read();
    // The body decoded from its charset (UTF-8 when none is given) to UTF-8.
    awaitable<std::string> text();
    awaitable<nlohmann::json> json();
    // Streaming: the next piece of the body, at most `max` bytes; "" at the end.
    awaitable<std::string> read_chunk(std::size_t max = 64 << 10);

    // Throws ClientResponseError for 4xx/5xx.
    void raise_for_status() const;
    // Gives the connection back (to the pool if the body was read, else closed).
    void release();

private:
    friend class ClientSession;
    friend class detail::ClientCore;
    std::unique_ptr<detail::ResponseState> state_;
};

class ClientSession {
public:
    ClientSession();
    explicit ClientSession(ClientSessionOptions options);
    ~ClientSession();  // closes
    ClientSession(const ClientSession&) = delete;
    ClientSession& operator=(const ClientSession&) = delete;

    awaitable<ClientResponse> request(std::string method, std::string url, RequestOptions options = {});
    awaitable<ClientResponse> get(std::string url, RequestOptions options = {});
    awaitable<ClientResponse> post(std::string url, RequestOptions options = {});
    awaitable<ClientResponse> put(std::string url, RequestOptions options = {});
    awaitable<ClientResponse> patch(std::string url, RequestOptions options = {});
    awaitable<ClientResponse> del(std::string url, RequestOptions options = {});  // DELETE
    awaitable<ClientResponse> head(std::string url, RequestOptions options = {});
    awaitable<ClientResponse> options(std::string url, RequestOptions options = {});

    // A WebSocket (ws:// or wss://, or http(s):// as aiohttp allows).
    awaitable<ClientWebSocketResponse> ws_connect(std::string url, WSConnectOptions options = {});

    // Closes pooled connections; requests after it throw ClientClosedError.
    // Connections still held by responses close when those are released.
    void close();
    bool closed() const noexcept;

    CookieJar& cookie_jar() noexcept;
    const ClientSessionOptions& config() const noexcept;
    // TCP connections opened so far, and pooled ones still open (those the
    // server has closed are dropped first): for tests and tools.
    std::size_t connections_opened() const noexcept;
    std::size_t idle_connections() const;

private:
    std::shared_ptr<detail::ClientCore> core_;
};

}  // namespace asiohttp
