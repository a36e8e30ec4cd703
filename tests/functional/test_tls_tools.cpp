// The server's TLS as common tools see it: curl and openssl s_client, with a
// certificate made at run time and trusted explicitly.
#include "run_command.hpp"
#include "test_support.hpp"
#include "tls_fixture.hpp"

namespace {

awaitable<web::Response> info(web::Request& req) {
    co_return web::json_response({{"secure", req.secure()}, {"scheme", req.scheme()}});
}

struct ToolsServer : ::testing::Test {
    CertFiles main_cert{"asiohttp-tools-main"};
    CertFiles other_cert{"asiohttp-tools-other", "DNS:other.test"};
    web::Application app;
    std::unique_ptr<TestServer> server;
    std::string port;

    void SetUp() override {
        app.router().add_get("/info", info);
        auto config = TestServer::default_config();
        config.tls.certificates = {main_cert.files(), other_cert.files()};
        config.tls.handshake_timeout = 500ms;
        server = std::make_unique<TestServer>(app, config);
        port = std::to_string(server->port());
    }
    // openssl s_client to 127.0.0.1 with these options, stdin closed at once;
    // `then` takes its output (e.g. "| openssl x509 -noout ...").
    CommandResult s_client(const std::string& options, const std::string& then = "") {
        return run_command("openssl s_client -connect 127.0.0.1:" + port + " " + options + " </dev/null 2>&1 " + then);
    }
};

TEST_F(ToolsServer, CurlGetsHttpsWithTheCertificateTrusted) {
    auto ok = run_command("curl -sS --max-time 5 --cacert " + main_cert.cert_file + " https://localhost:" + port +
                          "/info");
    ASSERT_EQ(ok.status, 0) << ok.output;
    EXPECT_EQ(json::parse(ok.output), (json{{"secure", true}, {"scheme", "https"}}));
    // Offered HTTP/2 by ALPN, we answer in HTTP/1.1.
    auto version = run_command("curl -sS --max-time 5 --http2 -o /dev/null -w '%{http_version}' --cacert " +
                               main_cert.cert_file + " https://localhost:" + port + "/info");
    EXPECT_EQ(version.output, "1.1");
    // Untrusted: curl refuses, as it should.
    auto untrusted = run_command("curl -sS --max-time 5 https://localhost:" + port + "/info");
    EXPECT_EQ(untrusted.status, 60) << untrusted.output;  // peer certificate cannot be authenticated
    // TLS 1.1 is refused by the server.
    auto old = run_command("curl -sS --max-time 5 -k --tlsv1.1 --tls-max 1.1 https://127.0.0.1:" + port + "/info");
    EXPECT_EQ(old.status, 35) << old.output;  // SSL connect error
}

TEST_F(ToolsServer, PlainHttpOnTheTlsPortFailsAtOnce) {
    const auto start = std::chrono::steady_clock::now();
    auto plain = run_command("curl -sS --max-time 5 http://127.0.0.1:" + port + "/info");
    EXPECT_NE(plain.status, 0);
    EXPECT_NE(plain.status, 28) << "timed out instead of being refused: " << plain.output;
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(ToolsServer, OpensslSeesAlpnSniAndOnlyModernVersions) {
    auto other = s_client("-servername other.test", "| openssl x509 -noout -ext subjectAltName");
    EXPECT_NE(other.output.find("DNS:other.test"), std::string::npos) << other.output;
    auto main = s_client("-servername localhost", "| openssl x509 -noout -ext subjectAltName");
    EXPECT_NE(main.output.find("DNS:localhost"), std::string::npos) << main.output;

    auto alpn = s_client("-servername localhost -alpn h2,http/1.1");
    EXPECT_NE(alpn.output.find("ALPN protocol: http/1.1"), std::string::npos) << alpn.output;
    for (const char* version : {"-tls1_2", "-tls1_3"}) {
        auto ok = s_client(std::string(version) + " -servername localhost");
        EXPECT_EQ(ok.status, 0) << version << ": " << ok.output;
        EXPECT_NE(ok.output.find(std::string("TLSv1.") + version[6]), std::string::npos) << ok.output;
    }
    auto old = s_client("-tls1_1 -cipher DEFAULT@SECLEVEL=0 -servername localhost");
    EXPECT_NE(old.status, 0) << old.output;
    EXPECT_EQ(old.output.find("BEGIN CERTIFICATE"), std::string::npos) << "a TLS 1.1 handshake completed";
}

TEST_F(ToolsServer, APeerThatSaysNothingIsDroppedAfterTheHandshakeTimeout) {
    // nc-like: connect and stay silent; the server must hang up within ~handshake_timeout.
    const auto start = std::chrono::steady_clock::now();
    auto silent = run_command("timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + port + "; cat <&3 >/dev/null'");
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(silent.status, 0) << "still open after 5 s";
    EXPECT_GE(took, 450ms);
    EXPECT_LT(took, 3s);
}

}  // namespace
