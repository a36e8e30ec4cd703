// web::MultipartReader: a multipart body read part by part as it arrives
// (aiohttp: await request.multipart()), for uploads too large for memory.
//
//   auto reader = req.multipart();                    // 400 unless multipart
//   for (;;) {
//       web::BodyPartReader* part = co_await reader.next();   // null after the last
//       if (!part) break;
//       if (part->filename()) {
//           for (;;) {
//               auto piece = co_await part->read_chunk();     // "" at the part's end
//               if (piece.empty()) break;
//               file.write(piece.data(), piece.size());
//           }
//       } else {
//           fields[std::string(part->name())] = co_await part->text();
//       }
//   }
//
// Parts need not be read to the end: next() skips what is left.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "asiohttp/awaitable.hpp"
#include "asiohttp/multidict.hpp"

namespace asiohttp::detail {
class MultipartParser;
}  // namespace asiohttp::detail

namespace asiohttp::web {

class StreamReader;

// What one multipart body may hold; past a limit the request is refused.
struct MultipartLimits {
    std::size_t max_parts = 1000;              // more parts: 413
    std::size_t max_part_headers = 8 << 10;    // a part's header block, in bytes: 400 beyond
    std::uint64_t max_part_size = UINT64_MAX;  // one part's content: 413 beyond (the body's limit holds too)
};

class MultipartReader;

// One part: its headers, then its content as it arrives.
class BodyPartReader {
public:
    const CIMultiDict& headers() const noexcept { return headers_; }
    // Content-Disposition's name ("" if none) and filename (none for a plain field).
    std::string_view name() const noexcept { return name_; }
    const std::optional<std::string>& filename() const noexcept { return filename_; }
    // The media type, parameters left out ("text/plain" when absent, as RFC 7578 says).
    std::string_view content_type() const noexcept { return content_type_; }

    // The next piece of the content, at most `max` bytes; "" at the part's end.
    // Valid until the next read from the reader.
    awaitable<std::string_view> read_chunk(std::size_t max = 64 << 10);
    // The whole content, held to MultipartLimits::max_part_size.
    awaitable<std::string> read();
    awaitable<std::string> text() { return read(); }
    // Content bytes handed out so far.
    std::uint64_t size() const noexcept { return size_; }
    bool at_eof() const noexcept { return eof_; }

private:
    friend class MultipartReader;
    explicit BodyPartReader(MultipartReader& reader) : reader_(&reader) {}

    MultipartReader* reader_;
    CIMultiDict headers_;
    std::string name_;
    std::optional<std::string> filename_;
    std::string content_type_;
    std::uint64_t size_ = 0;
    bool eof_ = false;
};

class MultipartReader {
public:
    ~MultipartReader();
    MultipartReader(MultipartReader&&) noexcept;
    MultipartReader& operator=(MultipartReader&&) noexcept;

    // The next part, its headers read; null after the last. The previous part's
    // unread content is skipped, and the previous BodyPartReader is reused.
    awaitable<BodyPartReader*> next();

private:
    friend class Request;
    friend class BodyPartReader;
    MultipartReader(StreamReader& body, std::string boundary, const MultipartLimits& limits);
    // Hands the parser more of the body (its end, once there is none).
    awaitable<void> feed();

    StreamReader* body_;
    std::unique_ptr<detail::MultipartParser> parser_;
    std::unique_ptr<BodyPartReader> part_;
};

}  // namespace asiohttp::web
