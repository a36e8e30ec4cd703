// ClientSession: requests, redirects, cookies and the session's defaults.
#include <openssl/evp.h>

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <nlohmann/json.hpp>

#include "base/chunk_frame.hpp"
#include "base/json_text.hpp"
#include "client/client_core.hpp"
#include "base/url_codec.hpp"
#include "base/nothrow.hpp"

namespace asiohttp {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

const char* which_name(ClientTimeoutError::Which w) {
    switch (w) {
        case ClientTimeoutError::Which::total: return "total";
        case ClientTimeoutError::Which::connect: return "connect";
        case ClientTimeoutError::Which::sock_connect: return "sock_connect";
        case ClientTimeoutError::Which::sock_read: return "sock_read";
    }
    return "?";
}

bool is_idempotent(std::string_view m) {
    return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "PUT" || m == "DELETE" || m == "TRACE";
}

// A short redirect body is read so that its connection can be reused; a long
// one is not worth it: the connection closes.
awaitable<void> drain(ClientResponse& r) {
    const auto length = r.content_length();
    if (length && *length <= 64 * 1024) {
        auto body = co_await r.read();
    }
    r.release();
}

bool is_redirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Header names and values go on the wire as they are: no line breaks in them.
void check_header(std::string_view name, std::string_view value) {
    auto bad = [](std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; };
    if (name.empty() || bad(name) || bad(value) || name.find(':') != std::string_view::npos)
        throw ClientError("invalid header '" + std::string(name.substr(0, 100)) + "'");
}

}  // namespace

ClientTimeoutError::ClientTimeoutError(Which which, std::chrono::milliseconds limit, const std::string& during)
    : ClientError("timeout (" + std::string(which_name(which)) + " " + std::to_string(limit.count()) + " ms) " +
                  during),
      which_(which) {}

ClientResponseError::ClientResponseError(int status, std::string message, std::string url)
    : ClientError(std::to_string(status) + ", message='" + message + "', url='" + url + "'"),
      status_(status),
      message_(std::move(message)),
      url_(std::move(url)) {}

std::string BasicAuth::encode() const {
    const std::string plain = login + ":" + password;
    std::string out(4 * ((plain.size() + 2) / 3) + 1, '\0');
    auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                             reinterpret_cast<const unsigned char*>(plain.data()), int(plain.size()));
    out.resize(std::size_t(n));
    return "Basic " + out;
}

JsonBody::JsonBody(const nlohmann::json& value) : text_(detail::json_text(value)) {}

namespace detail {

URL ClientCore::resolve(std::string_view url) const {
    if (base_url && url.find("://") == std::string_view::npos) return base_url->join(url);
    return URL::parse(url);
}

CIMultiDict ClientCore::common_headers(const URL& url, const CIMultiDict& extra, const std::optional<BasicAuth>& auth,
                                       const MultiDict& cookies) const {
    CIMultiDict h;
    if (!extra.contains("Host")) h.add("Host", url.authority());
    for (auto& [k, v] : options.headers)
        if (!extra.contains(k)) h.add(k, v);
    for (auto& [k, v] : extra) h.add(k, v);
    h.setdefault("User-Agent", options.user_agent);
    h.setdefault("Accept", "*/*");
    auto cookie = options.cookie_jar ? jar.filter_cookies(url) : std::string();
    for (auto& [k, v] : cookies) cookie += (cookie.empty() ? "" : "; ") + k + "=" + v;
    if (!cookie.empty() && !h.contains("Cookie")) h.add("Cookie", cookie);
    if (!h.contains("Authorization")) {
        if (auth)
            h.add("Authorization", auth->encode());
        else if (!url.user().empty())
            h.add("Authorization", BasicAuth{url.user(), url.password()}.encode());
    }
    for (auto& [k, v] : h) check_header(k, v);
    return h;
}

namespace {

// Sends the request head, then a streamed body piece by piece: chunked when its
// size is unknown, else exactly its declared size. A source that breaks that
// promise is the caller's error, and the connection is not reused.
awaitable<beast::error_code> send_streamed(ClientStream& stream, const std::string& head, const Payload& body,
                                           const Deadlines& d) {
    Deadlines::arm(stream.tcp(), d.write());
    auto [hec, hn] = co_await asio::async_write(stream, asio::buffer(head), nothrow);
    if (hec) co_return hec;
    auto next = body.open();
    const auto declared = body.size();
    std::uint64_t sent = 0;
    for (;;) {
        const std::string_view piece = co_await next();
        if (piece.empty()) break;
        sent += piece.size();
        if (declared && sent > *declared)
            throw ClientPayloadError("the body is longer than its declared " + std::to_string(*declared) + " bytes");
        Deadlines::arm(stream.tcp(), d.write());
        beast::error_code ec;
        if (!declared) {
            const ChunkFrame frame(piece);
            auto [wec, wn] = co_await asio::async_write(stream, frame.buffers(), nothrow);
            ec = wec;
        } else {
            auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(piece), nothrow);
            ec = wec;
        }
        if (ec) co_return ec;
    }
    if (declared && sent != *declared)
        throw ClientPayloadError("the body ended after " + std::to_string(sent) + " of its declared " +
                                 std::to_string(*declared) + " bytes");
    if (!declared) {
        auto [eec, en] = co_await asio::async_write(stream, asio::buffer(kLastChunk), nothrow);
        co_return eec;
    }
    co_return beast::error_code{};
}

}  // namespace

