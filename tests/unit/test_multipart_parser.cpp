// The incremental multipart parser: any slicing of a body gives the same parts.
#include <gtest/gtest.h>

#include <asiohttp/http_exceptions.hpp>

#include "multipart_slices.hpp"

namespace {

using namespace std::string_literals;
using asiohttp::detail::MultipartParser;
using Step = MultipartParser::Step;
namespace web = asiohttp::web;

// Every part as "name|filename|type|content", feeding `body` `step` bytes at a time.
std::vector<std::string> parse(std::string_view body, std::size_t step, std::string_view boundary = "XyZ",
                               web::MultipartLimits limits = {}, std::size_t max = 5) {
    MultipartParser parser(boundary, limits);
    std::vector<std::string> parts;
    parse_in_slices(
        parser, body, step, max,
        [&](asiohttp::detail::PartHead& head) {
            parts.push_back(head.name + "|" + head.filename.value_or("-") + "|" + head.content_type + "|");
        },
        [&](std::string_view piece) {
            EXPECT_LE(piece.size(), max);
            parts.back().append(piece);
        });
    return parts;
}

const std::string kBody =
    "preamble to ignore\r\n"
    "--XyZ  \r\n"
    "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
    "Hello\r\n-XyZ --XyZ\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"upload\"; filename=\"a.txt\"; filename*=UTF-8''caf%C3%A9.txt\r\n"
    "Content-Type: image/png; x=1\r\n\r\n"
    "\r\n\r\n\x00\x01--XyZ\r\n"
    "--XyZ\r\n"
    "\r\n"
    "no headers\r\n"
    "--XyZ--\r\nepilogue"s;

TEST(MultipartParser, AnySlicingGivesTheSameParts) {
    const std::vector<std::string> want{
        "title|-|text/plain|Hello\r\n-XyZ --XyZ",
        "upload|caf\xC3\xA9.txt|image/png|" + std::string("\r\n\r\n\x00\x01--XyZ", 11),
        "|-|text/plain|no headers",
    };
    for (std::size_t step = 1; step <= kBody.size(); ++step) ASSERT_EQ(parse(kBody, step), want) << "step " << step;
}

TEST(MultipartParser, ABodyMayOpenWithItsDelimiter) {
    const std::string body = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--";
    for (std::size_t step = 1; step <= body.size(); ++step)
        EXPECT_EQ(parse(body, step, "b"), std::vector<std::string>{"a|-|text/plain|1"}) << step;
}

TEST(MultipartParser, MalformedBodiesAre400) {
    for (std::string body : {"--XyZ\r\nno end", "no boundary at all", "--XyZ\r\nBad header\r\n\r\nx\r\n--XyZ--",
                             "--XyZ junk\r\n\r\nx\r\n--XyZ--", "--XyZ\r\n\r\nunterminated\r\n--Xy", "--XyZ"}) {
        for (std::size_t step : {1u, 7u, 1000u})
            EXPECT_THROW(parse(body, step), web::HTTPBadRequest) << body << " step " << step;
    }
    EXPECT_THROW(MultipartParser("", {}), web::HTTPBadRequest);
    EXPECT_THROW(MultipartParser(std::string(201, 'b'), {}), web::HTTPBadRequest);
}

TEST(MultipartParser, LimitsOnPartsHeadersAndPartSize) {
    EXPECT_THROW(parse(kBody, 64, "XyZ", {.max_parts = 2}), web::HTTPRequestEntityTooLarge);
    EXPECT_EQ(parse(kBody, 64, "XyZ", {.max_parts = 3}).size(), 3u);
    EXPECT_THROW(parse(kBody, 64, "XyZ", {.max_part_headers = 40}), web::HTTPBadRequest);
    EXPECT_THROW(parse(kBody, 64, "XyZ", {.max_part_size = 16}), web::HTTPRequestEntityTooLarge);
    EXPECT_EQ(parse(kBody, 64, "XyZ", {.max_part_size = 17}).size(), 3u);
}

TEST(MultipartParser, ALargePartNeverHoldsMoreThanAPieceAndATail) {
    MultipartParser parser("B", {});
    parser.feed("--B\r\n\r\n");
    ASSERT_EQ(parser.next_part(), Step::ready);
    const std::string piece(64 << 10, 'z');
    std::size_t total = 0;
    for (int i = 0; i < 100; ++i) {
        parser.feed(piece);
        for (;;) {
            std::string_view data;
            const auto s = parser.read(SIZE_MAX, data);
            if (s != Step::ready) break;
            total += data.size();
        }
        ASSERT_LE(parser.buffered(), piece.size() + 8);
    }
    parser.feed("\r\n--B--");
    std::string_view data;
    while (parser.read(SIZE_MAX, data) == Step::ready) total += data.size();
    EXPECT_EQ(total, 100u * piece.size());
    EXPECT_EQ(parser.next_part(), Step::end);
}

}  // namespace
