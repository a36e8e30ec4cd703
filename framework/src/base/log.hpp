// The framework's loggers (spdlog). Applications may reconfigure them by name
// through spdlog's registry: "asiohttp.access" and "asiohttp.server".
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include <spdlog/spdlog.h>

namespace asiohttp::web {
class Request;
class Response;
}  // namespace asiohttp::web

namespace asiohttp::detail {

spdlog::logger& access_logger();
spdlog::logger& server_logger();

// "text" (the default) or "json" (ServerConfig::log_format): sets both
// loggers' format. Throws std::invalid_argument for anything else.
void set_log_format(std::string_view format);
bool json_logs() noexcept;

// What a log line is about, when it is about a request: in JSON its fields
// join the line (request_id, method, route, path, and once answered status,
// duration_ms, bytes). Set for the duration of one logging call.
struct RequestLogFields {
    const web::Request& req;
    const web::Response* resp = nullptr;
    std::uint64_t bytes = 0;
    std::chrono::steady_clock::duration elapsed{};
};
class RequestLogScope {
public:
    explicit RequestLogScope(const RequestLogFields& fields) noexcept;
    ~RequestLogScope();
    RequestLogScope(const RequestLogScope&) = delete;

private:
    const RequestLogFields* previous_;
};

// The start-up line on stdout, as aiohttp prints it ("======== Running on
// http://0.0.0.0:8080 ========"), or a JSON line like every other.
void announce(std::string_view text);

// "Error handling request": the method, path and what the handler threw.
void log_handler_error(const web::Request& req, std::string_view what);

}  // namespace asiohttp::detail
