// A multipart body (RFC 2046, RFC 7578) parsed incrementally: bytes are fed in
// as they arrive and parts come out, headers first, then content in pieces,
// without ever holding more than a piece plus a part's header block. No I/O:
// web::MultipartReader feeds it from the request body, the fuzz target from
// random slices.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "asiohttp/multidict.hpp"
#include "asiohttp/multipart.hpp"

namespace asiohttp::detail {

struct PartHead {
    CIMultiDict headers;
    std::string name;                     // Content-Disposition name= ("" if none)
    std::optional<std::string> filename;  // filename*= (RFC 5987) or filename=
    std::string content_type;             // media type, "text/plain" by default
};

class MultipartParser {
public:
    // 400 for a boundary RFC 2046 would not allow (empty, or past 200 bytes).
    MultipartParser(std::string_view boundary, const web::MultipartLimits& limits);

    // More of the body. Views handed out before are invalid after it.
    void feed(std::string_view bytes);
    // The body has ended: what was fed is all there is.
    void feed_eof() noexcept { eof_ = true; }

    enum class Step { need_more, ready, end };
    // To the next part, past what is left of the current one. ready: part()
    // holds its headers; end: the closing delimiter was read.
    Step next_part();
    PartHead& part() noexcept { return part_; }
    // Bytes held: what was fed and not yet parsed or handed out, with what came before it.
    std::size_t buffered() const noexcept { return buf_.size(); }
    // The current part's next content, at most `max` bytes, into `data`;
    // end at the part's end (then next_part()).
    Step read(std::size_t max, std::string_view& data);

private:
    enum class State { preamble, after_delimiter, headers, content, done };
    std::string_view window() const noexcept { return std::string_view(buf_).substr(pos_); }
    Step find_first_delimiter();
    Step after_delimiter();
    Step read_headers();
    void parse_headers(std::string_view block);

    std::string delimiter_;  // "\r\n--" boundary: what ends a part's content
    web::MultipartLimits limits_;
    std::string buf_;
    std::size_t pos_ = 0;  // where the unparsed bytes start in buf_
    State state_ = State::preamble;
    bool eof_ = false;
    bool preamble_seen_ = false;  // bytes came before the first delimiter
    std::size_t parts_ = 0;
    std::uint64_t part_size_ = 0;
    PartHead part_;
};

}  // namespace asiohttp::detail
