#include "web/path_pattern.hpp"

#include <stdexcept>

#include "base/url_codec.hpp"

namespace asiohttp::detail {

namespace {

std::size_t find_closing(std::string_view path, std::size_t open) {
    int depth = 0;
    for (std::size_t i = open; i < path.size(); ++i) {
        if (path[i] == '{') ++depth;
        else if (path[i] == '}' && --depth == 0) return i;
    }
    throw std::invalid_argument("unbalanced '{' in route '" + std::string(path) + "'");
}
std::string escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

}  // namespace

PathPattern PathPattern::parse(std::string_view path) {
    PathPattern p;
    std::string regex_src;
    bool needs_regex = false;
    std::size_t i = 0;
    while (i < path.size()) {
        auto open = path.find('{', i);
        auto literal = path.substr(i, open == std::string_view::npos ? std::string_view::npos : open - i);
        if (!literal.empty()) {
            p.parts.push_back({std::string(literal), {}});
            regex_src += escape(literal);
        }
        if (open == std::string_view::npos) break;
        auto close = find_closing(path, open);
        auto inner = path.substr(open + 1, close - open - 1);
        auto colon = inner.find(':');
        auto name = inner.substr(0, colon);
        if (name.empty()) throw std::invalid_argument("route variable without a name in '" + std::string(path) + "'");
        std::string var_regex = "[^{}/]+";
        if (colon != std::string_view::npos) {
            var_regex = std::string(inner.substr(colon + 1));
            needs_regex = true;
        }
        p.parts.push_back({{}, std::string(name)});
        regex_src += "(" + var_regex + ")";
        i = close + 1;
        if (i < path.size() && path[i] != '/') needs_regex = true;
    }
    if (needs_regex) p.regex.emplace(regex_src, std::regex::ECMAScript | std::regex::optimize);
    return p;
}

bool PathPattern::match(std::string_view path, MultiDict& values) const {
    if (regex) {
        std::match_results<std::string_view::const_iterator> m;
        if (!std::regex_match(path.begin(), path.end(), m, *regex)) return false;
        std::size_t group = 1;
        for (auto& part : parts)
            if (!part.var.empty()) values.add(part.var, m[group++].str());
        return true;
    }
    std::size_t pos = 0;
    for (auto& part : parts) {
        if (part.var.empty()) {
            if (path.compare(pos, part.literal.size(), part.literal) != 0) return false;
            pos += part.literal.size();
        } else {
            auto end = std::min(path.find('/', pos), path.size());
            if (end == pos) return false;
            values.add(part.var, path.substr(pos, end - pos));
            pos = end;
        }
    }
    return pos == path.size();
}

std::string PathPattern::format(const MultiDict& values) const {
    std::string out;
    for (auto& part : parts) {
        if (part.var.empty()) {
            out += part.literal;
        } else {
            auto v = values.get(part.var);
            if (!v) throw std::invalid_argument("url_for: missing value for '" + part.var + "'");
            out += asiohttp::detail::percent_encode(*v, "@:!$&'()*+,;=");
        }
    }
    return out;
}

}  // namespace asiohttp::detail
