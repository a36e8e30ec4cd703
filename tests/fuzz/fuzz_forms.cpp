// Request bodies as forms: multipart (the boundary taken from the input) and
// application/x-www-form-urlencoded.
#include <fuzzer/FuzzedDataProvider.h>

#include <asiohttp/http_exceptions.hpp>
#include <asiohttp/request.hpp>

#include "base/url_codec.hpp"
#include "web/form.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const auto boundary = in.ConsumeRandomLengthString(80);
    const auto body = in.ConsumeRemainingBytesAsString();
    try {
        asiohttp::web::PostData form;
        asiohttp::detail::parse_multipart(body, boundary, form);
    } catch (const asiohttp::web::HTTPException&) {  // a malformed body is a 4xx, not a crash
    }
    asiohttp::MultiDict fields;
    asiohttp::detail::parse_urlencoded(body, fields);
    return 0;
}