awaitable<ClientResponse> ClientCore::send(const std::string& method, const URL& url, const std::string& head,
                                           const Payload* body, const Deadlines& d, const TLSConfig& tls) {
    auto state = std::make_unique<ResponseState>(shared_from_this(), options.timeout);
    state->deadlines = d;
    state->method = method;
    state->url = url;
    bool write_failed = false;  // the answer came, but the connection cannot be reused
    for (int attempt = 0;; ++attempt) {
        state->conn = co_await connector->acquire(url, tls, d, attempt > 0);
        auto& conn = *state->conn;

        const auto write_limit = d.write();
        runtime_metrics().client_requests.add(1);
        beast::error_code wec;
        if (const std::string* bytes = body ? body->bytes() : nullptr; body && !bytes) {
            wec = co_await send_streamed(conn.stream, head, *body, d);
        } else {
            Deadlines::arm(conn.stream.tcp(), write_limit);
            std::array<asio::const_buffer, 2> out{asio::buffer(head), bytes ? asio::buffer(*bytes) : asio::const_buffer()};
            auto [ec, written] = co_await asio::async_write(conn.stream, out, nothrow);
            wec = ec;
        }

        auto& parser = state->parser.emplace();
        parser.header_limit(std::uint32_t(options.max_header_size));
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        if (method == "HEAD") parser.skip(true);
        const auto read_limit = d.read();
        // A server may answer before it has read the whole body (a 413) and
        // stop reading: the answer is still worth reading.
        const bool answered_early = wec == asio::error::broken_pipe || wec == asio::error::connection_reset;
        beast::error_code ec = answered_early ? beast::error_code{} : wec;
        write_failed = bool(wec);
        if (!ec) {
            Deadlines::arm(conn.stream.tcp(), read_limit);
            auto [rec, n] = co_await http::async_read_header(conn.stream, conn.buffer, parser, nothrow);
            ec = rec;
        }
        if (!ec) break;

        const bool reused = conn.reused, got_some = parser.got_some();
        state->release(false);
        if (ec == beast::error::timeout)
            Deadlines::fail(wec ? write_limit : read_limit,
                            (wec ? "sending the request to " : "waiting for the response of ") + url.str());
        // A pooled connection the server closed meanwhile: try once more on a new one.
        if (reused && !got_some && attempt == 0 && is_idempotent(method) && (!body || body->reusable())) continue;
        if (ec == http::error::header_limit)
            throw ClientPayloadError("the response headers of " + url.str() + " exceed " +
                                     std::to_string(options.max_header_size) + " bytes");
        if (got_some && ec != http::error::partial_message)
            throw ClientPayloadError("malformed response from " + url.str() + ": " + ec.message());
        throw ServerDisconnectedError("the server closed the connection without a response to " + method + " " +
                                      url.str());
    }

    auto& msg = state->parser->get();
    state->status = int(msg.result_int());
    state->reason = std::string(msg.reason());
    for (auto& field : msg) state->headers.add(field.name_string(), field.value());
    state->keep_alive = state->parser->keep_alive() && !write_failed;
    if (state->parser->is_done()) state->release(true);
    if (auto enc = state->headers.get("Content-Encoding"); enc && options.auto_decompress && method != "HEAD") {
        if (auto coding = web::parse_content_coding(*enc); coding && *coding != ContentCoding::identity)
            state->decoder = make_decoder(*coding);
    }
    if (options.cookie_jar) {
        std::vector<std::string> set_cookie;
        for (auto c : state->headers.getall("Set-Cookie")) set_cookie.emplace_back(c);
        jar.update_cookies(set_cookie, url);
    }
    ClientResponse r;
    r.state_ = std::move(state);
    co_return r;
}

