// Request bodies as forms: multipart (the boundary, limits and the slicing of
// the body taken from the input) and application/x-www-form-urlencoded.
#include <fuzzer/FuzzedDataProvider.h>

#include <asiohttp/http_exceptions.hpp>

#include "base/url_codec.hpp"
#include "multipart_slices.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using asiohttp::detail::MultipartParser;
    FuzzedDataProvider in(data, size);
    const auto boundary = in.ConsumeRandomLengthString(80);
    const auto step = in.ConsumeIntegralInRange<std::size_t>(1, 4096);
    const auto max = in.ConsumeIntegralInRange<std::size_t>(1, 4096);
    const asiohttp::web::MultipartLimits limits{.max_parts = 64, .max_part_headers = 1024, .max_part_size = 1 << 16};
    const auto body = in.ConsumeRemainingBytesAsString();
    try {
        MultipartParser parser(boundary, limits);
        parse_in_slices(
            parser, body, step, max, [](asiohttp::detail::PartHead&) {},
            [max](std::string_view piece) {
                if (piece.empty() || piece.size() > max) __builtin_trap();
            });
    } catch (const asiohttp::web::HTTPException&) {  // a malformed body is a 4xx, not a crash
    }
    asiohttp::MultiDict fields;
    asiohttp::detail::parse_urlencoded(body, fields);
    return 0;
}
