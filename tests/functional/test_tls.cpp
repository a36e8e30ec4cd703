// HTTPS and WSS served by the server itself, with certificates made at run time.
#include <asiohttp/client.hpp>
#include <asiohttp/tasks.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include "test_support.hpp"
#include "tls_fixture.hpp"

namespace {

using asiohttp::ClientSession;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

web::ServerConfig tls_config(std::vector<web::TLSCertificate> certs) {
    auto config = TestServer::default_config();
    config.tls.certificates = std::move(certs);
    return config;
}

awaitable<web::Response> info(web::Request& req) {
    co_return web::json_response({{"secure", req.secure()}, {"scheme", req.scheme()}});
}

awaitable<web::Response> echo(web::Request& req) {
    web::WebSocketResponse ws;
    co_await ws.prepare(req);
    while (auto msg = co_await ws.receive()) co_await ws.send_str(msg->text());
    co_return ws;
}

// What a raw TLS handshake to 127.0.0.1:port got: whether it succeeded, the
// server certificate's match for `name`, and the ALPN protocol chosen.
struct Handshake {
    bool ok = false;
    bool cert_covers = false;
    std::string alpn;
};

Handshake handshake(std::uint16_t port, const char* sni, const char* check_name, int tls_version = 0) {
    asio::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_verify_mode(ssl::verify_none);
    if (tls_version) {  // an old client: only this version, and willing to use it
        SSL_CTX_set_security_level(ctx.native_handle(), 0);
        SSL_CTX_set_min_proto_version(ctx.native_handle(), tls_version);
        SSL_CTX_set_max_proto_version(ctx.native_handle(), tls_version);
    }
    static constexpr unsigned char alpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(ctx.native_handle(), alpn, sizeof alpn);
    ssl::stream<tcp::socket> s(ioc, ctx);
    if (sni) SSL_set_tlsext_host_name(s.native_handle(), sni);
    s.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    Handshake out;
    boost::system::error_code ec;
    s.handshake(ssl::stream_base::client, ec);
    if (ec) return out;
    out.ok = true;
    if (X509* peer = SSL_get1_peer_certificate(s.native_handle())) {
        out.cert_covers = X509_check_host(peer, check_name, 0, 0, nullptr) == 1;
        X509_free(peer);
    }
    const unsigned char* proto = nullptr;
    unsigned len = 0;
    SSL_get0_alpn_selected(s.native_handle(), &proto, &len);
    out.alpn.assign(reinterpret_cast<const char*>(proto), len);
    return out;
}

// How long until the server closes a raw TCP connection after `bytes` were sent.
std::chrono::milliseconds time_to_close(std::uint16_t port, std::string_view bytes) {
    asio::io_context ioc;
    tcp::socket s(ioc);
    s.connect({asio::ip::make_address("127.0.0.1"), port});
    if (!bytes.empty()) asio::write(s, asio::buffer(bytes));
    const auto start = std::chrono::steady_clock::now();
    char buf[256];
    boost::system::error_code ec;
    while (!ec) s.read_some(asio::buffer(buf), ec);  // until EOF or reset
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

TEST(Tls, HttpsAndWssOnTheSameApiAndRequestsKnowTheyAreSecure) {
    CertFiles cert("asiohttp-tls-basic");
    web::Application app;
    app.router().add_get("/info", info);
    app.router().add_get("/ws", echo);
    TestServer server(app, tls_config({cert.files()}));
    EXPECT_TRUE(server.url("/").starts_with("https://"));
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session({.tls = {.ca_file = cert.cert_file}});
        auto r = co_await session.get(server.url("/info"));
        const json body = co_await r.json();
        EXPECT_EQ(body["secure"], true);
        EXPECT_EQ(body["scheme"], "https");
        auto again = co_await session.get("https://localhost:" + std::to_string(server.port()) + "/info");
        EXPECT_EQ(again.status(), 200);

        auto ws = co_await session.ws_connect("wss://127.0.0.1:" + std::to_string(server.port()) + "/ws");
        co_await ws.send_str("over tls");
        auto m = co_await ws.receive();
        EXPECT_TRUE(m && m->text() == "over tls");
        co_await ws.close();
    }());
}

TEST(Tls, AlpnIsHttp11AndSniPicksTheCertificateForTheName) {
    CertFiles main_cert("asiohttp-tls-main");
    CertFiles other_cert("asiohttp-tls-other", "DNS:other.test");
    web::Application app;
    TestServer server(app, tls_config({main_cert.files(), other_cert.files()}));
    auto other = handshake(server.port(), "other.test", "other.test");
    ASSERT_TRUE(other.ok);
    EXPECT_TRUE(other.cert_covers);
    EXPECT_EQ(other.alpn, "http/1.1");  // offered h2 first: we speak HTTP/1.1
    auto by_default = handshake(server.port(), "unknown.test", "localhost");
    ASSERT_TRUE(by_default.ok);
    EXPECT_TRUE(by_default.cert_covers);  // no certificate covers the name: the first one
    auto no_sni = handshake(server.port(), nullptr, "localhost");
    EXPECT_TRUE(no_sni.ok && no_sni.cert_covers);
}

