// RFC 9112's head rules without a socket: where a head ends however the bytes
// are cut, and the Host syntax (the connection's behaviour is in
// tests/conformance/test_http1.cpp).
#include "http1/head_rules.hpp"
#include "test_support.hpp"

namespace {

using asiohttp::detail::HeadReader;
using asiohttp::detail::HeadScan;
using asiohttp::detail::scan_head;
using asiohttp::detail::valid_host;

// Scans `data` as it would arrive in pieces of `step` bytes.
HeadScan scan_in_steps(std::string_view data, std::size_t step) {
    HeadScan scan;
    for (std::size_t have = std::min(step, data.size());; have = std::min(have + step, data.size())) {
        scan_head(data.substr(0, have), scan);
        if (scan.end || scan.bad_line_ending || have == data.size()) return scan;
    }
}

TEST(HeadRules, TheEndOfAHeadIsFoundHoweverTheBytesAreCut) {
    const std::string request = "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\nbody";
    for (std::size_t step = 1; step <= request.size(); ++step) {
        const auto scan = scan_in_steps(request, step);
        ASSERT_FALSE(scan.bad_line_ending) << step;
        EXPECT_EQ(scan.leading_blank, 4u) << step;
        EXPECT_EQ(scan.end, request.size() - 4) << step;
    }
}

TEST(HeadRules, ABareCrOrLfIsFoundHoweverTheBytesAreCut) {
    for (std::string request : {"GET / HTTP/1.1\nHost: x\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\r\n\r\n",
                                "GET / HTTP/1.1\r\n\n"}) {
        for (std::size_t step = 1; step <= request.size(); ++step) {
            const auto scan = scan_in_steps(request, step);
            EXPECT_TRUE(scan.bad_line_ending) << step << ": " << request;
            EXPECT_EQ(scan.end, 0u);
        }
    }
}

TEST(HeadRules, AnUnfinishedHeadHasNoEnd) {
    EXPECT_EQ(scan_in_steps("GET / HTTP/1.1\r\nHost: x\r\n\r", 1).end, 0u);
    EXPECT_EQ(scan_in_steps("\r\n\r\n", 1).end, 0u);  // blank lines only
}

// As the connection uses it: bytes appended, blank lines dropped when told.
TEST(HeadRules, TheReaderDropsBlankLinesAndFindsTheHeadInPieces) {
    const std::string request = "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\nnext";
    for (std::size_t step = 1; step <= request.size(); ++step) {
        asiohttp::detail::RequestHead head;
        HeadReader reader(8192, head);
        std::string buffered;
        HeadReader::Status status;
        for (std::size_t at = 0; at < request.size(); at += step) {
            buffered += request.substr(at, step);
            status = reader.look(buffered);
            buffered.erase(0, status.skip);
            if (status.kind != HeadReader::Status::need_more) break;
        }
        ASSERT_EQ(status.kind, HeadReader::Status::complete) << step;
        EXPECT_EQ(buffered.substr(0, status.size), "GET / HTTP/1.1\r\nHost: x\r\n\r\n") << step;
    }
    asiohttp::detail::RequestHead head;
    HeadReader small(16, head);
    EXPECT_EQ(small.look("GET /a-long-path HTTP/1.1\r\n").kind, HeadReader::Status::too_large);
    HeadReader strict(8192, head);
    EXPECT_EQ(strict.look("GET / HTTP/1.1\r\nBad Line\r\n\r\n").kind, HeadReader::Status::refused);
}

TEST(HeadRules, HostSyntax) {
    for (auto ok : {"example.com", "example.com:8080", "127.0.0.1:80", "[::1]", "[::1]:443", "", "a-b.c_d~e",
                    "%41bc", "x:"})
        EXPECT_TRUE(valid_host(ok)) << ok;
    for (auto bad : {"a b", "a/b", "[::1", "[::1]x", "x:8o", "a@b", "%4", "%zz", "ex\"ample", "a:b:80", "a:80:1", "%4:80"})
        EXPECT_FALSE(valid_host(bad)) << bad;
}

}  // namespace
