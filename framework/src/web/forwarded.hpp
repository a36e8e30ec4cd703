// The client behind trusted proxies (ServerConfig::trusted_proxies): what a
// proxy says in Forwarded (RFC 7239) or X-Forwarded-For/-Proto/-Host becomes
// the request's remote(), scheme(), secure() and host(), when the peer is one
// of the trusted addresses and only then.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

#include "asiohttp/request.hpp"

namespace asiohttp::detail {

class TrustedProxies {
public:
    // Addresses ("10.0.0.7", "::1") and networks ("10.0.0.0/8", "fd00::/8");
    // throws std::invalid_argument naming a bad entry.
    explicit TrustedProxies(const std::vector<std::string>& entries);
    bool empty() const noexcept { return v4_.empty() && v6_.empty(); }
    bool contains(const boost::asio::ip::address& address) const noexcept;
    // A Forwarded "for" or X-Forwarded-For item ("192.0.2.1:4711", "[::1]", "_hidden").
    bool contains(std::string_view node) const noexcept;

private:
    std::vector<boost::asio::ip::network_v4> v4_;
    std::vector<boost::asio::ip::network_v6> v6_;
};

// The address in a Forwarded/X-Forwarded-For node: quotes, brackets and port removed.
std::string_view node_address(std::string_view node) noexcept;

// Sets req's client from the headers its (trusted) peer added. Walking the hops
// from the nearest, each trusted proxy passes the word to the one before it; the
// first untrusted hop is the client. Forwarded wins over X-Forwarded-*.
void apply_forwarded(web::Request& req, const TrustedProxies& trusted);

}  // namespace asiohttp::detail