awaitable<ClientResponse> ClientCore::request(std::shared_ptr<ClientCore> self, std::string method,
                                              std::string url_text, RequestOptions o) {
    if (self->connector->closed()) throw ClientClosedError("the session is closed");
    for (auto& c : method) c = char(std::toupper(static_cast<unsigned char>(c)));
    const bool token = !method.empty() && std::all_of(method.begin(), method.end(), [](unsigned char c) {
        return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(char(c)) != std::string_view::npos;
    });
    if (!token) throw ClientError("invalid HTTP method '" + method.substr(0, 32) + "'");
    URL url = self->resolve(url_text).extend_query(o.params);
    if (url.scheme() == "ws" || url.scheme() == "wss")
        throw InvalidURL("invalid URL '" + url.str() + "': a WebSocket URL (use ws_connect)");
    const auto& opts = self->options;
    const TLSConfig tls = o.tls.value_or(opts.tls);
    const bool raise = o.raise_for_status.value_or(opts.raise_for_status);
    const std::size_t max_redirects = o.max_redirects.value_or(opts.max_redirects);
    const Deadlines deadlines(o.timeout.value_or(opts.timeout));  // for the whole redirect chain
    auto auth = o.auth ? o.auth : opts.auth;

    std::optional<Payload> body;
    if (o.json.has_value()) body.emplace(o.json.text(), "application/json");
    else if (o.form) body.emplace(detail::encode_query(*o.form), "application/x-www-form-urlencoded");
    else if (o.data) body = std::move(o.data);

    std::vector<ClientResponse> history;
    ClientResponse response;
    for (;;) {
        auto headers = self->common_headers(url, o.headers, auth, o.cookies);
        if (opts.auto_decompress) headers.setdefault("Accept-Encoding", "gzip, deflate, br, zstd");
        if (body) {
            headers.setdefault("Content-Type", body->content_type());
            if (body->size()) headers.set("Content-Length", std::to_string(*body->size()));
            else headers.set("Transfer-Encoding", "chunked");
        } else if (method == "POST" || method == "PUT" || method == "PATCH") {
            headers.set("Content-Length", "0");
        }
        std::string head;
        head.reserve(256);
        head.append(method).append(" ").append(url.target()).append(" HTTP/1.1\r\n");
        for (auto& [k, v] : headers) head.append(k).append(": ").append(v).append("\r\n");
        head.append("\r\n");

        auto answer = co_await self->send(method, url, head, body ? &*body : nullptr, deadlines, tls);
        response = std::move(answer);
        const int status = response.status();
        auto location = response.headers().get("Location");
        if (!o.allow_redirects || !is_redirect(status) || !location) break;
        if (history.size() >= max_redirects) {
            response.release();
            throw TooManyRedirects(status, "too many redirects (more than " + std::to_string(max_redirects) + ")",
                                   url.str());
        }
        URL next = url.join(*location);
        if (next.scheme() != "http" && next.scheme() != "https")
            throw InvalidURL("redirect from " + url.str() + " to unsupported URL '" + next.str() + "'");
        // 303, and 301/302 after a POST, go on as GET without the body (as browsers and aiohttp do).
        if ((status == 303 && method != "HEAD") || ((status == 301 || status == 302) && method == "POST")) {
            method = "GET";
            body.reset();
            o.headers.erase("Content-Type");
        }
        // Credentials stay with the origin they were meant for.
        if (next.origin() != url.origin()) {
            auth.reset();
            o.headers.erase("Authorization");
        }
        co_await drain(response);
        history.push_back(std::move(response));
        url = std::move(next);
    }
    response.state_->history = std::move(history);
    if (raise && response.status() >= 400) {
        response.release();
        response.raise_for_status();
    }
    co_return response;
}

}  // namespace detail

ClientSession::ClientSession() : ClientSession(ClientSessionOptions{}) {}

ClientSession::ClientSession(ClientSessionOptions options)
    : core_(std::make_shared<detail::ClientCore>(std::move(options))) {
    if (!core_->options.base_url.empty()) core_->base_url = URL::parse(core_->options.base_url);
}

ClientSession::~ClientSession() { close(); }

awaitable<ClientResponse> ClientSession::request(std::string method, std::string url, RequestOptions options) {
    return detail::ClientCore::request(core_, std::move(method), std::move(url), std::move(options));
}
awaitable<ClientResponse> ClientSession::get(std::string url, RequestOptions o) {
    return request("GET", std::move(url), std::move(o));
}
awaitable<ClientResponse> ClientSession::post(std::string url, RequestOptions o) {
    return request("POST", std::move(url), std::move(o));
}
awaitable<ClientResponse> ClientSession::put(std::string url, RequestOptions o) {
    return request("PUT", std::move(url), std::move(o));
}
awaitable<ClientResponse> ClientSession::patch(std::string url, RequestOptions o) {
    return request("PATCH", std::move(url), std::move(o));
}
awaitable<ClientResponse> ClientSession::del(std::string url, RequestOptions o) {
    return request("DELETE", std::move(url), std::move(o));
}
awaitable<ClientResponse> ClientSession::head(std::string url, RequestOptions o) {
    return request("HEAD", std::move(url), std::move(o));
}
awaitable<ClientResponse> ClientSession::options(std::string url, RequestOptions o) {
    return request("OPTIONS", std::move(url), std::move(o));
}

void ClientSession::close() { core_->connector->close(); }
bool ClientSession::closed() const noexcept { return core_->connector->closed(); }
CookieJar& ClientSession::cookie_jar() noexcept { return core_->jar; }
const ClientSessionOptions& ClientSession::config() const noexcept { return core_->options; }
std::size_t ClientSession::connections_opened() const noexcept { return core_->connector->opened(); }
std::size_t ClientSession::idle_connections() const { return core_->connector->idle(); }

}  // namespace asiohttp
