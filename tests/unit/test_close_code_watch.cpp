// The close-code watch under the server's WebSocket stream, without a socket:
// frames cut at every byte still have a 5000+ close code turned into one Beast
// refuses, and nothing else touched.
#include "test_support.hpp"
#include "websocket/close_code_watch.hpp"

namespace {

using asiohttp::detail::CloseCodeWatch;

// Feeds `bytes` in pieces of `step`; returns what the layer above would see.
std::string watched(std::string bytes, std::size_t step) {
    CloseCodeWatch watch;
    for (std::size_t at = 0; at < bytes.size(); at += step)
        watch.inspect(reinterpret_cast<unsigned char*>(bytes.data() + at), std::min(step, bytes.size() - at));
    return bytes;
}

int close_code_of(const std::string& frame) {  // a masked client close frame with a 2-byte length
    const auto* m = reinterpret_cast<const unsigned char*>(frame.data() + 2);
    return ((static_cast<unsigned char>(frame[6]) ^ m[0]) << 8) | (static_cast<unsigned char>(frame[7]) ^ m[1]);
}

TEST(CloseCodeWatch, RewritesOnlyCloseCodesOfFiveThousandOrMore) {
    const std::string text = test_utils::client_frame(0x1, std::string(300, 'x'));  // 2-byte extended length
    for (int code : {1000, 4999, 5000, 65535}) {
        const std::string close = test_utils::client_frame(0x8, std::string{char(code >> 8), char(code & 0xff)});
        for (std::size_t step : {1u, 2u, 3u, 7u, 1000u}) {
            const auto seen = watched(text + close, step);
            EXPECT_EQ(seen.substr(0, text.size()), text) << "a data frame was changed";
            const int now = close_code_of(seen.substr(text.size()));
            // A read that ends between the code's two bytes leaves only the first to
            // judge: 0x13 (4864-5119) is refused then, to be safe.
            const bool cut_in_code = (text.size() + 7) % step == 0;
            if (code >= 5000 || (cut_in_code && code >> 8 == 0x13)) EXPECT_LT(now, 1000) << code << " in steps of " << step;
            else EXPECT_EQ(now, code) << step;
        }
    }
}

}  // namespace
