#include "http1/head_rules.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

#include "asiohttp/multidict.hpp"
#include "base/ascii.hpp"
#include "base/header_values.hpp"

namespace asiohttp::detail {

namespace {

constexpr auto tchar_table = [] {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[c] = t[c - 'a' + 'A'] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
    return t;
}();

// VCHAR, obs-text, SP and HTAB: what a field value may hold (§5.5).
constexpr auto field_char_table = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 256; ++c) t[c] = c != 0x7f;
    t['\t'] = true;
    return t;
}();

// RFC 3986's unreserved and sub-delims: what a reg-name holds besides %XX.
constexpr auto reg_name_table = [] {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[c] = t[c - 'a' + 'A'] = true;
    for (char c : std::string_view("-._~!$&'()*+,;=")) t[static_cast<unsigned char>(c)] = true;
    return t;
}();

bool is_tchar(unsigned char c) { return tchar_table[c]; }
bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (unsigned char c : s)
        if (!is_tchar(c)) return false;
    return true;
}
// Eight bytes at a time: whether any is below `n` (n <= 128), or equals `b`.
constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
bool any_below(std::uint64_t x, unsigned n) { return ((x - ones * n) & ~x & highs) != 0; }
bool any_equal(std::uint64_t x, unsigned char b) { return any_below(x ^ (ones * b), 1); }

// Field values are mostly printable ASCII: eight bytes are passed at once
// unless one of them is a control character (HTAB among them) or DEL.
bool all_field_chars(std::string_view s) {
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t x;
        std::memcpy(&x, s.data() + i, 8);
        if (!any_below(x, 0x20) && !any_equal(x, 0x7f)) continue;
        for (std::size_t k = i; k < i + 8; ++k)
            if (!field_char_table[static_cast<unsigned char>(s[k])]) return false;
    }
    for (; i < s.size(); ++i)
        if (!field_char_table[static_cast<unsigned char>(s[i])]) return false;
    return true;
}

// A request target holds visible ASCII only: nothing at or below SP, no DEL or above.
bool all_target_chars(std::string_view s) {
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t x;
        std::memcpy(&x, s.data() + i, 8);
        if (any_below(x, 0x21) || any_equal(x, 0x7f) || (x & highs)) return false;
    }
    for (; i < s.size(); ++i)
        if (static_cast<unsigned char>(s[i]) <= 0x20 || static_cast<unsigned char>(s[i]) >= 0x7f) return false;
    return true;
}
bool is_ows(char c) { return c == ' ' || c == '\t'; }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

Refusal bad(std::string reason) { return {400, std::move(reason)}; }

// request-line = method SP request-target SP HTTP-version (§3).
std::optional<Refusal> parse_request_line(std::string_view line, RequestHead& head) {
    const auto sp1 = line.find(' ');
    if (sp1 == line.npos) return bad("malformed request line");
    const auto method = line.substr(0, sp1);
    if (!is_token(method)) return bad("invalid method");
    const auto sp2 = line.find(' ', sp1 + 1);
    if (sp2 == line.npos) return bad("malformed request line: no HTTP version");
    const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const auto version = line.substr(sp2 + 1);
    if (target.empty()) return bad("malformed request line: empty target");
    if (!all_target_chars(target)) return bad("invalid character in the request target");
    // HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (§2.3).
    if (version.size() != 8 || !version.starts_with("HTTP/") || !is_digit(version[5]) || version[6] != '.' ||
        !is_digit(version[7]))
        return bad("malformed HTTP version");
    if (version[5] != '1') return Refusal{505, "HTTP/1.x only"};
    // §3.2: origin-form, absolute-form, authority-form (CONNECT), asterisk-form (OPTIONS).
    if (target.front() != '/') {  // not origin-form, by far the most common
        const bool asterisk = target == "*" && method == "OPTIONS";
        const bool absolute =
            target.find("://") != target.npos && std::isalpha(static_cast<unsigned char>(target[0]));
        if (!asterisk && !absolute && method != "CONNECT") return bad("invalid request target");
    }
    head.method.append(method);  // cleared by parse_head: append is the short path
    head.target.append(target);
    head.version = 10 + unsigned(version[7] - '0');
    return std::nullopt;
}

// field-line = field-name ":" OWS field-value OWS (§5).
std::optional<Refusal> split_field_line(std::string_view line, std::string_view& name, std::string_view& value) {
    if (is_ows(line.front())) return bad("obsolete line folding is not allowed");
    std::size_t colon = 0;
    while (colon < line.size() && is_tchar(static_cast<unsigned char>(line[colon]))) ++colon;
    if (colon == line.size() || line[colon] != ':') {  // why the name ended short of a colon
        const auto at = line.find(':');
        if (at == line.npos) return bad("malformed header line");
        if (at > 0 && is_ows(line[at - 1])) return bad("whitespace between a header name and its colon");
        return bad("invalid header name");
    }
    if (colon == 0) return bad("invalid header name");
    name = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!all_field_chars(value)) return bad("invalid character in a header value");
    value = trim(value);
    return std::nullopt;
}

