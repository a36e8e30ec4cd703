// RFC 9112's rules for a request head, checked before Beast parses it and once
// its fields are known: what a lenient parser lets through and a proxy in
// front may read differently (request smuggling). Each broken rule is a
// refusal with its status and a reason for the client; the connection then
// closes, so nothing after a refused head is ever read as a request.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "asiohttp/detail/request_head.hpp"

namespace asiohttp::detail {

struct Refusal {
    int status = 400;
    std::string reason;
};

// Where a request head ends in `data` (just past its blank line), the number of
// blank lines before it (§2.2: ignored), and whether its line endings are
// broken (a bare CR or LF, §2.2). Scanning goes on from `scanned`, so a head
// arriving byte by byte is scanned once.
struct HeadScan {
    std::size_t leading_blank = 0;  // bytes of CRLFs before the request line
    std::size_t end = 0;            // 0 until the head is complete
    std::size_t scanned = 0;        // where the next scan starts
    bool bad_line_ending = false;
};
void scan_head(std::string_view data, HeadScan& scan);

// Reads a request head out of bytes as they arrive: what the connection and
// the fuzz target both use. Blank lines before the request line are dropped
// (§2.2); the head is checked against the grammar once it is whole.
class HeadReader {
public:
    struct Status {
        enum Kind { need_more, complete, refused, too_large } kind = need_more;
        std::size_t skip = 0;  // blank-line bytes at the front: drop them before anything else
        std::size_t size = 0;  // complete: the head's length after `skip`, its blank line included
        std::optional<Refusal> refusal;
    };
    explicit HeadReader(std::size_t limit) : limit_(limit) {}
    // Looks at what is buffered so far; between calls the buffer only grows at
    // its end, after the caller dropped the `skip` bytes of the last answer.
    Status look(std::string_view buffered);

private:
    std::size_t limit_;
    std::size_t blank_ = 0;
    HeadScan scan_;
};

// The request line and field lines of a complete head (without its blank
// line): grammar of §3 and §5 (tokens, no whitespace before a colon, no
// obs-fold, no control characters, a version that is HTTP/1.x).
std::optional<Refusal> check_head_grammar(std::string_view head);

// What the fields say once parsed: Host (§3.2), Transfer-Encoding and
// Content-Length (§6.1-6.3).
std::optional<Refusal> check_head_fields(const RequestHead& head);

// RFC 3986's uri-host [":" port], as a Host field value may be.
bool valid_host(std::string_view host);

}  // namespace asiohttp::detail
