// Request bodies as forms: multipart (the boundary, limits and the slicing of
// the body taken from the input) and application/x-www-form-urlencoded.
#include <fuzzer/FuzzedDataProvider.h>

#include <asiohttp/http_exceptions.hpp>

#include "base/url_codec.hpp"
#include "web/multipart_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using asiohttp::detail::MultipartParser;
    using Step = MultipartParser::Step;
    FuzzedDataProvider in(data, size);
    const auto boundary = in.ConsumeRandomLengthString(80);
    const auto step = in.ConsumeIntegralInRange<std::size_t>(1, 4096);
    const auto max = in.ConsumeIntegralInRange<std::size_t>(1, 4096);
    const asiohttp::web::MultipartLimits limits{.max_parts = 64, .max_part_headers = 1024, .max_part_size = 1 << 16};
    const auto body = in.ConsumeRemainingBytesAsString();
    try {
        MultipartParser parser(boundary, limits);
        std::size_t fed = 0;
        auto feed = [&] {
            if (fed == body.size()) return parser.feed_eof();
            parser.feed(std::string_view(body).substr(fed, step));
            fed = std::min(body.size(), fed + step);
        };
        for (int guard = 0; guard < 1 << 20; ++guard) {
            const auto next = parser.next_part();
            if (next == Step::end) break;
            if (next == Step::need_more) {
                feed();
                continue;
            }
            for (;;) {
                std::string_view piece;
                const auto s = parser.read(max, piece);
                if (s == Step::end) break;
                if (s == Step::need_more) feed();
                else if (piece.empty() || piece.size() > max) __builtin_trap();
            }
        }
    } catch (const asiohttp::web::HTTPException&) {  // a malformed body is a 4xx, not a crash
    }
    asiohttp::MultiDict fields;
    asiohttp::detail::parse_urlencoded(body, fields);
    return 0;
}
