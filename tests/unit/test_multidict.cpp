// MultiDict (case-sensitive, for queries and match info) and CIMultiDict (headers).
#include "test_support.hpp"

namespace {

using asiohttp::CIMultiDict;
using asiohttp::MultiDict;

TEST(MultiDict, KeepsOrderAndRepeatsAndSetReplacesAll) {
    MultiDict d{{"a", "1"}, {"b", "2"}, {"a", "3"}};
    EXPECT_EQ(d.get("a"), "1");
    EXPECT_EQ(d.getall("a"), (std::vector<std::string_view>{"1", "3"}));
    EXPECT_EQ(d.count("a"), 2u);
    EXPECT_FALSE(d.get("A").has_value());  // case matters
    EXPECT_EQ(d.get("zz", "fallback"), "fallback");
    d.set("a", "9");
    EXPECT_EQ(d.getall("a"), (std::vector<std::string_view>{"9"}));
    d.setdefault("a", "0");
    d.setdefault("c", "4");
    EXPECT_EQ(d.get("a"), "9");
    EXPECT_EQ(d.get("c"), "4");
    EXPECT_EQ(d.erase("b"), 1u);
    EXPECT_FALSE(d.contains("b"));
    std::vector<std::string> keys;
    for (auto& [k, v] : d) keys.emplace_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"a", "c"}));
}

TEST(CIMultiDict, HeaderNamesIgnoreCase) {
    CIMultiDict h{{"Content-Type", "text/plain"}, {"set-cookie", "a=1"}, {"Set-Cookie", "b=2"}};
    EXPECT_EQ(h.get("content-type"), "text/plain");
    EXPECT_EQ(h.getall("SET-COOKIE").size(), 2u);
    h.set("CONTENT-TYPE", "text/html");
    EXPECT_EQ(h.count("Content-Type"), 1u);
    EXPECT_EQ(h.get("content-type"), "text/html");
}

}  // namespace
