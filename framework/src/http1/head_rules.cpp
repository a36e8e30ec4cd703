#include "http1/head_rules.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "asiohttp/multidict.hpp"
#include "base/ascii.hpp"

namespace asiohttp::detail {

namespace {

constexpr auto tchar_table = [] {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[c] = t[c - 'a' + 'A'] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
    return t;
}();

bool is_tchar(unsigned char c) { return tchar_table[c]; }
bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (unsigned char c : s)
        if (!is_tchar(c)) return false;
    return true;
}
// VCHAR, obs-text, SP and HTAB: what a field value may hold (§5.5).
bool is_field_char(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

Refusal bad(std::string reason) { return {400, std::move(reason)}; }

std::optional<Refusal> check_request_line(std::string_view line) {
    const auto sp1 = line.find(' ');
    if (sp1 == line.npos) return bad("malformed request line");
    const auto method = line.substr(0, sp1);
    if (!is_token(method)) return bad("invalid method");
    const auto sp2 = line.find(' ', sp1 + 1);
    if (sp2 == line.npos) return bad("malformed request line: no HTTP version");
    const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const auto version = line.substr(sp2 + 1);
    if (target.empty()) return bad("malformed request line: empty target");
    for (unsigned char c : target)
        if (c <= 0x20 || c >= 0x7f) return bad("invalid character in the request target");
    // HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (§2.3).
    if (version.size() != 8 || !version.starts_with("HTTP/") || !is_digit(version[5]) || version[6] != '.' ||
        !is_digit(version[7]))
        return bad("malformed HTTP version");
    if (version[5] != '1') return Refusal{505, "HTTP/1.x only"};
    // §3.2: origin-form, absolute-form, authority-form (CONNECT), asterisk-form (OPTIONS).
    const bool origin = target.front() == '/';
    const bool asterisk = target == "*" && method == "OPTIONS";
    const bool absolute = target.find("://") != target.npos && std::isalpha(static_cast<unsigned char>(target[0]));
    if (!origin && !asterisk && !absolute && method != "CONNECT") return bad("invalid request target");
    return std::nullopt;
}

std::optional<Refusal> check_field_line(std::string_view line) {
    if (line.front() == ' ' || line.front() == '\t') return bad("obsolete line folding is not allowed");
    const auto colon = line.find(':');
    if (colon == line.npos) return bad("malformed header line");
    const auto name = line.substr(0, colon);
    if (!name.empty() && (name.back() == ' ' || name.back() == '\t'))
        return bad("whitespace between a header name and its colon");
    if (!is_token(name)) return bad("invalid header name");
    for (unsigned char c : line.substr(colon + 1))
        if (!is_field_char(c)) return bad("invalid character in a header value");
    return std::nullopt;
}

// The codings of every Transfer-Encoding field, in order, lower-cased.
std::optional<Refusal> check_transfer_encoding(const std::vector<std::string_view>& fields) {
    std::vector<std::string> codings;
    for (auto field : fields) {
        for (std::size_t start = 0; start <= field.size();) {
            auto comma = field.find(',', start);
            if (comma == field.npos) comma = field.size();
            const auto coding = trim(field.substr(start, comma - start));
            start = comma + 1;
            if (coding.empty()) continue;  // empty list elements are allowed (RFC 9110 §5.6.1)
            const auto name = trim(coding.substr(0, coding.find(';')));
            if (!is_token(name)) return bad("invalid Transfer-Encoding");
            codings.push_back(to_lower(std::string(name)));
        }
    }
    if (codings.empty()) return bad("empty Transfer-Encoding");
    if (codings.back() != "chunked") return bad("Transfer-Encoding must end with chunked");
    codings.pop_back();
    if (std::find(codings.begin(), codings.end(), "chunked") != codings.end()) return bad("chunked applied twice");
    if (!codings.empty()) return Refusal{501, "transfer coding '" + codings.front() + "' is not supported"};
    return std::nullopt;
}

}  // namespace

void scan_head(std::string_view data, HeadScan& scan) {
    std::size_t pos = scan.scanned;
    if (pos == scan.leading_blank) {  // before the request line: skip blank lines
        while (pos + 1 < data.size() && data[pos] == '\r' && data[pos + 1] == '\n') pos += 2;
        scan.leading_blank = pos;
    }
    for (; pos < data.size(); ++pos) {
        const char c = data[pos];
        if (c == '\n') {
            if (pos == 0 || data[pos - 1] != '\r') {
                scan.bad_line_ending = true;
                return;
            }
            if (pos >= scan.leading_blank + 3 && data[pos - 2] == '\n' && data[pos - 3] == '\r') {
                scan.end = pos + 1;
                scan.scanned = pos + 1;
                return;
            }
        } else if (c == '\r') {
            if (pos + 1 == data.size()) break;  // its LF has not arrived: look at it again next time
            if (data[pos + 1] != '\n') {
                scan.bad_line_ending = true;
                return;
            }
        }
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
    status.refusal = check_head_grammar(head.substr(0, scan_.end - 2));
    status.kind = status.refusal ? Status::refused : Status::complete;
    return status;
}

std::optional<Refusal> check_head_grammar(std::string_view head) {
    bool first = true;
    while (!head.empty()) {
        const auto eol = head.find("\r\n");
        const auto line = head.substr(0, eol);
        head.remove_prefix(eol == head.npos ? head.size() : eol + 2);
        if (line.empty()) return bad("empty header line");
        auto refusal = first ? check_request_line(line) : check_field_line(line);
        if (refusal) return refusal;
        first = false;
    }
    return std::nullopt;
}

std::optional<Refusal> check_head_fields(const RequestHead& head) {
    // One pass, nothing allocated: this runs for every request.
    std::string_view host, length;
    int hosts = 0, lengths = 0;
    bool has_codings = false;
    for (const auto& [name, value] : head.headers) {
        if (iequals(name, "Host")) {
            if (++hosts > 1) return bad("more than one Host header");
            host = value;
        } else if (iequals(name, "Content-Length")) {
            if (++lengths > 1) return bad("more than one Content-Length");
            length = value;
        } else if (iequals(name, "Transfer-Encoding")) {
            has_codings = true;
        }
    }
    if (hosts == 0 && head.version >= 11) return bad("an HTTP/1.1 request needs a Host header");
    if (hosts == 1 && !valid_host(trim(host))) return bad("invalid Host header");

    if (lengths == 1) {
        const auto value = trim(length);
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (value.empty() || ec != std::errc() || end != value.data() + value.size() || !is_digit(value[0]))
            return bad("invalid Content-Length");
    }
    if (has_codings) {
        // §6.1: faulty framing in HTTP/1.0; both fields is how smuggling starts (§6.3).
        if (head.version < 11) return bad("Transfer-Encoding in an HTTP/1.0 request");
        if (lengths > 0) return bad("both Transfer-Encoding and Content-Length");
        if (auto refusal = check_transfer_encoding(head.headers.getall("Transfer-Encoding"))) return refusal;
    }
    return std::nullopt;
}

bool valid_host(std::string_view host) {
    std::string_view name = host, port;
    if (!host.empty() && host.front() == '[') {  // IP-literal
        const auto close = host.find(']');
        if (close == host.npos) return false;
        name = host.substr(1, close - 1);
        if (name.empty()) return false;
        for (unsigned char c : name)
            if (!std::isxdigit(c) && c != ':' && c != '.' && c != 'v' && c != 'V') return false;
        const auto rest = host.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') return false;
        port = rest.empty() ? rest : rest.substr(1);
    } else {
        const auto colon = host.rfind(':');
        if (colon != host.npos) {
            name = host.substr(0, colon);
            port = host.substr(colon + 1);
        }
        // reg-name / IPv4address: unreserved, pct-encoded, sub-delims.
        for (std::size_t i = 0; i < name.size(); ++i) {
            const unsigned char c = name[i];
            if (std::isalnum(c) || std::string_view("-._~!$&'()*+,;=").find(char(c)) != std::string_view::npos) continue;
            if (c == '%' && i + 2 < name.size() && std::isxdigit((unsigned char)name[i + 1]) &&
                std::isxdigit((unsigned char)name[i + 2])) {
                i += 2;
                continue;
            }
            return false;
        }
    }
    for (unsigned char c : port)
        if (!is_digit(c)) return false;
    return true;
}

}  // namespace asiohttp::detail
