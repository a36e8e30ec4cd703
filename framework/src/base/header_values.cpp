#include "base/header_values.hpp"

namespace asiohttp::detail {

namespace {

struct RawParam {
    std::string_view value;  // without quotes, escapes still in
    bool quoted = false;
};

// Finds a parameter, stepping over quoted values (which may hold ';' and '\"').
std::optional<RawParam> find_param(std::string_view value, std::string_view name) {
    auto semi = value.find(';');
    while (semi != std::string_view::npos) {
        value.remove_prefix(semi + 1);
        auto eq = value.find('=');
        if (eq == std::string_view::npos) return std::nullopt;
        auto key = trim(value.substr(0, eq));
        auto rest = value.substr(eq + 1);
        while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
        RawParam p;
        if (!rest.empty() && rest.front() == '"') {
            std::size_t i = 1;
            while (i < rest.size() && rest[i] != '"') i += (rest[i] == '\\' && i + 1 < rest.size()) ? 2 : 1;
            p = {rest.substr(1, std::min(i, rest.size()) - 1), true};
            value = rest.substr(std::min(i + 1, rest.size()));
        } else {
            auto end = rest.find(';');
            p = {trim(rest.substr(0, end)), false};
            value = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
        }
        if (iequals(key, name)) return p;
        semi = value.find(';');
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> header_param(std::string_view value, std::string_view name) {
    auto p = find_param(value, name);
    if (!p) return std::nullopt;
    if (!p->quoted) return std::string(p->value);
    std::string out;
    for (std::size_t i = 0; i < p->value.size(); ++i) {
        if (p->value[i] == '\\' && i + 1 < p->value.size()) ++i;
        out.push_back(p->value[i]);
    }
    return out;
}

std::string_view header_param_view(std::string_view value, std::string_view name) {
    auto p = find_param(value, name);
    return p ? p->value : std::string_view{};
}

void parse_cookie_header(std::string_view header, MultiDict& out) {
    for_each_pair(header, ';', [&](std::string_view name, std::optional<std::string_view> value) {
        if (!name.empty() && value) out.add(name, strip_quotes(*value));
    });
}

}  // namespace asiohttp::detail
