// The Range header, for FileResponse (RFC 9110 14.1.2).
#include "test_support.hpp"
#include "web/byte_range.hpp"

namespace {

using asiohttp::detail::ByteRange;
using asiohttp::detail::parse_range;
using asiohttp::detail::RangeResult;

std::pair<RangeResult, ByteRange> range(std::string_view header, std::uint64_t size) {
    ByteRange r{99, 99};
    auto result = parse_range(header, size, r);
    return {result, r};
}

TEST(ByteRange, TheThreeFormsOfOneRange) {
    auto [a, ra] = range("bytes=0-9", 100);
    EXPECT_EQ(a, RangeResult::ok);
    EXPECT_EQ(ra.first, 0u);
    EXPECT_EQ(ra.last, 9u);
    auto [b, rb] = range("bytes=90-", 100);
    EXPECT_EQ(b, RangeResult::ok);
    EXPECT_EQ(rb.first, 90u);
    EXPECT_EQ(rb.last, 99u);
    auto [c, rc] = range("bytes=-5", 100);
    EXPECT_EQ(c, RangeResult::ok);
    EXPECT_EQ(rc.first, 95u);
    EXPECT_EQ(rc.last, 99u);
}

TEST(ByteRange, ClampedToTheFile) {
    auto [a, ra] = range("bytes=50-5000", 100);
    EXPECT_EQ(a, RangeResult::ok);
    EXPECT_EQ(ra.last, 99u);
    auto [b, rb] = range("bytes=-500", 100);
    EXPECT_EQ(b, RangeResult::ok);
    EXPECT_EQ(rb.first, 0u);
}

TEST(ByteRange, UnsatisfiableIs416) {
    EXPECT_EQ(range("bytes=100-", 100).first, RangeResult::unsatisfiable);
    EXPECT_EQ(range("bytes=-0", 100).first, RangeResult::unsatisfiable);
    EXPECT_EQ(range("bytes=0-", 0).first, RangeResult::unsatisfiable);
}

TEST(ByteRange, AnythingElseServesTheWholeFile) {
    for (std::string_view h : {"items=0-1", "bytes=0-1,5-6", "bytes=5-1", "bytes=a-b", "bytes=", "bytes=-",
                               "bytes=99999999999999999999-"})
        EXPECT_EQ(range(h, 100).first, RangeResult::none) << h;
}

}  // namespace