// What the fields say about framing and the connection, gathered as they are
// parsed (one look at each name), judged once all are in.
struct FieldFacts {
    std::string_view host, length;
    int hosts = 0, lengths = 0;
    bool has_codings = false;
    bool connection_close = false, connection_keep_alive = false, connection_upgrade = false;
    bool bad_connection = false;
};

// Connection (and the old Proxy-Connection): a list of tokens, empty elements allowed.
void read_connection_options(std::string_view value, FieldFacts& facts) {
    for_each_item(value, [&](std::string_view option) {
        if (!is_token(option)) facts.bad_connection = true;
        else if (iequals(option, "close")) facts.connection_close = true;
        else if (iequals(option, "keep-alive")) facts.connection_keep_alive = true;
        else if (iequals(option, "upgrade")) facts.connection_upgrade = true;
        return false;
    });
}

void note_field(std::string_view name, std::string_view value, FieldFacts& facts, RequestHead& head) {
    switch (name.size()) {  // only a few names matter here: compare those lengths only
        case 4:
            if (iequals(name, "Host")) {
                ++facts.hosts;
                facts.host = value;
            }
            break;
        case 6:
            if (iequals(name, "Expect") && iequals(value, "100-continue")) head.expect_continue = true;
            break;
        case 10:
        case 16:
            if (iequals(name, "Connection") || iequals(name, "Proxy-Connection")) read_connection_options(value, facts);
            break;
        case 14:
            if (iequals(name, "Content-Length")) {
                ++facts.lengths;
                facts.length = value;
            }
            break;
        case 17:
            if (iequals(name, "Transfer-Encoding")) facts.has_codings = true;
            break;
    }
}

// The codings of every Transfer-Encoding field, in order, lower-cased; empty
// list elements are allowed (RFC 9110 §5.6.1).
std::optional<Refusal> check_transfer_encoding(const CIMultiDictProxy& headers) {
    std::vector<std::string> codings;
    const bool bad_coding = for_each_item(headers, "Transfer-Encoding", [&](std::string_view coding) {
        const auto name = trim(coding.substr(0, coding.find(';')));
        if (!is_token(name)) return true;
        codings.push_back(to_lower(std::string(name)));
        return false;
    });
    if (bad_coding) return bad("invalid Transfer-Encoding");
    if (codings.empty()) return bad("empty Transfer-Encoding");
    if (codings.back() != "chunked") return bad("Transfer-Encoding must end with chunked");
    codings.pop_back();
    if (std::find(codings.begin(), codings.end(), "chunked") != codings.end()) return bad("chunked applied twice");
    if (!codings.empty()) return Refusal{501, "transfer coding '" + codings.front() + "' is not supported"};
    return std::nullopt;
}

// Host (§3.2), Content-Length and Transfer-Encoding (§6.1-6.3), Connection.
std::optional<Refusal> judge_fields(const FieldFacts& facts, RequestHead& head, bool host_required) {
    if (facts.hosts > 1) return bad("more than one Host header");
    if (facts.hosts == 0 && head.version >= 11 && host_required) return bad("an HTTP/1.1 request needs a Host header");
    if (facts.hosts == 1 && !valid_host(facts.host)) return bad("invalid Host header");
    if (facts.bad_connection) return bad("invalid Connection header");
    if (facts.lengths > 1) return bad("more than one Content-Length");
    if (facts.lengths == 1) {
        const auto value = facts.length;
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (value.empty() || ec != std::errc() || end != value.data() + value.size() || !is_digit(value[0]))
            return bad("invalid Content-Length");
        head.content_length = n;
    }
    if (facts.has_codings) {
        // §6.1: faulty framing in HTTP/1.0; both fields is how smuggling starts (§6.3).
        if (head.version < 11) return bad("Transfer-Encoding in an HTTP/1.0 request");
        if (facts.lengths > 0) return bad("both Transfer-Encoding and Content-Length");
        if (auto refusal = check_transfer_encoding(head.headers)) return refusal;
        head.chunked = true;
    }
    head.keep_alive = head.version >= 11 ? !facts.connection_close : facts.connection_keep_alive;
    head.upgrade = facts.connection_upgrade;
    return std::nullopt;
}

}  // namespace

