// The response head as it goes on the wire.
#include "http1/response_head.hpp"
#include "test_support.hpp"

namespace {

using asiohttp::detail::Framing;
using asiohttp::detail::HeadOptions;
using asiohttp::detail::serialize_head;

std::string head_of(const web::Response& resp, HeadOptions options) {
    std::string out;
    serialize_head(out, resp, options);
    return out;
}

TEST(ResponseHead, StatusLineServerDateTypeAndLength) {
    auto resp = web::Response::text("hello");
    resp.headers().set("X-Trace", "abc");
    auto h = head_of(resp, {Framing::length, 5, true, 11, "asiohttp"});
    EXPECT_TRUE(h.starts_with("HTTP/1.1 200 OK\r\nServer: asiohttp\r\nDate: ")) << h;
    EXPECT_NE(h.find("\r\nContent-Type: text/plain; charset=utf-8\r\n"), std::string::npos) << h;
    EXPECT_NE(h.find("\r\nContent-Length: 5\r\n"), std::string::npos);
    EXPECT_NE(h.find("\r\nX-Trace: abc\r\n"), std::string::npos);
    EXPECT_EQ(h.find("Connection:"), std::string::npos);
    EXPECT_TRUE(h.ends_with("\r\n\r\n"));
}

TEST(ResponseHead, FramingHeadersAreTheServersOwn) {
    web::Response resp(200);
    resp.headers().set("Content-Length", "999");
    resp.headers().set("Transfer-Encoding", "gzip");
    resp.headers().set("Connection", "upgrade");
    auto h = head_of(resp, {Framing::chunked, 0, false, 11, ""});
    EXPECT_EQ(h.find("Content-Length"), std::string::npos) << h;
    EXPECT_EQ(h.find("gzip"), std::string::npos);
    EXPECT_EQ(h.find("upgrade"), std::string::npos);
    EXPECT_NE(h.find("\r\nTransfer-Encoding: chunked\r\n"), std::string::npos);
    EXPECT_NE(h.find("\r\nConnection: close\r\n"), std::string::npos);
    EXPECT_EQ(h.find("Server:"), std::string::npos);  // turned off
}

TEST(ResponseHead, KeepAliveIsSpelledOutForHttp10AndNoBodyMeansNoLength) {
    web::Response resp(204);
    auto h = head_of(resp, {Framing::none, 0, true, 10, "s"});
    EXPECT_TRUE(h.starts_with("HTTP/1.1 204 No Content\r\n")) << h;
    EXPECT_NE(h.find("\r\nConnection: keep-alive\r\n"), std::string::npos);
    EXPECT_EQ(h.find("Content-Length"), std::string::npos);
    EXPECT_TRUE(asiohttp::detail::status_has_no_body(304));
    EXPECT_TRUE(asiohttp::detail::status_has_no_body(101));
    EXPECT_FALSE(asiohttp::detail::status_has_no_body(200));
}

TEST(ResponseHead, CookiesAndAnOutOfRangeStatus) {
    web::Response resp(42);
    resp.set_cookie("a", "1");
    auto h = head_of(resp, {Framing::length, 0, true, 11, "s"});
    EXPECT_TRUE(h.starts_with("HTTP/1.1 500 ")) << h;
    EXPECT_NE(h.find("\r\nSet-Cookie: a=1"), std::string::npos) << h;
}

// Common types are kept without a copy; every way of setting one reads back.
TEST(ResponseHead, ContentTypesCommonAndOwnReadBackAndGoOut) {
    auto json = web::json_response({{"a", 1}});
    EXPECT_EQ(json.content_type(), "application/json");
    std::string own = "application/vnd.example+json";
    json.set_content_type(own);
    own.assign(own.size(), 'x');  // the response keeps its own copy
    EXPECT_EQ(json.content_type(), "application/vnd.example+json");
    const auto head = head_of(json, {Framing::length, 7, true, 11, ""});
    EXPECT_NE(head.find("\r\nContent-Type: application/vnd.example+json\r\n"), std::string::npos) << head;
    json.set_content_type(std::string("application/octet-stream"));  // a temporary equal to a common type
    EXPECT_EQ(json.content_type(), "application/octet-stream");
    json.set_content_type("");
    EXPECT_EQ(json.content_type(), "");
    json.set_text("now text");
    EXPECT_EQ(json.content_type(), "text/plain");
    auto moved = std::move(json);
    EXPECT_EQ(moved.content_type(), "text/plain");
    auto bytes = web::Response::bytes("x");
    EXPECT_EQ(web::Response(std::move(bytes)).content_type(), "application/octet-stream");
}

}  // namespace
