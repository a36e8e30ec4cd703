// Range headers against a file of a size the input picks (RFC 9110 §14).
#include <fuzzer/FuzzedDataProvider.h>

#include "web/byte_range.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const auto file_size = in.ConsumeIntegral<std::uint64_t>();
    const auto header = in.ConsumeRemainingBytesAsString();
    asiohttp::detail::ByteRange range{};
    if (asiohttp::detail::parse_range(header, file_size, range) == asiohttp::detail::RangeResult::ok) {
        // A satisfiable range lies inside the file.
        if (range.first > range.last || range.last >= file_size) __builtin_trap();
    }
    return 0;
}
