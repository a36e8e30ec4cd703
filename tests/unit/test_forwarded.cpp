// Who the client is behind trusted proxies (RFC 7239 Forwarded, X-Forwarded-*).
#include <asiohttp/mocked_request.hpp>

#include "test_support.hpp"
#include "web/forwarded.hpp"

namespace {

using asiohttp::detail::apply_forwarded;
using asiohttp::detail::node_address;
using asiohttp::detail::TrustedProxies;
using asiohttp::test_utils::make_mocked_request;

TEST(TrustedProxies, AddressesAndNetworksBothFamilies) {
    TrustedProxies t({"127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"});
    EXPECT_TRUE(t.contains("127.0.0.1"));
    EXPECT_FALSE(t.contains("127.0.0.2"));
    EXPECT_TRUE(t.contains("10.200.3.4:8080"));
    EXPECT_FALSE(t.contains("11.0.0.1"));
    EXPECT_TRUE(t.contains("[::1]:443"));
    EXPECT_TRUE(t.contains("\"[fd12::5]\""));
    EXPECT_FALSE(t.contains("fe80::1"));
    EXPECT_FALSE(t.contains("_hidden"));
    EXPECT_TRUE(t.contains(boost::asio::ip::make_address("::ffff:10.1.2.3")));  // v4-mapped
    EXPECT_THROW(TrustedProxies({"10.0.0.0/33"}), std::invalid_argument);
    EXPECT_THROW(TrustedProxies({"proxy.local"}), std::invalid_argument);
}

TEST(Forwarded, NodeAddresses) {
    EXPECT_EQ(node_address("192.0.2.43:47011"), "192.0.2.43");
    EXPECT_EQ(node_address("\"[2001:db8:cafe::17]:4711\""), "2001:db8:cafe::17");
    EXPECT_EQ(node_address("2001:db8::1"), "2001:db8::1");
    EXPECT_EQ(node_address(" 198.51.100.17 "), "198.51.100.17");
}

TEST(Forwarded, Rfc7239ElementOfTheFirstUntrustedHop) {
    TrustedProxies trusted({"127.0.0.1", "10.0.0.0/8"});
    // client -> edge 10.0.0.5 -> us; the client also sent a forged element of its own.
    auto req = make_mocked_request(
        "GET", "/", {.headers = {{"Host", "internal:8080"},
                                 {"Forwarded", "for=6.6.6.6;proto=https;host=evil.example"},
                                 {"Forwarded", "for=\"[2001:db8::7]:51234\";proto=https;host=shop.example, for=10.0.0.5"}}});
    apply_forwarded(*req, trusted);
    EXPECT_EQ(req->remote(), "2001:db8::7");
    EXPECT_TRUE(req->secure());
    EXPECT_EQ(req->scheme(), "https");
    EXPECT_EQ(req->host(), "shop.example");
}

TEST(Forwarded, XForwardedForProtoAndHost) {
    TrustedProxies trusted({"127.0.0.1"});
    auto req = make_mocked_request("GET", "/", {.headers = {{"Host", "app:8080"},
                                                            {"X-Forwarded-For", "1.2.3.4, 203.0.113.9"},
                                                            {"X-Forwarded-Proto", "https"},
                                                            {"X-Forwarded-Host", "www.example"}}});
    apply_forwarded(*req, trusted);
    EXPECT_EQ(req->remote(), "203.0.113.9");  // 1.2.3.4 is only what the client claimed
    EXPECT_TRUE(req->secure());
    EXPECT_EQ(req->host(), "www.example");

    auto plain = make_mocked_request("GET", "/", {.headers = {{"Host", "app"}, {"X-Forwarded-For", "203.0.113.9"}}});
    apply_forwarded(*plain, trusted);
    EXPECT_EQ(plain->remote(), "203.0.113.9");
    EXPECT_FALSE(plain->secure());
    EXPECT_EQ(plain->host(), "app");

    auto none = make_mocked_request("GET", "/", {.headers = {{"Host", "app"}}});
    apply_forwarded(*none, trusted);
    EXPECT_EQ(none->remote(), "127.0.0.1");
}

}  // namespace
