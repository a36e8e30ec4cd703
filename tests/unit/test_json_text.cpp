// JSON text as responses and WebSocket messages carry it: what dump() writes,
// from a serializer each thread keeps.
#include <thread>

#include <nlohmann/json.hpp>

#include "base/json_text.hpp"
#include "test_support.hpp"

namespace {

using asiohttp::detail::json_text;
using nlohmann::json;

TEST(JsonText, WritesWhatDumpWrites) {
    const json values[] = {
        nullptr,
        json::object(),
        json::array(),
        json{{"message", "Hello, World!"}},
        json{{"a", {1, -2, 3.25, 1e300, true, false, nullptr}}, {"b", {{"c", "d"}}}},
        json{{"quote\"back\\slash", "tab\tnew\nline\x01"}, {"utf-8", "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"}},
        json(std::numeric_limits<std::uint64_t>::max()),
        json(0.1),
        json{{"", ""}, {"del\x7f", "x"}, {"e\u0301", {json::object(), json::array(), {json::array()}}}},
        json{{"k\"ey", {"v\\al", "\x1f", 1.0, -0.0, 12345678901234567890u}}},
        json::array({json::object({{"a", json::array()}}), "plain string", "\xe2\x82\xac", nullptr}),
        json::binary({1, 2, 3}),
    };
    for (const auto& v : values) EXPECT_EQ(json_text(v), v.dump());
}

TEST(JsonText, InvalidUtf8ThrowsAsDumpDoesAndTheNextTextIsWhole) {
    const json bad{{"k", "a\xff"}};
    EXPECT_THROW((void)json_text(bad), json::type_error);
    EXPECT_THROW((void)json_text(json{{"b\xc3", 1}}), json::type_error);  // in a key too
    EXPECT_EQ(json_text(json{{"after", 1}}), R"({"after":1})");
}

TEST(JsonText, ATextLargerThanTheKeptBufferAndTheOnesAfterIt) {
    const json big{{"data", std::string(200 << 10, 'x')}};
    const auto text = json_text(big);
    EXPECT_EQ(text.size(), (200u << 10) + 11);
    EXPECT_EQ(text, big.dump());
    EXPECT_EQ(json_text(json{{"small", true}}), R"({"small":true})");
}

TEST(JsonText, EachThreadWritesItsOwnText) {
    std::vector<std::thread> threads;
    std::atomic<int> wrong{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([t, &wrong] {
            for (int i = 0; i < 2000; ++i) {
                const json v{{"thread", t}, {"i", i}, {"pad", std::string(std::size_t(i % 64), 'p')}};
                if (json_text(v) != v.dump()) ++wrong;
            }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
