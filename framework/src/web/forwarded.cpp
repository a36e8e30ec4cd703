#include "web/forwarded.hpp"

#include <stdexcept>

#include "base/header_values.hpp"
#include "web/exchange.hpp"

namespace asiohttp::detail {

namespace ip = boost::asio::ip;

TrustedProxies::TrustedProxies(const std::vector<std::string>& entries) {
    for (auto& entry : entries) {
        boost::system::error_code ec;
        const auto slash = entry.find('/');
        const auto address = ip::make_address(entry.substr(0, slash), ec);
        if (!ec && slash == std::string::npos) {
            if (address.is_v4()) v4_.emplace_back(address.to_v4(), 32);
            else v6_.emplace_back(address.to_v6(), 128);
            continue;
        }
        if (!ec) {
            try {
                if (address.is_v4()) v4_.push_back(ip::make_network_v4(entry).canonical());
                else v6_.push_back(ip::make_network_v6(entry).canonical());
                continue;
            } catch (const std::exception&) {
            }
        }
        throw std::invalid_argument("trusted_proxies: '" + entry + "' is not an IP address or network");
    }
}

bool TrustedProxies::contains(const ip::address& address) const noexcept {
    if (address.is_v4()) {
        for (auto& net : v4_)
            if (ip::network_v4(address.to_v4(), net.prefix_length()).canonical() == net) return true;
        return false;
    }
    const auto v6 = address.to_v6();
    if (v6.is_v4_mapped()) return contains(ip::address(ip::make_address_v4(ip::v4_mapped, v6)));
    for (auto& net : v6_)
        if (ip::network_v6(v6, net.prefix_length()).canonical() == net) return true;
    return false;
}

bool TrustedProxies::contains(std::string_view node) const noexcept {
    boost::system::error_code ec;
    const auto address = ip::make_address(std::string(node_address(node)), ec);
    return !ec && contains(address);
}

std::string_view node_address(std::string_view node) noexcept {
    node = strip_quotes(trim(node));
    if (node.starts_with('[')) return node.substr(1, node.find(']') - 1);  // [v6]:port
    if (const auto colon = node.find(':'); colon != std::string_view::npos && node.find(':', colon + 1) == node.npos)
        return node.substr(0, colon);  // v4:port (a bare v6 address has several colons)
    return node;
}

namespace {

struct Hop {
    std::string_view for_, proto, host;
};

// The Forwarded elements of every Forwarded field, in order (nearest proxy last).
std::vector<Hop> forwarded_hops(const web::Request& req) {
    std::vector<Hop> hops;
    for_each_item(req.headers(), "Forwarded", [&](std::string_view element) {
        Hop hop;
        for_each_pair(element, ';', [&](std::string_view name, std::optional<std::string_view> value) {
            if (!value) return;
            if (iequals(name, "for")) hop.for_ = *value;
            else if (iequals(name, "proto")) hop.proto = strip_quotes(*value);
            else if (iequals(name, "host")) hop.host = strip_quotes(*value);
        });
        hops.push_back(hop);
        return false;
    });
    return hops;
}

// The last item of a comma-separated header: what the nearest proxy said.
std::string_view last_item(const web::Request& req, std::string_view name) {
    std::string_view out;
    for_each_item(req.headers(), name, [&](std::string_view v) {
        out = v;
        return false;
    });
    return out;
}

// X-Forwarded-For as hops; -Proto and -Host, as the nearest proxy set them, describe the client's request.
std::vector<Hop> x_forwarded_hops(const web::Request& req) {
    std::vector<Hop> hops;
    for_each_item(req.headers(), "X-Forwarded-For", [&](std::string_view node) {
        hops.push_back({node, {}, {}});
        return false;
    });
    return hops;
}

}  // namespace

void apply_forwarded(web::Request& req, const TrustedProxies& trusted) {
    auto hops = forwarded_hops(req);
    const bool rfc7239 = !hops.empty();
    if (!rfc7239) hops = x_forwarded_hops(req);
    if (hops.empty()) return;
    // From the nearest hop back: stop at the first node that is not a trusted proxy.
    std::size_t i = hops.size() - 1;
    while (i > 0 && trusted.contains(hops[i].for_)) --i;
    const auto remote = node_address(hops[i].for_);
    const auto proto = rfc7239 ? hops[i].proto : last_item(req, "X-Forwarded-Proto");
    const auto host = rfc7239 ? hops[i].host : last_item(req, "X-Forwarded-Host");
    RequestAccess::set_client(req, remote.empty() ? req.remote() : remote, host.empty() ? req.host() : host,
                              proto.empty() ? req.secure() : iequals(proto, "https") || iequals(proto, "wss"));
}

}  // namespace asiohttp::detail
