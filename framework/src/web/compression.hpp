// The server's side of response compression: whether a response is worth
// compressing for a request, and encoding without holding the thread for long.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "asiohttp/compression.hpp"
#include "asiohttp/request.hpp"
#include "asiohttp/response.hpp"
#include "codec/codec.hpp"

namespace asiohttp::detail {

// The coding `resp` goes out in for `req` (identity unless it enabled
// compression, its type is listed, it is not a range or already encoded, the
// client accepts one and the body is large enough). Sets what the choice
// changes: Vary, Content-Encoding, a weak ETag, no Accept-Ranges.
// `size`: the body's size when known.
ContentCoding choose_compression(const web::Request& req, web::Response& resp, std::optional<std::uint64_t> size);

// `in` encoded, a slice at a time, letting the thread's other work run between
// slices (a large body does not stall every connection on it), then flushed so
// that the client can decode all of it now, or with the stream's end when `last`.
awaitable<std::string> encode(Encoder& encoder, std::string_view in, bool last);

}  // namespace asiohttp::detail
