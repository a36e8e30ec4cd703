#include "asiohttp/test_utils.hpp"

#include "asiohttp/client.hpp"
#include "asiohttp/tasks.hpp"

#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <nlohmann/json.hpp>

namespace asiohttp::test_utils {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Runs the io_context until `done` or the deadline; true if done.
bool run_until(asio::io_context& ioc, const bool& done, std::chrono::steady_clock::time_point deadline) {
    ioc.restart();
    while (!done && ioc.run_one_until(deadline)) {
    }
    return done;
}

// One asynchronous operation, for at most `timeout`: past it `abort()` stops
// the operation and a std::runtime_error says who timed out.
template <class Start, class Abort>
beast::error_code run_with_timeout(asio::io_context& ioc, std::chrono::milliseconds timeout, const char* who,
                                   Start start, Abort abort) {
    beast::error_code result;
    bool done = false;
    start([&](beast::error_code ec, auto&&...) {
        result = ec;
        done = true;
    });
    if (!run_until(ioc, done, std::chrono::steady_clock::now() + timeout)) {
        abort();
        while (!done) ioc.run_one();
        throw std::runtime_error(std::string(who) + ": timed out after " + std::to_string(timeout.count()) + " ms");
    }
    return result;
}

}  // namespace

web::ServerConfig TestServer::default_config() {
    web::ServerConfig c;
    c.host = "127.0.0.1";
    c.port = 0;
    c.threads = 2;
    c.access_log = false;
    c.handle_signals = false;
    c.shutdown_timeout = std::chrono::seconds(10);
    return c;
}

TestServer::TestServer(web::Application& app, web::ServerConfig config) : server_(app, std::move(config)) {
    server_.start();
}

TestServer::~TestServer() { server_.stop(); }

std::string TestServer::url(std::string_view path) const {
    const char* scheme = server_.config().tls.enabled() ? "https://" : "http://";
    return scheme + host() + ":" + std::to_string(port()) + std::string(path);
}

nlohmann::json ClientResponse::json() const { return nlohmann::json::parse(body); }

// Requests go through a ClientSession (no redirects, no cookie jar, no
// decompression: a test sees exactly what the server answered); raw bytes go through a socket of
// their own, for what a conforming client never sends.
struct TestClient::Impl {
    std::string host;
    std::uint16_t port;
    ClientOptions options;
    asio::io_context ioc;  // the session's connections live here: it outlives the session
    std::unique_ptr<ClientSession> session;
    tcp::socket socket{ioc};
    beast::flat_buffer buffer;
    std::size_t opened = 0;

    // Runs one coroutine on this client's io_context until it finishes.
    template <class T>
    T run_sync(awaitable<T> aw) {
        std::optional<T> result;
        asiohttp::detail::run_main(&ioc, asiohttp::detail::store_result(std::move(aw), result));
        return std::move(*result);
    }

    // Runs one asynchronous operation with the client's timeout.
    template <class Start>
    beast::error_code run(Start start) {
        return run_with_timeout(ioc, options.timeout, "test client", start, [this] {
            beast::error_code ignored;
            socket.close(ignored);
        });
    }

    void ensure_connected() {
        if (socket.is_open()) return;
        buffer.clear();
        tcp::endpoint ep(asio::ip::make_address(host), port);
        auto ec = run([&](auto handler) { socket.async_connect(ep, handler); });
        if (ec) {
            socket.close(ec);
            throw std::runtime_error("test client: cannot connect to " + host + ":" + std::to_string(port));
        }
        ++opened;
    }

    void write(std::string_view bytes) {
        ensure_connected();
        auto ec = run([&](auto handler) { asio::async_write(socket, asio::buffer(bytes), handler); });
        if (ec) throw std::runtime_error("test client: write failed: " + ec.message());
    }

