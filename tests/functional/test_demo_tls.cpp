// The demo binary started as a user starts it, with --tls-cert and --tls-key.
#include <asiohttp/client.hpp>
#include <asiohttp/tasks.hpp>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

#include "demo_app.hpp"
#include "demo_process.hpp"
#include "run_command.hpp"
#include "test_support.hpp"
#include "tls_fixture.hpp"

namespace {

TEST(DemoTls, ServesHttpsWithTlsCertAndTlsKey) {
    auto cert = TestCertificate::make();
    const auto cert_file = cert.write_cert("asiohttp-demo-tls"), key_file = cert.write_key("asiohttp-demo-tls");
    DemoProcess demo({"--host", "127.0.0.1", "--port", "0", "--threads", "1", "--access-log", "false", "--tls-cert",
                      cert_file, "--tls-key", key_file});
    const auto banner = demo.banner();
    const auto at = banner.find("https://127.0.0.1:");
    ASSERT_NE(at, std::string::npos) << banner;
    const auto port = std::stoi(banner.substr(at + 18));
    asiohttp::run([&]() -> awaitable<void> {
        asiohttp::ClientSession session({.tls = {.ca_file = cert_file}});
        auto r = co_await session.get("https://127.0.0.1:" + std::to_string(port) + "/plaintext");
        const auto body = co_await r.text();
        EXPECT_EQ(body, "Hello, World!");
    }());
    std::filesystem::remove(cert_file);
    std::filesystem::remove(key_file);
}

}  // namespace

namespace {


int run_status(const std::string& command) { return run_command(command).status; }

// kill -HUP rereads the certificate files: an open connection goes on, new
// handshakes get the new certificate.
TEST(DemoTls, SighupReloadsTheCertificateAndKeepsOpenConnections) {
    auto first = TestCertificate::make();
    const auto cert_file = first.write_cert("asiohttp-demo-hup"), key_file = first.write_key("asiohttp-demo-hup");
    const auto first_ca = first.write_cert("asiohttp-demo-hup-ca1");
    DemoProcess demo({"--host", "127.0.0.1", "--port", "0", "--threads", "1", "--access-log", "false", "--tls-cert",
                      cert_file, "--tls-key", key_file});
    const auto banner = demo.banner();
    const auto at = banner.find("https://127.0.0.1:");
    ASSERT_NE(at, std::string::npos) << banner;
    const std::string url = "https://127.0.0.1:" + std::to_string(std::stoi(banner.substr(at + 18))) + "/healthz";
    asiohttp::run([&]() -> awaitable<void> {
        asiohttp::ClientSession open_one({.tls = {.ca_file = first_ca}});
        auto r = co_await open_one.get(url);
        EXPECT_EQ(r.status(), 200);
        co_await r.read();

        auto second = TestCertificate::make();
        std::ofstream(cert_file) << second.cert_pem;
        std::ofstream(key_file) << second.key_pem;
        const auto second_ca = second.write_cert("asiohttp-demo-hup-ca2");
        ::kill(demo.pid(), SIGHUP);
        bool reloaded = false;  // the signal is handled on the demo's own time: poll for up to 3 s
        for (int i = 0; i < 30 && !reloaded; ++i) {
            asiohttp::ClientSession fresh({.tls = {.ca_file = second_ca}});
            try {
                auto f = co_await fresh.get(url);
                reloaded = f.status() == 200;
            } catch (const asiohttp::ClientSSLError&) {
            }
            if (!reloaded) co_await async_sleep(100ms);
        }
        EXPECT_TRUE(reloaded) << "new handshakes still get the old certificate";
        auto kept = co_await open_one.get(url);  // on the connection opened before the reload
        EXPECT_EQ(kept.status(), 200);
        EXPECT_EQ(open_one.connections_opened(), 1u);
        std::filesystem::remove(second_ca);
    }());
    for (auto& f : {cert_file, key_file, first_ca}) std::filesystem::remove(f);
}

// --cors-origins opens /api/* to those pages (credentials included) and nothing else.
TEST(DemoCors, CorsOriginsOpensTheApiToThosePagesOnly) {
    DemoProcess demo({"--host", "127.0.0.1", "--port", "0", "--threads", "1", "--access-log", "false",
                      "--cors-origins", "https://app.example,https://admin.example"});
    TestClient client("127.0.0.1", demo.port());
    auto preflight = client.request("OPTIONS", "/api/notes", {},
                                    {{"Origin", "https://admin.example"},
                                     {"Access-Control-Request-Method", "POST"},
                                     {"Access-Control-Request-Headers", "Content-Type"}});
    EXPECT_EQ(preflight.status, 204);
    EXPECT_EQ(preflight.header("Access-Control-Allow-Origin"), "https://admin.example");
    EXPECT_EQ(preflight.header("Access-Control-Allow-Credentials"), "true");
    EXPECT_EQ(preflight.header("Access-Control-Allow-Headers"), "Content-Type");
    auto notes = client.get("/api/notes", {{"Origin", "https://app.example"}});
    EXPECT_EQ(notes.status, 200);
    EXPECT_EQ(notes.header("Access-Control-Allow-Origin"), "https://app.example");
    EXPECT_FALSE(client.get("/json", {{"Origin", "https://app.example"}}).headers.contains("Access-Control-Allow-Origin"));
    EXPECT_EQ(client.request("OPTIONS", "/api/notes", {},
                             {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "GET"}})
                  .status,
              403);
}

