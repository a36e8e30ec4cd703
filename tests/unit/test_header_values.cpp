// Header values as both the server and the client read them.
#include "base/header_values.hpp"
#include "test_support.hpp"

namespace {

namespace detail = asiohttp::detail;

TEST(HeaderValues, ListsAndTokensTrimSpacesAndTabs) {
    std::vector<std::string_view> items;
    detail::for_each_item(" keep-alive ,\tUpgrade\t,, x ", [&](std::string_view i) {
        items.push_back(i);
        return false;
    });
    EXPECT_EQ(items, (std::vector<std::string_view>{"keep-alive", "Upgrade", "x"}));
    EXPECT_TRUE(detail::has_token("keep-alive,\tupgrade", "Upgrade"));
    EXPECT_FALSE(detail::has_token("upgrades", "upgrade"));
    EXPECT_FALSE(detail::has_token("", "upgrade"));
}

TEST(HeaderValues, MediaTypeAndParameters) {
    EXPECT_EQ(detail::media_type(" Text/HTML ; charset=UTF-8"), "text/html");
    EXPECT_EQ(detail::media_type_view("\tText/HTML\t;x=1"), "Text/HTML");
    EXPECT_EQ(detail::header_param("multipart/form-data; boundary=\"a b\"", "boundary"), "a b");
    EXPECT_EQ(detail::header_param("text/plain;\tCharSet=utf-8\t", "charset"), "utf-8");
    EXPECT_FALSE(detail::header_param("text/plain", "charset").has_value());
    // A quoted value may hold ';' and escaped quotes; the parameters after it are still found.
    const std::string_view v = R"(form-data; name="a;\"b\""; filename="x.txt")";
    EXPECT_EQ(detail::header_param(v, "name"), R"(a;"b")");
    EXPECT_EQ(detail::header_param(v, "filename"), "x.txt");
    EXPECT_EQ(detail::header_param_view("text/plain; charset=\"latin1\"", "charset"), "latin1");
    EXPECT_EQ(detail::header_param_view("text/plain", "charset"), "");
}

TEST(HeaderValues, CookieHeaderPairs) {
    asiohttp::MultiDict cookies;
    detail::parse_cookie_header("a=1;\tb=\"two\" ; flag; =nameless; c=", cookies);
    EXPECT_EQ(cookies.get("a"), "1");
    EXPECT_EQ(cookies.get("b"), "two");
    EXPECT_EQ(cookies.get("c"), "");
    EXPECT_FALSE(cookies.contains("flag"));  // no '=': not a cookie
    EXPECT_EQ(cookies.size(), 3u);
}

}  // namespace