    ClientResponse read(bool head) {
        http::response_parser<http::string_body> parser;
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        parser.header_limit(1 << 20);
        if (head) parser.skip(true);
        auto ec = run([&](auto handler) { http::async_read(socket, buffer, parser, handler); });
        if (ec) {
            beast::error_code ignored;
            socket.close(ignored);
            throw std::runtime_error("test client: reading the response failed: " + ec.message());
        }
        auto& msg = parser.get();
        ClientResponse r;
        r.status = int(msg.result_int());
        r.reason = std::string(msg.reason());
        r.version = msg.version();
        for (auto& field : msg) r.headers.add(field.name_string(), field.value());
        r.body = std::move(msg.body());
        r.keep_alive = msg.keep_alive();
        if (!r.keep_alive) {
            beast::error_code ignored;
            socket.close(ignored);
        }
        return r;
    }
};

TestClient::TestClient(std::string host, std::uint16_t port, ClientOptions options)
    : impl_(std::make_unique<Impl>()) {
    impl_->host = std::move(host);
    impl_->port = port;
    impl_->options = options;
    ClientSessionOptions o;
    o.limit = 1;
    o.timeout = {.total = options.timeout, .sock_connect = options.timeout};
    o.cookie_jar = false;
    o.auto_decompress = false;
    o.max_response_size = std::size_t(1) << 30;
    impl_->session = std::make_unique<ClientSession>(std::move(o));
}

TestClient::TestClient(const TestServer& server, ClientOptions options)
    : TestClient(server.host(), server.port(), options) {}

TestClient::~TestClient() {
    impl_->session.reset();  // before the io_context its connections belong to
}

namespace {

awaitable<ClientResponse> exchange(ClientSession& session, std::string method, std::string url, RequestOptions o) {
    auto r = co_await session.request(std::move(method), std::move(url), std::move(o));
    ClientResponse out;
    out.status = r.status();
    out.reason = r.reason();
    out.headers = r.headers();
    out.body = co_await r.read();
    out.keep_alive = !iequals(r.headers().get("Connection", ""), "close");
    co_return out;
}

}  // namespace

ClientResponse TestClient::request(std::string_view method, std::string_view target, std::string_view body,
                                   const CIMultiDict& headers) {
    RequestOptions o;
    o.headers = headers;
    o.allow_redirects = false;
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") o.data = std::string(body);
    const auto url = "http://" + impl_->host + ":" + std::to_string(impl_->port) + std::string(target);
    return impl_->run_sync(exchange(*impl_->session, std::string(method), url, std::move(o)));
}
ClientResponse TestClient::get(std::string_view target, const CIMultiDict& headers) {
    return request("GET", target, {}, headers);
}
ClientResponse TestClient::head(std::string_view target, const CIMultiDict& headers) {
    return request("HEAD", target, {}, headers);
}
ClientResponse TestClient::del(std::string_view target, const CIMultiDict& headers) {
    return request("DELETE", target, {}, headers);
}
ClientResponse TestClient::post(std::string_view target, std::string_view body, std::string_view content_type,
                                const CIMultiDict& headers) {
    CIMultiDict h = headers;
    h.setdefault("Content-Type", content_type);
    return request("POST", target, body, h);
}
ClientResponse TestClient::put(std::string_view target, std::string_view body, std::string_view content_type) {
    return request("PUT", target, body, {{"Content-Type", content_type}});
}
ClientResponse TestClient::patch(std::string_view target, std::string_view body, std::string_view content_type) {
    return request("PATCH", target, body, {{"Content-Type", content_type}});
}
ClientResponse TestClient::post_json(std::string_view target, const nlohmann::json& body) {
    return post(target, body.dump(), "application/json");
}

void TestClient::send_raw(std::string_view bytes) { impl_->write(bytes); }

ClientResponse TestClient::read_response(bool head) {
    impl_->ensure_connected();
    return impl_->read(head);
}

std::string TestClient::read_until_close() {
    impl_->ensure_connected();
    std::string out(static_cast<const char*>(impl_->buffer.data().data()), impl_->buffer.size());
    impl_->buffer.clear();
    for (;;) {
        char chunk[4096];
        std::size_t got = 0;
        auto ec = impl_->run([&](auto handler) {
            impl_->socket.async_read_some(asio::buffer(chunk), [&, handler](beast::error_code e, std::size_t n) mutable {
                got = n;
                handler(e);
            });
        });
        out.append(chunk, got);
        if (ec) break;
    }
    close();
    return out;
}

