// Parsing header field values (RFC 9110 5.6), one way for the server and the
// client: optional whitespace (spaces and tabs), comma-separated lists and
// tokens, "name=value" pairs, media types and their parameters with quoted
// strings. Results are views into the value unless unescaping needs a copy.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "asiohttp/multidict.hpp"
#include "base/ascii.hpp"

namespace asiohttp::detail {

// Calls fn(item) for each non-empty item of a comma-separated list, trimmed;
// fn returns true to stop. Returns whether it stopped.
template <class Fn>
bool for_each_item(std::string_view list, Fn fn) {
    while (!list.empty()) {
        auto comma = list.find(',');
        auto item = trim(list.substr(0, comma));
        if (!item.empty() && fn(item)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

// The same over every `name` field of `headers`: repeated fields read as one
// list (RFC 9110 5.3).
template <class Headers, class Fn>
bool for_each_item(const Headers& headers, std::string_view name, Fn fn) {
    for (auto& field : headers.getall(name))
        if (for_each_item(field, fn)) return true;
    return false;
}

// Whether the list has `token`, in any case ("Connection: keep-alive, Upgrade").
inline bool has_token(std::string_view list, std::string_view token) {
    return for_each_item(list, [&](std::string_view item) { return iequals(item, token); });
}

// Adds `token` to the response's Vary list unless it is there ("Origin", "Accept-Encoding").
inline void add_vary(CIMultiDict& headers, std::string_view token) {
    if (!for_each_item(headers, "Vary", [&](std::string_view v) { return iequals(v, token) || v == "*"; }))
        headers.add("Vary", token);
}

// Calls fn(name, value) for each `sep`-separated "name=value" item, both
// trimmed; value is nullopt for an item without '=' (a cookie's "Secure").
template <class Fn>
void for_each_pair(std::string_view s, char sep, Fn fn) {
    while (!s.empty()) {
        auto end = s.find(sep);
        auto item = trim(s.substr(0, end));
        if (!item.empty()) {
            auto eq = item.find('=');
            std::optional<std::string_view> value;
            if (eq != std::string_view::npos) value = trim(item.substr(eq + 1));
            fn(trim(item.substr(0, eq)), value);
        }
        if (end == std::string_view::npos) break;
        s.remove_prefix(end + 1);
    }
}

// `"abc"` without its quotes (escapes left as they are); anything else as is.
inline std::string_view strip_quotes(std::string_view v) {
    return v.size() >= 2 && v.front() == '"' && v.back() == '"' ? v.substr(1, v.size() - 2) : v;
}

// The pairs of a Cookie header ("a=1; b=\"2\""), values without quotes.
void parse_cookie_header(std::string_view header, MultiDict& out);

// The part before the first ';', trimmed: "text/html" of "text/HTML ; charset=utf-8" keeps its case.
inline std::string_view media_type_view(std::string_view value) { return trim(value.substr(0, value.find(';'))); }
// The same, lower-cased, for comparing.
inline std::string media_type(std::string_view value) { return to_lower(std::string(media_type_view(value))); }

// The value of parameter `name` (any case) after the media type, e.g. the
// boundary of `multipart/form-data; boundary="a;b"`: unquoted, escapes resolved.
std::optional<std::string> header_param(std::string_view value, std::string_view name);
// The same as a view into `value` (a quoted value without its quotes, escapes
// left in); empty when absent.
std::string_view header_param_view(std::string_view value, std::string_view name);

}  // namespace asiohttp::detail
