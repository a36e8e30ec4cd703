#include "web/multipart_parser.hpp"

#include "asiohttp/http_exceptions.hpp"
#include "base/ascii.hpp"
#include "base/header_values.hpp"
#include "base/url_codec.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

namespace {

[[noreturn]] void malformed(std::string_view why) {
    throw HTTPBadRequest("400: Bad Request (malformed multipart body: " + std::string(why) + ")");
}

// RFC 5987's ext-value (UTF-8''caf%C3%A9.txt), as browsers send filename*=.
std::optional<std::string> ext_value(std::string_view v) {
    constexpr std::string_view utf8 = "utf-8''";
    if (v.size() < utf8.size() || !iequals(v.substr(0, utf8.size()), utf8)) return std::nullopt;
    return percent_decode(v.substr(utf8.size()));
}

}  // namespace

MultipartParser::MultipartParser(std::string_view boundary, const MultipartLimits& limits)
    : delimiter_("\r\n--" + std::string(boundary)), limits_(limits) {
    if (boundary.empty() || boundary.size() > 200) malformed("no valid boundary");
}

void MultipartParser::feed(std::string_view bytes) {
    buf_.erase(0, pos_);
    pos_ = 0;
    buf_.append(bytes);
}

MultipartParser::Step MultipartParser::next_part() {
    for (;;) {
        Step step = Step::need_more;
        switch (state_) {
        case State::preamble: step = find_first_delimiter(); break;
        case State::after_delimiter: step = after_delimiter(); break;
        case State::headers: return read_headers();
        case State::content: {
            std::string_view skipped;
            step = read(SIZE_MAX, skipped);
            if (step == Step::ready) continue;
            break;
        }
        case State::done: return Step::end;
        }
        if (step == Step::need_more) return step;
    }
}

// The first delimiter may open the body or follow a preamble, which is dropped.
MultipartParser::Step MultipartParser::find_first_delimiter() {
    const std::string_view dash_boundary = std::string_view(delimiter_).substr(2);
    auto w = window();
    if (!preamble_seen_) {  // the body may still open with "--boundary"
        const auto n = std::min(w.size(), dash_boundary.size());
        if (w.substr(0, n) == dash_boundary.substr(0, n)) {
            if (n < dash_boundary.size()) {
                if (eof_) malformed("its boundary never comes");
                return Step::need_more;
            }
            pos_ += n;
            state_ = State::after_delimiter;
            return Step::ready;
        }
        preamble_seen_ = true;
    }
    if (auto hit = w.find(delimiter_); hit != std::string_view::npos) {
        pos_ += hit + delimiter_.size();
        state_ = State::after_delimiter;
        return Step::ready;
    }
    if (eof_) malformed("its boundary never comes");
    // Keep what may be the start of a delimiter; drop the rest of the preamble.
    if (w.size() >= delimiter_.size()) pos_ += w.size() - (delimiter_.size() - 1);
    return Step::need_more;
}

// After "--boundary": "--" closes the body; else optional padding, then CRLF.
MultipartParser::Step MultipartParser::after_delimiter() {
    auto w = window();
    if (w.size() < 2) {
        if (eof_) malformed("it ends after a delimiter");
        return Step::need_more;
    }
    if (w.starts_with("--")) {
        state_ = State::done;  // the epilogue after it is ignored
        return Step::ready;
    }
    const auto text = w.find_first_not_of(" \t");
    if (text == std::string_view::npos || w.size() - text < 2) {
        if (eof_ || w.size() > 256) malformed("a delimiter line does not end");
        return Step::need_more;
    }
    if (w.substr(text, 2) != "\r\n") malformed("a delimiter line has text after the boundary");
    pos_ += text + 2;
    if (++parts_ > limits_.max_parts)
        throw HTTPRequestEntityTooLarge("413: Request Entity Too Large (more than " +
                                        std::to_string(limits_.max_parts) + " multipart parts)");
    state_ = State::headers;
    return Step::ready;
}

MultipartParser::Step MultipartParser::read_headers() {
    auto w = window();
    std::size_t block_end;
    if (w.starts_with("\r\n")) {
        block_end = 0;  // a part without headers
    } else if (auto end = w.find("\r\n\r\n"); end != std::string_view::npos) {
        block_end = end + 2;
    } else {
        if (w.size() > limits_.max_part_headers) malformed("a part's headers pass " +
                                                           std::to_string(limits_.max_part_headers) + " bytes");
        if (eof_) malformed("it ends inside a part's headers");
        return Step::need_more;
    }
    if (block_end > limits_.max_part_headers)
        malformed("a part's headers pass " + std::to_string(limits_.max_part_headers) + " bytes");
    parse_headers(w.substr(0, block_end));
    pos_ += block_end + 2;
    state_ = State::content;
    part_size_ = 0;
    return Step::ready;
}

void MultipartParser::parse_headers(std::string_view block) {
    part_ = PartHead{};
    while (!block.empty()) {
        const auto eol = block.find("\r\n");
        const auto line = block.substr(0, eol);
        block.remove_prefix(eol + 2);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) malformed("a part header line without a name");
        const auto name = line.substr(0, colon);
        if (name.find_first_of(" \t") != std::string_view::npos) malformed("a part header name with spaces");
        part_.headers.add(name, trim(line.substr(colon + 1)));
    }
    const auto disposition = part_.headers.get("Content-Disposition", "");
    part_.name = header_param(disposition, "name").value_or("");
    if (auto star = header_param(disposition, "filename*")) part_.filename = ext_value(*star);
    if (!part_.filename) part_.filename = header_param(disposition, "filename");
    const auto type = media_type_view(part_.headers.get("Content-Type", ""));
    part_.content_type = type.empty() ? "text/plain" : std::string(type);
}

MultipartParser::Step MultipartParser::read(std::size_t max, std::string_view& data) {
    if (state_ != State::content) return Step::end;
    auto w = window();
    const auto hit = w.find(delimiter_);
    // Without the delimiter in view, all but its possible beginning is content.
    const std::size_t avail =
        hit != std::string_view::npos ? hit : w.size() - std::min(w.size(), delimiter_.size() - 1);
    if (avail == 0) {
        if (hit == 0) {
            pos_ += delimiter_.size();
            state_ = State::after_delimiter;
            return Step::end;
        }
        if (eof_) malformed("it ends inside a part");
        return Step::need_more;
    }
    const auto n = std::min(avail, max);
    if (part_size_ + n > limits_.max_part_size)
        throw HTTPRequestEntityTooLarge("413: Request Entity Too Large (multipart part '" + part_.name.substr(0, 100) +
                                        "' passes " + std::to_string(limits_.max_part_size) + " bytes)");
    part_size_ += n;
    data = w.substr(0, n);
    pos_ += n;
    return Step::ready;
}

}  // namespace asiohttp::detail
