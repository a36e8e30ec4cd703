#include "asiohttp/cookie_jar.hpp"

#include <algorithm>
#include <charconv>

#include <boost/asio/ip/address.hpp>

#include "base/ascii.hpp"
#include "base/header_values.hpp"
#include "base/http_date.hpp"

namespace asiohttp {

using detail::trim;

namespace {

// RFC 6265bis §5.5: a cookie lives at most 400 days, however far its Max-Age or
// Expires says; beyond that (or before 1970) the clock's arithmetic would overflow.
constexpr long long kMaxAge = 400LL * 24 * 3600;

bool is_ip(const std::string& host) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    return !ec;
}

// RFC 6265, 5.1.3: host equals domain, or ends with "." + domain (and is a name).
bool domain_matches(const std::string& host, const std::string& domain) {
    if (host == domain) return true;
    return !is_ip(host) && host.size() > domain.size() && host.ends_with(domain) &&
           host[host.size() - domain.size() - 1] == '.';
}

// RFC 6265, 5.1.4.
bool path_matches(std::string_view request_path, std::string_view cookie_path) {
    if (request_path == cookie_path) return true;
    if (!request_path.starts_with(cookie_path)) return false;
    return cookie_path.ends_with('/') || request_path[cookie_path.size()] == '/';
}

std::string default_path(const std::string& request_path) {
    auto slash = request_path.rfind('/');
    return slash == 0 || slash == std::string::npos ? "/" : request_path.substr(0, slash);
}

}  // namespace

std::optional<CookieJar::Cookie> CookieJar::parse_set_cookie(std::string_view header, const URL& from) {
    Cookie c;
    auto semi = header.find(';');
    auto pair = trim(header.substr(0, semi));
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    c.name.assign(trim(pair.substr(0, eq)));
    c.value.assign(detail::strip_quotes(trim(pair.substr(eq + 1))));
    if (c.name.empty()) return std::nullopt;
    c.domain = from.host();
    c.path = default_path(from.path());

    std::optional<std::chrono::system_clock::time_point> max_age_expiry, expires;
    bool foreign = false;  // a cookie for someone else's domain
    auto attributes = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    detail::for_each_pair(attributes, ';', [&](std::string_view name, std::optional<std::string_view> value) {
        const auto val = value.value_or("");
        if (iequals(name, "domain") && !val.empty()) {
            auto d = detail::to_lower(std::string(val.starts_with('.') ? val.substr(1) : val));
            if (!domain_matches(from.host(), d)) foreign = true;
            c.domain = std::move(d);
            c.host_only = false;
        } else if (iequals(name, "path") && val.starts_with('/')) {
            c.path.assign(val);
        } else if (iequals(name, "max-age")) {
            long long seconds = 0;
            auto [end, ec] = std::from_chars(val.data(), val.data() + val.size(), seconds);
            if (ec == std::errc{} && end == val.data() + val.size())
                max_age_expiry = std::chrono::system_clock::now() + std::chrono::seconds(std::clamp(seconds, -1LL, kMaxAge));
        } else if (iequals(name, "expires")) {
            if (auto t = asiohttp::detail::parse_http_date(val)) {
                // Before 1970 is as expired as 1970 itself (and years the clock cannot hold).
                const auto latest = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) + kMaxAge;
                expires = std::chrono::system_clock::from_time_t(std::clamp<std::time_t>(*t, 0, latest));
            }
        } else if (iequals(name, "secure")) {
            c.secure = true;
        } else if (iequals(name, "httponly")) {
            c.http_only = true;
        }
    });
    if (foreign) return std::nullopt;
    c.expires = max_age_expiry ? max_age_expiry : expires;  // Max-Age wins over Expires
    return c;
}

void CookieJar::store(Cookie c) {
    auto same = [&](const Cookie& o) { return o.name == c.name && o.domain == c.domain && o.path == c.path; };
    std::erase_if(cookies_, same);
    if (c.expires && *c.expires <= std::chrono::system_clock::now()) return;  // an expired cookie deletes
    cookies_.push_back(std::move(c));
}

void CookieJar::update_cookies(const std::vector<std::string>& set_cookie_headers, const URL& from) {
    std::lock_guard lock(mutex_);
    for (auto& h : set_cookie_headers)
        if (auto c = parse_set_cookie(h, from)) store(std::move(*c));
}

void CookieJar::update_cookies(const MultiDict& cookies, const URL& from) {
    std::lock_guard lock(mutex_);
    for (auto& [name, value] : cookies) {
        Cookie c;
        c.name = name;
        c.value = value;
        c.domain = from.host();
        store(std::move(c));
    }
}

std::string CookieJar::filter_cookies(const URL& url) const {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::system_clock::now();
    std::vector<const Cookie*> matching;
    for (auto& c : cookies_) {
        if (c.expires && *c.expires <= now) continue;
        if (c.secure && !url.is_secure()) continue;
        if (c.host_only ? url.host() != c.domain : !domain_matches(url.host(), c.domain)) continue;
        if (!path_matches(url.path(), c.path)) continue;
        matching.push_back(&c);
    }
    // Longer paths first (RFC 6265, 5.4).
    std::stable_sort(matching.begin(), matching.end(),
                     [](const Cookie* a, const Cookie* b) { return a->path.size() > b->path.size(); });
    std::string out;
    for (auto* c : matching) {
        if (!out.empty()) out += "; ";
        out += c->name + "=" + c->value;
    }
    return out;
}

std::vector<CookieJar::Cookie> CookieJar::cookies() const {
    std::lock_guard lock(mutex_);
    return cookies_;
}

std::size_t CookieJar::size() const {
    std::lock_guard lock(mutex_);
    return cookies_.size();
}

void CookieJar::clear() {
    std::lock_guard lock(mutex_);
    cookies_.clear();
}

}  // namespace asiohttp
