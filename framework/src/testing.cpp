#include "asiohttp/testing.hpp"

#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

namespace asiohttp::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

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
    return "http://" + host() + ":" + std::to_string(port()) + std::string(path);
}

nlohmann::json ClientResponse::json() const { return nlohmann::json::parse(body); }

struct TestClient::Impl {
    std::string host;
    std::uint16_t port;
    ClientOptions options;
    asio::io_context ioc;
    tcp::socket socket{ioc};
    beast::flat_buffer buffer;
    std::size_t opened = 0;

    // Runs one asynchronous operation with the client's timeout.
    template <class Start>
    beast::error_code run(Start start) {
        beast::error_code result = asio::error::would_block;
        ioc.restart();
        start([&](beast::error_code ec, auto&&...) { result = ec; });
        ioc.run_for(options.timeout);
        if (result == asio::error::would_block) {
            beast::error_code ignored;
            socket.close(ignored);
            ioc.restart();
            ioc.run();
            throw std::runtime_error("test client: timed out after " + std::to_string(options.timeout.count()) + " ms");
        }
        return result;
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
}

TestClient::TestClient(const TestServer& server, ClientOptions options)
    : TestClient(server.host(), server.port(), options) {}

TestClient::~TestClient() = default;

ClientResponse TestClient::request(std::string_view method, std::string_view target, std::string_view body,
                                   const CIMultiDict& headers) {
    std::string req;
    req.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
    if (!headers.contains("Host")) req.append("Host: ").append(impl_->host).append("\r\n");
    for (auto& [k, v] : headers) req.append(k).append(": ").append(v).append("\r\n");
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
        if (!headers.contains("Content-Length") && !headers.contains("Transfer-Encoding"))
            req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    req.append("\r\n").append(body);
    // A kept-alive connection the server has since closed: reconnect once.
    if (impl_->socket.is_open() && server_closed()) close();
    send_raw(req);
    return read_response(method == "HEAD");
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
    if (!s.is_open()) return true;
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

std::size_t TestClient::connections_opened() const noexcept { return impl_->opened; }

}  // namespace asiohttp::testing
