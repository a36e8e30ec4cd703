#include "asiohttp/url.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include "base/ascii.hpp"
#include "base/url_codec.hpp"

namespace asiohttp {

namespace {

// Percent-encodes what may not appear in a path or query as it stands
// (spaces, quotes, non-ASCII), keeping escapes already there and RFC 3986's
// sub-delimiters, ':' and '@'.
std::string normalize_component(std::string_view in, std::string_view also_allowed) {
    return detail::percent_encode(in, "!$&'()*+,;=%:@" + std::string(also_allowed));
}

std::uint16_t default_port(std::string_view scheme) { return scheme == "https" || scheme == "wss" ? 443 : 80; }

// RFC 3986, section 5.2.4.
std::string remove_dot_segments(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    const bool absolute = path.starts_with('/');
    if (absolute) pos = 1;
    bool trailing_slash = false;
    while (pos <= path.size()) {
        auto next = path.find('/', pos);
        if (next == std::string_view::npos) next = path.size();
        auto seg = path.substr(pos, next - pos);
        trailing_slash = false;
        if (seg == "..") {
            if (!out.empty()) out.pop_back();
            trailing_slash = true;
        } else if (seg == ".") {
            trailing_slash = true;
        } else {
            out.push_back(seg);
        }
        pos = next + 1;
    }
    std::string result = absolute ? "/" : "";
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (i) result += '/';
        result += out[i];
    }
    if (trailing_slash && !result.ends_with('/')) result += '/';
    return result;
}

}  // namespace

URL URL::parse(std::string_view text) {
    auto fail = [&](std::string_view why) -> URL {
        throw InvalidURL("invalid URL '" + std::string(text.substr(0, 200)) + "': " + std::string(why));
    };
    text = detail::trim(text);
    for (unsigned char c : text)
        if (c < 0x20 || c == 0x7f) return fail("control character");

    URL u;
    auto colon = text.find("://");
    if (colon == std::string_view::npos || colon == 0) return fail("no scheme (expected http://, https://, ws:// or wss://)");
    u.scheme_ = detail::to_lower(std::string(text.substr(0, colon)));
    if (u.scheme_ != "http" && u.scheme_ != "https" && u.scheme_ != "ws" && u.scheme_ != "wss")
        return fail("unsupported scheme '" + u.scheme_ + "'");
    auto rest = text.substr(colon + 3);

    auto hash = rest.find('#');
    if (hash != std::string_view::npos) {
        u.fragment_.assign(rest.substr(hash + 1));
        rest = rest.substr(0, hash);
    }
    auto authority_end = rest.find_first_of("/?");
    auto authority = rest.substr(0, authority_end);
    auto path_and_query = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);

    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        auto userinfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
        auto c = userinfo.find(':');
        u.user_ = detail::percent_decode(userinfo.substr(0, c));
        if (c != std::string_view::npos) u.password_ = detail::percent_decode(userinfo.substr(c + 1));
    }
    std::string_view host, port;
    if (authority.starts_with('[')) {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return fail("unterminated IPv6 address");
        host = authority.substr(1, close - 1);
        auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return fail("junk after IPv6 address");
            port = after.substr(1);
        }
    } else {
        auto c = authority.rfind(':');
        host = authority.substr(0, c);
        if (c != std::string_view::npos) port = authority.substr(c + 1);
    }
    if (host.empty()) return fail("no host");
    for (char c : host)
        if (c == ' ' || c == '/' || c == '\\' || c == '<' || c == '>' || c == '"' || c == '%' || c == '^' || c == '`' ||
            c == '{' || c == '}' || c == '|')
            return fail("bad character in host");
    u.host_ = detail::to_lower(std::string(host));
    if (!port.empty()) {
        unsigned value = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
            return fail("bad port '" + std::string(port) + "'");
        u.port_ = std::uint16_t(value);
        u.explicit_port_ = true;
    } else {
        u.port_ = default_port(u.scheme_);
    }

    auto q = path_and_query.find('?');
    auto path = path_and_query.substr(0, q);
    u.path_ = path.empty() ? "/" : normalize_component(path, "/");
    if (q != std::string_view::npos) u.query_ = normalize_component(path_and_query.substr(q + 1), "/?");
    return u;
}

MultiDict URL::query() const {
    MultiDict out;
    detail::parse_urlencoded(query_, out);
    return out;
}

bool URL::is_default_port() const noexcept { return port_ == default_port(scheme_); }

std::string URL::authority() const {
    std::string out = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
    if (!is_default_port()) out += ":" + std::to_string(port_);
    return out;
}

std::string URL::target() const { return query_.empty() ? path_ : path_ + "?" + query_; }

std::string URL::origin() const { return scheme_ + "://" + authority(); }

std::string URL::str() const {
    std::string out = scheme_ + "://";
    if (!user_.empty()) {
        out += detail::percent_encode(user_);
        if (!password_.empty()) out += ":" + detail::percent_encode(password_);
        out += "@";
    }
    out += authority() + target();
    if (!fragment_.empty()) out += "#" + fragment_;
    return out;
}

URL URL::join(std::string_view ref) const {
    if (ref.find("://") != std::string_view::npos && ref.find("://") < ref.find_first_of("/?#")) return parse(ref);
    if (ref.starts_with("//")) return parse(scheme_ + ":" + std::string(ref));
    URL u = *this;
    u.fragment_.clear();
    if (auto hash = ref.find('#'); hash != std::string_view::npos) {
        u.fragment_.assign(ref.substr(hash + 1));
        ref = ref.substr(0, hash);
    }
    if (ref.empty()) return u;
    auto q = ref.find('?');
    auto path = ref.substr(0, q);
    u.query_ = q == std::string_view::npos ? "" : normalize_component(ref.substr(q + 1), "/?");
    if (path.empty()) {
        if (q == std::string_view::npos) u.query_ = query_;
        return u;
    }
    std::string merged;
    if (path.starts_with('/')) {
        merged.assign(path);
    } else {
        merged = path_.substr(0, path_.rfind('/') + 1);
        merged += path;
    }
    u.path_ = normalize_component(remove_dot_segments(merged), "/");
    if (u.path_.empty()) u.path_ = "/";
    return u;
}

URL URL::extend_query(const MultiDict& params) const {
    if (params.empty()) return *this;
    URL u = *this;
    auto extra = detail::encode_query(params);
    u.query_ = u.query_.empty() ? extra : u.query_ + "&" + extra;
    return u;
}

URL URL::with_scheme(std::string_view scheme) const {
    URL u = *this;
    const bool had_default = is_default_port();
    u.scheme_.assign(scheme);
    if (had_default && !explicit_port_) u.port_ = default_port(u.scheme_);
    return u;
}

}  // namespace asiohttp
