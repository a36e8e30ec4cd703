// The Range request header (RFC 9110 14.2), for FileResponse.
#pragma once

#include <cstdint>
#include <string_view>

namespace asiohttp::detail {

struct ByteRange {
    std::uint64_t first, last;  // inclusive
};

enum class RangeResult { none, ok, unsatisfiable };

// One "bytes=a-b", "bytes=a-" or "bytes=-n" range of a `size`-byte file. Lists
// of ranges and anything malformed are `none`: the file is served whole.
RangeResult parse_range(std::string_view header, std::uint64_t size, ByteRange& out);

}  // namespace asiohttp::detail
