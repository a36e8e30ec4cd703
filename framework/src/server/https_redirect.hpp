// The application behind ServerTLS::redirect_port: every request on the plain
// port gets a 308 to the same host and target over https.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace asiohttp::web {
class Application;
}  // namespace asiohttp::web

namespace asiohttp::detail {

// https://host[:port]target for a request's Host header; nullopt when the Host
// is missing or not a plain host name or address (nothing to redirect to).
std::optional<std::string> https_location(std::string_view host, std::string_view target, std::uint16_t https_port);

// `https_port` is read per request: with port 0 it is known only once bound.
std::unique_ptr<web::Application> make_https_redirect_app(const std::uint16_t& https_port);

}  // namespace asiohttp::detail
