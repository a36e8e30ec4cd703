// The framework's loggers (spdlog). Applications may reconfigure them by name
// through spdlog's registry: "asiohttp.access" and "asiohttp.server".
#pragma once

#include <string_view>

#include <spdlog/spdlog.h>

namespace asiohttp::web {
class Request;
}

namespace asiohttp::detail {

spdlog::logger& access_logger();
spdlog::logger& server_logger();

// "Error handling request": the method, path and what the handler threw.
void log_handler_error(const web::Request& req, std::string_view what);

}  // namespace asiohttp::detail