bool TestClient::server_closed() {
    auto& s = impl_->socket;
    if (!s.is_open()) return impl_->session->idle_connections() == 0;
    if (impl_->buffer.size() > 0) return false;
    s.non_blocking(true);
    char c;
    beast::error_code ec;
    auto n = s.receive(asio::buffer(&c, 1), tcp::socket::message_peek, ec);
    s.non_blocking(false);
    if (ec == asio::error::would_block) return false;
    return ec || n == 0;
}

void TestClient::close() {
    beast::error_code ignored;
    impl_->socket.close(ignored);
    impl_->buffer.clear();
}

std::size_t TestClient::connections_opened() const noexcept {
    return impl_->opened + impl_->session->connections_opened();
}

}  // namespace asiohttp::test_utils

// --- WebSocket test client ---

namespace asiohttp::test_utils {

namespace websocket = beast::websocket;

nlohmann::json WSClient::Message::json() const { return nlohmann::json::parse(data); }

struct WSClient::Impl {
    WSClientOptions options;
    asio::io_context ioc;
    websocket::stream<tcp::socket> ws{ioc};
    beast::flat_buffer buffer;
    std::optional<int> close_code;
    std::string close_reason;
    std::string protocol;
    std::string extensions;

    // A read may outlive one receive_for() call and be picked up by the next.
    bool read_pending = false, read_done = false;
    beast::error_code read_ec;

