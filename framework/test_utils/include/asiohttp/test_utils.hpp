// Test support, as aiohttp's pytest fixtures: a real server on 127.0.0.1 with a
// free port, running in the background, and blocking clients over it.
//
//   web::Application app;  app.router().add_get("/", hello);
//   test_utils::TestServer server(app);
//   test_utils::TestClient client(server);
//   auto r = client.get("/");
//   EXPECT_EQ(r.status, 200);
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include <optional>

#include <nlohmann/json_fwd.hpp>

#include "asiohttp/application.hpp"
#include "asiohttp/multidict.hpp"
#include "asiohttp/server.hpp"

namespace asiohttp::test_utils {

class TestServer {
public:
    // 127.0.0.1, a free port, two threads, no access log, no signal handling.
    static web::ServerConfig default_config();

    explicit TestServer(web::Application& app, web::ServerConfig config = default_config());
    ~TestServer();
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    std::uint16_t port() const noexcept { return server_.port(); }
    std::string host() const { return server_.config().host; }
    std::string url(std::string_view path = "/") const;
    web::Server& server() noexcept { return server_; }

private:
    web::Server server_;
};

struct ClientResponse {
    int status = 0;
    std::string reason;
    unsigned version = 11;
    CIMultiDict headers;
    std::string body;
    bool keep_alive = true;

    std::string_view header(std::string_view name) const { return headers.get(name, ""); }
    nlohmann::json json() const;
};

struct ClientOptions {
    std::chrono::milliseconds timeout{10'000};  // for each connect, read and write
};

// A blocking client for tests. request() and its shorthands go through a
// ClientSession (one pooled keep-alive connection, no redirects followed, no
// cookie jar, no decompression); send_raw()/read_response() use a raw socket of their own, for
// malformed input and pipelining that a conforming client never sends. Every
// operation has a timeout, so a test never hangs.
class TestClient {
public:
    TestClient(std::string host, std::uint16_t port, ClientOptions options = {});
    explicit TestClient(const TestServer& server, ClientOptions options = {});
    ~TestClient();
    TestClient(const TestClient&) = delete;
    TestClient& operator=(const TestClient&) = delete;

    ClientResponse request(std::string_view method, std::string_view target, std::string_view body = {},
                           const CIMultiDict& headers = {});
    ClientResponse get(std::string_view target, const CIMultiDict& headers = {});
    ClientResponse head(std::string_view target, const CIMultiDict& headers = {});
    ClientResponse del(std::string_view target, const CIMultiDict& headers = {});
    ClientResponse post(std::string_view target, std::string_view body, std::string_view content_type = "text/plain",
                        const CIMultiDict& headers = {});
    ClientResponse put(std::string_view target, std::string_view body, std::string_view content_type = "text/plain");
    ClientResponse patch(std::string_view target, std::string_view body, std::string_view content_type = "text/plain");
    ClientResponse post_json(std::string_view target, const nlohmann::json& body);

    // Raw access, for malformed input and pipelining.
    void send_raw(std::string_view bytes);
    // Reads one response from the connection (for a HEAD request, pass head = true).
    ClientResponse read_response(bool head = false);
    // Reads until the server closes the connection; returns what came.
    std::string read_until_close();
    // True if the server closed the connection (the raw one if open, else the
    // session's pooled one), checked without blocking.
    bool server_closed();

    void close();
    // TCP connections opened so far, both kinds (1 when keep-alive held throughout).
    std::size_t connections_opened() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

struct WSClientOptions {
    std::vector<std::string> protocols;         // offered in Sec-WebSocket-Protocol
    CIMultiDict headers;                        // extra handshake headers (Cookie, ...)
    std::chrono::milliseconds timeout{10'000};  // for each operation
    std::size_t max_message_size = 64 << 20;
    bool compress = false;                      // offer permessage-deflate
    // What that offer asks for both directions (RFC 7692 §7.1): window bits (9..15), no context takeover.
    int deflate_window_bits = 15;
    bool deflate_no_context_takeover = false;
};

// A blocking WebSocket client for tests, with timeouts on every operation.
class WSClient {
public:
    struct Message {
        bool text = true;
        std::string data;
        nlohmann::json json() const;
    };

    // Connects and performs the handshake; throws std::runtime_error with the
    // server's status if it refuses.
    WSClient(const TestServer& server, std::string_view target, WSClientOptions options = {});
    WSClient(std::string host, std::uint16_t port, std::string_view target, WSClientOptions options = {});
    ~WSClient();
    WSClient(const WSClient&) = delete;
    WSClient& operator=(const WSClient&) = delete;

    void send_text(std::string_view text);
    void send_binary(std::string_view data);
    void send_json(const nlohmann::json& data);
    void ping(std::string_view payload = {});
    // The next message, or nullopt once the server closed (see close_code()).
    std::optional<Message> receive();
    // Like receive(), but a timeout is an empty optional instead of an exception.
    std::optional<Message> receive_for(std::chrono::milliseconds wait);
    void close(int code = 1000, std::string_view reason = {});
    // The server's close code (1006 if the connection just ended).
    std::optional<int> close_code() const noexcept;
    std::string_view close_reason() const noexcept;
    // The negotiated subprotocol.
    std::string protocol() const;
    // The Sec-WebSocket-Extensions the server accepted.
    std::string extensions() const;
    // Writes bytes below the WebSocket layer: hand-made (even invalid) frames.
    void send_raw(std::string_view bytes);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// A client frame (masked, as RFC 6455 requires of clients), for raw tests.
std::string client_frame(int opcode, std::string_view payload, bool fin = true, bool mask = true);

}  // namespace asiohttp::test_utils
