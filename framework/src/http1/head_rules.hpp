// Reading a request head by RFC 9112's rules, strictly: what a lenient parser
// lets through and a proxy in front may read differently (request smuggling)
// is refused. Each broken rule is a refusal with its status and a reason for
// the client; the connection then closes, so nothing after a refused head is
// ever read as a request. The head is parsed here, in one pass over its lines;
// Beast's parser reads only bodies (body_parser.hpp).
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

// Reads a request head out of bytes as they arrive into `head`: what the
// connection and the fuzz target both use. Blank lines before the request line
// are dropped (§2.2); the head is parsed once it is whole.
class HeadReader {
public:
    struct Status {
        enum Kind { need_more, complete, refused, too_large } kind = need_more;
        std::size_t skip = 0;  // blank-line bytes at the front: drop them before anything else
        std::size_t size = 0;  // complete: the head's length after `skip`, its blank line included
        std::optional<Refusal> refusal;
    };
    HeadReader(std::size_t limit, RequestHead& head) : limit_(limit), head_(head) {}
    // Looks at what is buffered so far; between calls the buffer only grows at
    // its end, after the caller dropped the `skip` bytes of the last answer.
    Status look(std::string_view buffered);

private:
    std::size_t limit_;
    RequestHead& head_;
    std::size_t blank_ = 0;
    HeadScan scan_;
};

// Parses a complete head (without its blank line) into `head`, checking the
// grammar of §3 and §5 line by line (tokens, no whitespace before a colon, no
// obs-fold, no control characters, a version that is HTTP/1.x) and then what
// the fields say: Host (§3.2), Transfer-Encoding and Content-Length (§6.1-6.3),
// Connection (keep-alive, upgrade). A mocked request (test_utils) may do
// without a Host field.
std::optional<Refusal> parse_head(std::string_view bytes, RequestHead& head, bool host_required = true);

// RFC 3986's uri-host [":" port], as a Host field value may be.
bool valid_host(std::string_view host);

}  // namespace asiohttp::detail