    // One operation with the client's timeout; on timeout it is cancelled and an exception thrown.
    template <class Start>
    beast::error_code run(Start start) {
        return run_with_timeout(ioc, options.timeout, "ws client", start, [this] {
            beast::error_code ignored;
            ws.next_layer().cancel(ignored);
        });
    }
    // Waits up to `wait` for the next message; false if none came (the read stays pending).
    bool wait_read(std::chrono::milliseconds wait) {
        if (!read_pending) {
            read_pending = true;
            read_done = false;
            buffer.clear();
            ws.async_read(buffer, [this](beast::error_code ec, std::size_t) {
                read_ec = ec;
                read_done = true;
            });
        }
        if (!run_until(ioc, read_done, std::chrono::steady_clock::now() + wait)) return false;
        read_pending = false;
        return true;
    }
    std::optional<Message> take_message() {
        if (read_ec) {
            closed_with(read_ec);
            return std::nullopt;
        }
        return Message{ws.got_text(), beast::buffers_to_string(buffer.data())};
    }
    void closed_with(const beast::error_code& ec) {
        if (close_code) return;
        // A close frame that arrived counts even if the teardown after it failed.
        if (ec == websocket::error::closed || ws.reason().code != websocket::close_code::none) {
            close_code = int(ws.reason().code);
            close_reason = std::string(ws.reason().reason.data(), ws.reason().reason.size());
        } else {
            close_code = 1006;
            close_reason = ec.message();  // why the connection just ended
        }
    }
};

WSClient::WSClient(const TestServer& server, std::string_view target, WSClientOptions options)
    : WSClient(server.host(), server.port(), target, std::move(options)) {}

WSClient::WSClient(std::string host, std::uint16_t port, std::string_view target, WSClientOptions options)
    : impl_(std::make_unique<Impl>()) {
    auto& d = *impl_;
    d.options = std::move(options);
    d.ws.read_message_max(d.options.max_message_size);
    websocket::permessage_deflate pmd;
    pmd.client_enable = d.options.compress;
    pmd.client_max_window_bits = pmd.server_max_window_bits = d.options.deflate_window_bits;
    pmd.client_no_context_takeover = pmd.server_no_context_takeover = d.options.deflate_no_context_takeover;
    d.ws.set_option(pmd);
    tcp::endpoint ep(asio::ip::make_address(host), port);
    if (d.run([&](auto h) { d.ws.next_layer().async_connect(ep, h); }))
        throw std::runtime_error("ws client: cannot connect to " + host + ":" + std::to_string(port));
    std::string protocols;
    for (auto& p : d.options.protocols) protocols += (protocols.empty() ? "" : ", ") + p;
    d.ws.set_option(websocket::stream_base::decorator([&](websocket::request_type& req) {
        if (!protocols.empty()) req.set(http::field::sec_websocket_protocol, protocols);
        for (auto& [k, v] : d.options.headers) req.set(k, v);
    }));
    websocket::response_type res;
    auto ec = d.run([&](auto h) { d.ws.async_handshake(res, host + ":" + std::to_string(port), target, h); });
    if (ec)
        throw std::runtime_error("ws client: handshake refused with " + std::to_string(res.result_int()) + ": " +
                                 ec.message());
    d.protocol = std::string(res[http::field::sec_websocket_protocol]);
    d.extensions = std::string(res[http::field::sec_websocket_extensions]);
}

WSClient::~WSClient() = default;

void WSClient::send_text(std::string_view text) {
    impl_->ws.text(true);
    auto ec = impl_->run([&](auto h) { impl_->ws.async_write(asio::buffer(text), h); });
    if (ec) throw std::runtime_error("ws client: send failed: " + ec.message());
}
void WSClient::send_binary(std::string_view data) {
    impl_->ws.binary(true);
    auto ec = impl_->run([&](auto h) { impl_->ws.async_write(asio::buffer(data), h); });
    if (ec) throw std::runtime_error("ws client: send failed: " + ec.message());
}
void WSClient::send_json(const nlohmann::json& data) { send_text(data.dump()); }
void WSClient::ping(std::string_view payload) {
    websocket::ping_data p(payload.data(), payload.size());
    auto ec = impl_->run([&](auto h) { impl_->ws.async_ping(p, h); });
    if (ec) throw std::runtime_error("ws client: ping failed: " + ec.message());
}

std::optional<WSClient::Message> WSClient::receive() {
    auto& d = *impl_;
    if (d.close_code) return std::nullopt;
    if (!d.wait_read(d.options.timeout))
        throw std::runtime_error("ws client: no message within " + std::to_string(d.options.timeout.count()) + " ms");
    return d.take_message();
}

std::optional<WSClient::Message> WSClient::receive_for(std::chrono::milliseconds wait) {
    auto& d = *impl_;
    if (d.close_code || !d.wait_read(wait)) return std::nullopt;
    return d.take_message();
}

void WSClient::close(int code, std::string_view reason) {
    auto& d = *impl_;
    websocket::close_reason cr(static_cast<websocket::close_code>(code), reason);
    auto ec = d.run([&](auto h) { d.ws.async_close(cr, h); });
    if (!d.close_code) d.close_code = ec ? 1006 : int(d.ws.reason().code);
}

std::optional<int> WSClient::close_code() const noexcept { return impl_->close_code; }
std::string_view WSClient::close_reason() const noexcept { return impl_->close_reason; }
std::string WSClient::protocol() const { return impl_->protocol; }
std::string WSClient::extensions() const { return impl_->extensions; }

void WSClient::send_raw(std::string_view bytes) {
    auto ec = impl_->run([&](auto h) { asio::async_write(impl_->ws.next_layer(), asio::buffer(bytes), h); });
    if (ec) throw std::runtime_error("ws client: raw send failed: " + ec.message());
}

std::string client_frame(int opcode, std::string_view payload, bool fin, bool mask) {
    std::string f;
    f.push_back(char((fin ? 0x80 : 0) | (opcode & 0x0f)));
    const char mask_bit = mask ? char(0x80) : char(0);
    if (payload.size() < 126) {
        f.push_back(char(mask_bit | char(payload.size())));
    } else if (payload.size() < 65536) {
        f.push_back(char(mask_bit | 126));
        f.push_back(char(payload.size() >> 8));
        f.push_back(char(payload.size() & 0xff));
    } else {
        f.push_back(char(mask_bit | 127));
        for (int i = 7; i >= 0; --i) f.push_back(char((std::uint64_t(payload.size()) >> (8 * i)) & 0xff));
    }
    const unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
    if (mask) f.append(reinterpret_cast<const char*>(key), 4);
    for (std::size_t i = 0; i < payload.size(); ++i) f.push_back(mask ? char(payload[i] ^ key[i % 4]) : payload[i]);
    return f;
}

}  // namespace asiohttp::test_utils