TEST(Tls, OldProtocolsPlainHttpAndSilentPeersAreTurnedAway) {
    CertFiles cert("asiohttp-tls-refuse");
    web::Application app;
    auto config = tls_config({cert.files()});
    config.tls.handshake_timeout = 300ms;
    TestServer server(app, config);
    EXPECT_FALSE(handshake(server.port(), "localhost", "localhost", TLS1_1_VERSION).ok);
    EXPECT_TRUE(handshake(server.port(), "localhost", "localhost", TLS1_2_VERSION).ok);
    EXPECT_TRUE(handshake(server.port(), "localhost", "localhost", TLS1_3_VERSION).ok);
    // Plain HTTP on the TLS port is not a handshake: closed at once, not after the timeout.
    EXPECT_LT(time_to_close(server.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 250ms);
    // A peer that connects and says nothing is dropped after handshake_timeout.
    const auto silent = time_to_close(server.port(), "");
    EXPECT_GE(silent, 250ms);
    EXPECT_LT(silent, 3s);
    // The server still serves.
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session({.tls = {.ca_file = cert.cert_file}});
        auto r = co_await session.get(server.url("/nothing"));
        EXPECT_EQ(r.status(), 404);
    }());
}

TEST(Tls, ReloadServesNewHandshakesWithTheNewCertificateAndKeepsOpenConnections) {
    CertFiles first("asiohttp-tls-reload");
    const auto first_ca = first.cert.write_cert("asiohttp-tls-reload-ca1");
    web::Application app;
    app.router().add_get("/info", info);
    TestServer server(app, tls_config({first.files()}));
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession old_client({.tls = {.ca_file = first_ca}});
        auto r = co_await old_client.get(server.url("/info"));
        EXPECT_EQ(r.status(), 200);
        co_await r.read();

        // New files at the same paths, then the reload (what SIGHUP does in run_app).
        auto second = TestCertificate::make();
        std::ofstream(first.cert_file) << second.cert_pem;
        std::ofstream(first.key_file) << second.key_pem;
        const auto second_ca = second.write_cert("asiohttp-tls-reload-ca2");
        server.server().reload_tls();

        auto kept = co_await old_client.get(server.url("/info"));  // the open connection goes on
        EXPECT_EQ(kept.status(), 200);
        EXPECT_EQ(old_client.connections_opened(), 1u);

        ClientSession new_client({.tls = {.ca_file = second_ca}});
        auto fresh = co_await new_client.get(server.url("/info"));
        EXPECT_EQ(fresh.status(), 200);
        ClientSession trusts_old_only({.tls = {.ca_file = first_ca}});
        EXPECT_THROW(co_await trusts_old_only.get(server.url("/info")), asiohttp::ClientSSLError);

        // A reload that cannot load keeps what works, and says why.
        std::ofstream(first.key_file) << "not a key";
        try {
            server.server().reload_tls();
            ADD_FAILURE() << "a broken key was accepted";
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find(first.key_file), std::string::npos) << e.what();
        }
        ClientSession after({.tls = {.ca_file = second_ca}});
        auto still = co_await after.get(server.url("/info"));
        EXPECT_EQ(still.status(), 200);
        std::filesystem::remove(second_ca);
    }());
    std::filesystem::remove(first_ca);
}

TEST(Tls, ACertificateThatDoesNotLoadIsAClearError) {
    web::Application app;
    try {
        TestServer server(app, tls_config({{"/nonexistent/cert.pem", "/nonexistent/key.pem"}}));
        FAIL() << "started without a certificate";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/cert.pem"), std::string::npos) << e.what();
    }
}

TEST(Tls, ThePlainRedirectPortSendsEveryRequestToHttps) {
    CertFiles cert("asiohttp-tls-redirect");
    web::Application app;
    app.router().add_get("/info", info);
    auto config = tls_config({cert.files()});
    config.tls.redirect_port = 0;  // any free port
    TestServer server(app, config);
    const auto plain = server.server().redirect_port();
    ASSERT_NE(plain, 0);
    ASSERT_NE(plain, server.port());
    const auto https = "https://127.0.0.1:" + std::to_string(server.port());

    TestClient raw("127.0.0.1", plain);
    raw.send_raw("POST /info?x=1 HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(plain) +
                 "\r\nContent-Length: 2\r\n\r\nhi");
    auto moved = raw.read_response();
    EXPECT_EQ(moved.status, 308);  // 308 keeps the method and body
    EXPECT_EQ(moved.headers.get("Location", ""), https + "/info?x=1");
    // The same connection goes on; IPv6 and names keep their host, a Host that is not one is refused.
    raw.send_raw("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n");
    EXPECT_EQ(raw.read_response().headers.get("Location", ""), "https://[::1]:" + std::to_string(server.port()) + "/");
    raw.send_raw("GET /a HTTP/1.1\r\nHost: example.org\r\n\r\n");
    EXPECT_EQ(raw.read_response().headers.get("Location", ""),
              "https://example.org:" + std::to_string(server.port()) + "/a");
    raw.send_raw("GET / HTTP/1.1\r\nHost: evil.test/x@\r\n\r\n");
    EXPECT_EQ(raw.read_response().status, 400);
    raw.send_raw("GET / HTTP/1.0\r\n\r\n");
    EXPECT_EQ(raw.read_response().status, 400);

    // A client that follows redirects ends up on the TLS port.
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session({.tls = {.ca_file = cert.cert_file}});
        auto r = co_await session.get("http://127.0.0.1:" + std::to_string(plain) + "/info");
        EXPECT_EQ(r.status(), 200);
        const json body = co_await r.json();
        EXPECT_EQ(body["scheme"], "https");
        EXPECT_EQ(r.history().size(), 1u);
    }());
}

TEST(Tls, ARedirectPortNeedsCertificates) {
    web::Application app;
    auto config = TestServer::default_config();
    config.tls.redirect_port = 0;
    EXPECT_THROW(TestServer(app, config), std::invalid_argument);
}

}  // namespace