void scan_head(std::string_view data, HeadScan& scan) {
    std::size_t pos = scan.scanned;
    if (pos == scan.leading_blank) {  // before the request line: skip blank lines
        while (pos + 1 < data.size() && data[pos] == '\r' && data[pos + 1] == '\n') pos += 2;
        scan.leading_blank = pos;
    }
    const char* const base = data.data();
    // Line by line with memchr: an LF must follow a CR, and a CR precede an LF.
    while (pos < data.size()) {
        const auto* lf = static_cast<const char*>(std::memchr(base + pos, '\n', data.size() - pos));
        const std::size_t stop = lf ? std::size_t(lf - base) : data.size();
        // Any CR before the line's last byte is bare. The last byte may be the
        // CR of this line's CRLF, or (no LF yet) a CR whose LF has not arrived.
        if (stop > pos + 1 && std::memchr(base + pos, '\r', stop - pos - 1)) {
            scan.bad_line_ending = true;
            return;
        }
        if (!lf) {
            pos = data.back() == '\r' ? data.size() - 1 : data.size();  // look at that CR again next time
            break;
        }
        if (stop == 0 || data[stop - 1] != '\r') {
            scan.bad_line_ending = true;
            return;
        }
        if (stop >= scan.leading_blank + 3 && data[stop - 2] == '\n' && data[stop - 3] == '\r') {
            scan.end = stop + 1;
            scan.scanned = stop + 1;
            return;
        }
        pos = stop + 1;
    }
    scan.scanned = pos;
}

HeadReader::Status HeadReader::look(std::string_view buffered) {
    Status status;
    scan_head(buffered, scan_);
    if (scan_.bad_line_ending) {
        status.kind = Status::refused;
        status.refusal = bad("a bare CR or LF in the request head");
        return status;
    }
    status.skip = scan_.leading_blank;
    blank_ += status.skip;
    scan_.scanned -= status.skip;
    if (scan_.end) scan_.end -= status.skip;
    scan_.leading_blank = 0;
    const auto head = buffered.substr(status.skip);
    const bool whole = scan_.end != 0;
    if (blank_ > limit_ || (whole ? scan_.end - 2 > limit_ : head.size() >= limit_)) {
        status.kind = Status::too_large;
        return status;
    }
    if (!whole) return status;
    status.size = scan_.end;
    status.refusal = parse_head(head.substr(0, scan_.end - 2), head_);
    status.kind = status.refusal ? Status::refused : Status::complete;
    return status;
}

std::optional<Refusal> parse_head(std::string_view bytes, RequestHead& head, bool host_required) {
    // Cleared, so that appending fills each string: a shorter path than
    // libstdc++'s general assign (_M_replace).
    head.clear();
    // One copy of the head: names and values are views into it.
    head.fields.append(bytes);
    std::string_view rest = head.fields;
    FieldFacts facts;
    bool first = true;
    while (!rest.empty()) {
        // Every line ends in CRLF (scan_head saw to it; a mocked head is built so).
        const auto* lf = static_cast<const char*>(std::memchr(rest.data(), '\n', rest.size()));
        const std::size_t end = lf ? std::size_t(lf - rest.data()) : rest.size();
        const auto line = rest.substr(0, end > 0 && rest[end - 1] == '\r' ? end - 1 : end);
        rest.remove_prefix(lf ? end + 1 : end);
        if (line.empty()) return bad("empty header line");
        if (first) {
            if (auto refusal = parse_request_line(line, head)) return refusal;
            first = false;
            continue;
        }
        std::string_view name, value;
        if (auto refusal = split_field_line(line, name, value)) return refusal;
        head.headers.add(name, value);
        note_field(name, value, facts, head);
    }
    return judge_fields(facts, head, host_required);
}

bool valid_host(std::string_view host) {
    std::string_view port;
    if (!host.empty() && host.front() == '[') {  // IP-literal
        const auto close = host.find(']');
        if (close == host.npos) return false;
        const auto name = host.substr(1, close - 1);
        if (name.empty()) return false;
        for (unsigned char c : name)
            if (!std::isxdigit(c) && c != ':' && c != '.' && c != 'v' && c != 'V') return false;
        const auto rest = host.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') return false;
        port = rest.empty() ? rest : rest.substr(1);
    } else {
        // reg-name / IPv4address (unreserved, pct-encoded, sub-delims) up to
        // the first byte outside them, which may only start ":" port.
        std::size_t i = 0;
        for (; i < host.size(); ++i) {
            const unsigned char c = host[i];
            if (reg_name_table[c]) continue;
            if (c == '%' && i + 2 < host.size() && std::isxdigit((unsigned char)host[i + 1]) &&
                std::isxdigit((unsigned char)host[i + 2])) {
                i += 2;
                continue;
            }
            break;
        }
        port = host.substr(i);
        if (!port.empty()) {
            if (port.front() != ':') return false;
            port.remove_prefix(1);
        }
    }
    for (unsigned char c : port)
        if (!is_digit(c)) return false;
    return true;
}

}  // namespace asiohttp::detail
