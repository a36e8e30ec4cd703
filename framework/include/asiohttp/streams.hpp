// web::StreamReader: a request body as it arrives (aiohttp: request.content),
// for bodies too large to hold in memory. Nothing is read from the socket until
// the handler asks, so a handler that stops reading stops the client too (TCP
// backpressure), and memory stays at one piece per connection.
//
//   auto& body = req.content();
//   for (;;) {
//       auto piece = co_await body.read_chunk();   // "" at the end
//       if (piece.empty()) break;
//       out.write(piece.data(), piece.size());
//   }
//
// A body with a Content-Encoding is handed out decoded. The route's
// client_max_size holds for the decoded size: a 413 past it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "asiohttp/awaitable.hpp"

namespace asiohttp::detail {
class Decoder;
class Exchange;
struct RequestHead;
}  // namespace asiohttp::detail

namespace asiohttp::web {

class StreamReader {
public:
    ~StreamReader();
    StreamReader(const StreamReader&) = delete;
    StreamReader& operator=(const StreamReader&) = delete;

    // The next piece of the body, at most `max` bytes; "" at the end. The view
    // stays valid until the next read.
    awaitable<std::string_view> read_chunk(std::size_t max = 64 << 10);
    // Whatever piece comes next, however large the network hands it.
    awaitable<std::string_view> readany() { return read_chunk(SIZE_MAX); }
    // Exactly `n` bytes; a body that ends first is a 400.
    awaitable<std::string> readexactly(std::size_t n);
    // True once the whole body was handed out.
    bool at_eof() const noexcept { return eof_ && avail_.empty(); }
    // Bytes handed out so far (decoded).
    std::uint64_t total_bytes() const noexcept { return total_; }
    // Whether any of the body was read through this reader.
    bool started() const noexcept { return total_ > 0 || eof_; }

private:
    friend class Request;
    StreamReader(detail::RequestHead& head, detail::Exchange& exchange, std::size_t limit);
    // The next piece into avail_; false at the end of the body.
    awaitable<bool> fill();

    detail::RequestHead* head_;
    detail::Exchange* exchange_;
    std::size_t limit_;
    std::unique_ptr<detail::Decoder> decoder_;  // the body's Content-Encoding
    std::string raw_;                           // bytes off the wire, not decoded yet
    std::size_t raw_pos_ = 0;
    std::string piece_;                         // the piece being handed out
    std::string_view avail_;                    // what is left of it
    std::uint64_t total_ = 0;
    bool raw_seen_ = false;  // some body came (an empty coded body is not cut short)
    bool eof_ = false;
};

}  // namespace asiohttp::web
