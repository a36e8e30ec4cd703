// Forwarded headers over real sockets: believed from a trusted proxy, ignored from anyone else.
#include "test_support.hpp"

namespace {

awaitable<web::Response> whoami(web::Request& req) {
    co_return web::json_response({{"remote", req.remote()}, {"scheme", req.scheme()}, {"host", req.host()}});
}

json ask(std::vector<std::string> trusted_proxies) {
    web::Application app;
    app.router().add_get("/whoami", whoami);
    auto config = TestServer::default_config();
    config.trusted_proxies = std::move(trusted_proxies);
    TestServer server(app, config);
    TestClient client(server);
    auto r = client.get("/whoami", {{"X-Forwarded-For", "203.0.113.9"},
                                    {"X-Forwarded-Proto", "https"},
                                    {"X-Forwarded-Host", "www.example"}});
    return r.json();
}

TEST(Forwarded, BelievedFromATrustedPeer) {
    EXPECT_EQ(ask({"127.0.0.0/8"}), (json{{"remote", "203.0.113.9"}, {"scheme", "https"}, {"host", "www.example"}}));
}

TEST(Forwarded, IgnoredFromAnyOtherPeer) {
    auto j = ask({"10.0.0.0/8"});
    EXPECT_EQ(j["remote"], "127.0.0.1");
    EXPECT_EQ(j["scheme"], "http");
    EXPECT_NE(j["host"], "www.example");
    auto none = ask({});
    EXPECT_EQ(none["remote"], "127.0.0.1");
}

TEST(Forwarded, ABadTrustedProxyEntryStopsTheServerWithItsName) {
    web::Application app;
    auto config = TestServer::default_config();
    config.trusted_proxies = {"10.0.0.0/99"};
    try {
        TestServer server(app, config);
        FAIL() << "started";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("10.0.0.0/99"), std::string::npos);
    }
}

}  // namespace