// Without it, CORS is off: a preflight is an OPTIONS the routes do not take.
TEST(DemoCors, OffByDefault) {
    web::Application app;
    demo::setup_routes(app);
    TestServer server(app);
    TestClient client(server);
    auto r = client.request("OPTIONS", "/api/notes", {},
                            {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "GET"}});
    EXPECT_EQ(r.status, 405);
    EXPECT_FALSE(r.headers.contains("Access-Control-Allow-Origin"));
}

// The image's HEALTHCHECK runs the binary itself: 0 when the demo answers, 1 when nothing does.
TEST(DemoHealthcheck, ExitsZeroWhenTheDemoAnswersAndOneWhenNothingDoes) {
    DemoProcess demo({"--host", "127.0.0.1", "--port", "0", "--threads", "1", "--access-log", "false"});
    const auto banner = demo.banner();
    const auto at = banner.find("http://127.0.0.1:");
    ASSERT_NE(at, std::string::npos) << banner;
    const auto port = std::to_string(std::stoi(banner.substr(at + 17)));
    const std::string probe = std::string(ASIOHTTP_DEMO_BIN) + " --healthcheck --host 127.0.0.1 --port ";
    EXPECT_EQ(run_status(probe + port), 0);
    TestClient client("127.0.0.1", std::uint16_t(std::stoi(port)));
    EXPECT_EQ(client.get("/readyz").json(), (json{{"ready", true}}));
    // A port nobody listens on (taken from the kernel, then freed).
    asio::io_context ioc;
    asio::ip::tcp::acceptor probe_port(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    const auto free_port = std::to_string(probe_port.local_endpoint().port());
    probe_port.close();
    EXPECT_EQ(run_status(probe + free_port), 1);
}

// The demo reads its settings through the framework: the environment beats the
// config file, and a bad value is one line and status 2, before anything listens.
TEST(DemoSettings, EnvironmentOverConfigFileAndBadValuesExitTwo) {
    const std::string ini = ::testing::TempDir() + "asiohttp-demo-settings.ini";
    std::ofstream(ini) << "host = 127.0.0.1\nport = 1\nthreads = 1\naccess-log = false\n";
    // Port 1 from the file would fail to bind: ASIOHTTP_PORT=0 must win.
    DemoProcess demo({"--config", ini}, {"ASIOHTTP_PORT=0"});
    const auto banner = demo.banner();
    EXPECT_NE(banner.find("http://127.0.0.1:"), std::string::npos) << banner;
    EXPECT_EQ(banner.find("http://127.0.0.1:1 "), std::string::npos) << banner;

    const std::string bin = ASIOHTTP_DEMO_BIN;
    auto run_capture = [](const std::string& command) {
        auto r = run_command(command);
        return std::pair{r.status, r.output};
    };
    auto [status, out] = run_capture(bin + " --port 70000");
    EXPECT_EQ(status, 2);
    EXPECT_EQ(out, "asiohttp-demo: error: --port 70000: out of range (0 to 65535)\n");
    std::tie(status, out) = run_capture("SESSION_KEY=abc " + bin);
    EXPECT_EQ(status, 2);
    EXPECT_EQ(out, "asiohttp-demo: error: session-key must be 64 hex digits (32 bytes)\n");
    std::tie(status, out) = run_capture(bin + " --config " + ini + ".missing");
    EXPECT_EQ(status, 2);
    EXPECT_EQ(out, "asiohttp-demo: error: config file " + ini + ".missing: cannot be read\n");
    std::tie(status, out) = run_capture(bin + " --help");
    EXPECT_EQ(status, 0);
    EXPECT_NE(out.find("--tls-cert FILE"), std::string::npos) << out;
    EXPECT_NE(out.find("env DATABASE_URL"), std::string::npos) << out;
    std::remove(ini.c_str());
}

}  // namespace

// --log-format json: the access log is one JSON object per line, with the
// request id the response carried and the route's template.
TEST(DemoLogs, JsonAccessLinesCarryTheRequestIdAndRouteTemplate) {
    DemoProcess demo({"--host", "127.0.0.1", "--port", "0", "--threads", "1", "--log-format", "json"});
    const auto port = demo.port();
    ASSERT_NE(port, 0);
    TestClient client("127.0.0.1", port);
    auto hello = client.get("/hello/ada", {{"Accept-Encoding", "gzip"}});
    EXPECT_EQ(hello.status, 200);
    const std::string id(hello.header("X-Request-ID"));
    EXPECT_EQ(id.size(), 32u);
    EXPECT_EQ(demo.stop(SIGTERM), 0);
    std::vector<json> access;
    for (auto& line : demo.remaining_lines()) {
        auto parsed = json::parse(line, nullptr, false);
        ASSERT_FALSE(parsed.is_discarded()) << line;
        if (parsed["logger"] == "asiohttp.access") access.push_back(parsed);
    }
    ASSERT_EQ(access.size(), 1u);
    EXPECT_EQ(access[0]["request_id"], id);
    EXPECT_EQ(access[0]["route"], "/hello/{name}");
    EXPECT_EQ(access[0]["path"], "/hello/ada");
    EXPECT_EQ(access[0]["status"], 200);
}
