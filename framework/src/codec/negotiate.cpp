// Accept-Encoding negotiation (RFC 9110 12.5.3).
#include <array>
#include <charconv>

#include "asiohttp/compression.hpp"
#include "asiohttp/multidict.hpp"
#include "base/header_values.hpp"

namespace asiohttp::web {
namespace {

// A qvalue ("0", "0.5", "1.000") in thousandths; nullopt if malformed.
std::optional<int> parse_qvalue(std::string_view v) {
    if (v.empty() || v.size() > 5 || (v[0] != '0' && v[0] != '1')) return std::nullopt;
    int q = (v[0] - '0') * 1000;
    if (v.size() > 1) {
        if (v[1] != '.') return std::nullopt;
        int scale = 100;
        for (char c : v.substr(2)) {
            if (c < '0' || c > '9') return std::nullopt;
            q += (c - '0') * scale;
            scale /= 10;
        }
    }
    return q <= 1000 ? std::optional<int>(q) : std::nullopt;
}

}  // namespace

NegotiatedCoding negotiate_coding(std::string_view accept_encoding, const std::vector<ContentCoding>& offered) {
    constexpr int unset = -1;
    std::array<int, 5> q{unset, unset, unset, unset, unset};  // by ContentCoding
    int star = unset;
    detail::for_each_item(accept_encoding, [&](std::string_view item) {
        const auto semi = item.find(';');
        const auto token = detail::trim(item.substr(0, semi));
        int weight = 1000;
        if (semi != std::string_view::npos) {
            std::optional<int> parsed;
            detail::for_each_pair(item.substr(semi + 1), ';', [&](std::string_view name, auto value) {
                if (iequals(name, "q") && value) parsed = parse_qvalue(*value);
            });
            if (!parsed) return false;  // a malformed weight: the item says nothing
            weight = *parsed;
        }
        if (token == "*") star = weight;
        else if (auto coding = parse_content_coding(token)) q[std::size_t(*coding)] = weight;
        return false;
    });

    NegotiatedCoding result;
    const int identity = q[std::size_t(ContentCoding::identity)];
    result.identity_refused = identity == 0 || (identity == unset && star == 0);
    int best = 0;
    for (auto coding : offered) {
        if (coding == ContentCoding::identity) continue;
        const int explicit_q = q[std::size_t(coding)];
        const int weight = explicit_q != unset ? explicit_q : (star != unset ? star : 0);
        if (weight > best) {
            best = weight;
            result.coding = coding;
        }
    }
    // A coding the client likes less than identity is not worth sending.
    if (identity != unset && identity > best) result.coding = ContentCoding::identity;
    return result;
}

}  // namespace asiohttp::web
