#include "base/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include "asiohttp/request.hpp"

namespace asiohttp::detail {
namespace {

std::shared_ptr<spdlog::logger> make(const char* name, bool to_stderr, const char* pattern) {
    if (auto existing = spdlog::get(name)) return existing;
    auto logger = to_stderr ? spdlog::stderr_logger_mt(name) : spdlog::stdout_logger_mt(name);
    logger->set_pattern(pattern);
    return logger;
}

}  // namespace

spdlog::logger& access_logger() {
    // The access line carries its own timestamp (%t), as in aiohttp.
    static auto logger = make("asiohttp.access", false, "%v");
    return *logger;
}

spdlog::logger& server_logger() {
    static auto logger = make("asiohttp.server", true, "[%Y-%m-%d %H:%M:%S.%e] [%n] [%l] %v");
    return *logger;
}

void log_handler_error(const web::Request& req, std::string_view what) {
    server_logger().error("Error handling request {} {}: {}", req.method(), req.raw_path(), what);
}

}  // namespace asiohttp::detail
