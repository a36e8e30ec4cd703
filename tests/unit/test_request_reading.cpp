// Reading requests without a socket, as the connection does (the head with
// HeadReader, the body with BodyParser): bytes fed in pieces of every size, as
// the network may cut them.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "http1/body_parser.hpp"
#include "http1/head_rules.hpp"
#include "test_support.hpp"

namespace {

namespace http = boost::beast::http;
using asiohttp::detail::BodyParser;
using asiohttp::detail::HeadReader;
using asiohttp::detail::RequestHead;

struct Parsed {
    RequestHead head;
    boost::beast::error_code ec;  // what the connection answers 431, 413 or 400
    std::optional<int> refused;   // the head broke a rule: the status it gets
    bool done = false;
};

// Parses `bytes` delivered `step` bytes at a time, with the server's limits.
Parsed parse(std::string_view bytes, std::size_t step, std::uint32_t header_limit = 8192,
             std::uint64_t body_limit = 1 << 20) {
    Parsed out;
    std::string pending;
    std::size_t fed = 0;
    auto more = [&] {
        if (fed >= bytes.size()) return false;
        auto piece = bytes.substr(fed, step);
        pending.append(piece);
        fed += piece.size();
        return true;
    };
    HeadReader reader(header_limit, out.head);
    for (;;) {
        const auto status = reader.look(pending);
        pending.erase(0, status.skip);
        if (status.kind == HeadReader::Status::refused) {
            out.refused = status.refusal->status;
            return out;
        }
        if (status.kind == HeadReader::Status::too_large) {
            out.ec = http::error::header_limit;
            return out;
        }
        if (status.kind == HeadReader::Status::complete) {
            pending.erase(0, status.size);
            break;
        }
        if (!more()) return out;  // all delivered, the head still incomplete
    }
    BodyParser parser(out.head);
    parser.header_limit(header_limit);
    parser.body_limit(body_limit);
    parser.start(out.ec);
    while (!out.ec && !parser.is_done()) {
        boost::beast::error_code ec;
        const auto used = parser.put(boost::asio::buffer(pending), ec);
        pending.erase(0, used);
        if (ec && ec != http::error::need_more) {
            out.ec = ec;
            return out;
        }
        if (!parser.is_done() && (used == 0 || pending.empty()) && !more()) break;
    }
    out.done = !out.ec && parser.is_done();
    return out;
}

const std::string kGet =
    "GET /notes/7?full=1 HTTP/1.1\r\nHost: example.org\r\nUser-Agent: t\tab\r\nAccept: */*\r\n\r\n";

TEST(RequestReading, HeadInAnyPiecesGivesTheSameRequest) {
    for (std::size_t step = 1; step <= kGet.size(); ++step) {
        auto p = parse(kGet, step);
        ASSERT_FALSE(p.ec) << "step " << step << ": " << p.ec.message();
        ASSERT_TRUE(p.done) << "step " << step;
        EXPECT_EQ(p.head.method, "GET");
        EXPECT_EQ(p.head.target, "/notes/7?full=1");
        EXPECT_EQ(p.head.version, 11u);
        EXPECT_TRUE(p.head.keep_alive);
        ASSERT_EQ(p.head.headers.size(), 3u);
        EXPECT_EQ(p.head.headers.get("host", ""), "example.org");
        EXPECT_EQ(p.head.headers.get("USER-AGENT", ""), "t\tab");
    }
}

TEST(RequestReading, ChunkedBodyInPiecesIsJoined) {
    const std::string req =
        "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n";
    for (std::size_t step : {1u, 2u, 3u, 7u, 64u, 1000u}) {
        auto p = parse(req, step);
        ASSERT_FALSE(p.ec) << p.ec.message();
        EXPECT_TRUE(p.done);
        EXPECT_TRUE(p.head.chunked);
        EXPECT_EQ(p.head.body, "hello, world") << "step " << step;
    }
}

TEST(RequestReading, AStreamingSinkTakesTheBodyInsteadOfTheHead) {
    const std::string req =
        "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";
    RequestHead head;
    HeadReader reader(8192, head);
    const auto status = reader.look(req);
    ASSERT_EQ(status.kind, HeadReader::Status::complete);
    BodyParser parser(head);
    boost::beast::error_code ec;
    parser.start(ec);
    ASSERT_FALSE(ec);
    std::string piece;
    parser.sink(piece);
    std::string_view rest = std::string_view(req).substr(status.size);
    while (!parser.is_done() && !ec) {
        const auto used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
        rest.remove_prefix(used);
    }
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(piece, "hello, world");
    EXPECT_EQ(head.body, "");
    EXPECT_EQ(parser.body_bytes(), 12u);
}

TEST(RequestReading, ContentLengthBodyAndExpectContinue) {
    const std::string req =
        "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\nhello there";
    auto p = parse(req, 5);
    ASSERT_FALSE(p.ec);
    EXPECT_EQ(p.head.content_length, 11u);
    EXPECT_TRUE(p.head.expect_continue);
    EXPECT_EQ(p.head.body, "hello there");
}

TEST(RequestReading, Http10IsNotKeptAliveUnlessAsked) {
    EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n", 3).head.keep_alive);
    auto kept = parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 3);
    EXPECT_EQ(kept.head.version, 10u);
    EXPECT_TRUE(kept.head.keep_alive);
    EXPECT_FALSE(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", 3).head.keep_alive);
    EXPECT_TRUE(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: , Upgrade\r\n\r\n", 3).head.upgrade);
}

TEST(RequestReading, LimitsAreErrorsTheServerAnswers431And413) {
    std::string big = "GET / HTTP/1.1\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n";
    EXPECT_EQ(parse(big, 512).ec, http::error::header_limit);
    std::string body = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'b');
    EXPECT_EQ(parse(body, 512, 8192, 99).ec, http::error::body_limit);
    std::string chunked = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" + std::string(100, 'b');
    EXPECT_EQ(parse(chunked, 16, 8192, 99).ec, http::error::body_limit);
}

TEST(RequestReading, MalformedInputIsAnError) {
    for (std::string_view bad : {"GET\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "G@T / HTTP/1.1\r\n\r\n",
                                 "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
                                 "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3x\r\n\r\n",
                                 "GET / HTTP/1.1\r\nHost: h\r\nConnection: a b\r\n\r\n",
                                 "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
        auto p = parse(bad, 4);
        EXPECT_TRUE(p.ec || p.refused) << bad;
    }
}

TEST(RequestReading, AnIncompleteRequestIsNotDone) {
    auto p = parse("GET / HTTP/1.1\r\nHost: h\r\n", 4);
    EXPECT_FALSE(p.ec);
    EXPECT_FALSE(p.refused);
    EXPECT_FALSE(p.done);
}

}  // namespace
