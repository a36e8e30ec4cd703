#include "base/log.hpp"

#include <atomic>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "asiohttp/request.hpp"
#include "asiohttp/response.hpp"
#include "asiohttp/router.hpp"

namespace asiohttp::detail {
namespace {

constexpr const char* kAccessPattern = "%v";  // the access line carries its own time (%t), as in aiohttp
constexpr const char* kServerPattern = "[%Y-%m-%d %H:%M:%S.%e] [%n] [%l] %v";

std::atomic<bool> json_format{false};
thread_local const RequestLogFields* current_request = nullptr;

std::shared_ptr<spdlog::logger> make(const char* name, bool to_stderr, const char* pattern) {
    if (auto existing = spdlog::get(name)) return existing;
    auto logger = to_stderr ? spdlog::stderr_logger_mt(name) : spdlog::stdout_logger_mt(name);
    logger->set_pattern(pattern);
    return logger;
}

// "2026-12-07T00:50:00.123Z"
std::string iso_time(spdlog::log_clock::time_point t) {
    const auto since = t.time_since_epoch();
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
    const std::time_t tt = secs.count();
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[40];
    const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since - secs).count();
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", int(ms));
    return buf;
}

// The fields every JSON line starts with.
nlohmann::ordered_json json_line(spdlog::log_clock::time_point t, std::string_view level, std::string_view logger,
                                 std::string_view message) {
    return {{"time", iso_time(t)}, {"level", level}, {"logger", logger}, {"message", message}};
}

// Paths and messages may hold any bytes: invalid UTF-8 becomes U+FFFD, not an exception.
std::string dump_line(const nlohmann::ordered_json& line) {
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One JSON object per line, in one schema for every logger of the framework
// (and any other logger given it).
class JsonFormatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        const auto level = spdlog::level::to_string_view(msg.level);
        auto line = json_line(msg.time, {level.data(), level.size()}, {msg.logger_name.data(), msg.logger_name.size()},
                              {msg.payload.data(), msg.payload.size()});
        if (const auto* f = current_request) {
            const auto& req = f->req;
            if (!req.request_id().empty()) line["request_id"] = req.request_id();
            line["method"] = req.method();
            const auto* route = req.match_info().route();
            line["route"] = route ? std::string_view(route->path_template()) : std::string_view();
            line["path"] = req.raw_path();
            line["remote"] = req.remote();
            if (f->resp) {
                line["status"] = f->resp->status();
                line["duration_ms"] =
                    double(std::chrono::duration_cast<std::chrono::microseconds>(f->elapsed).count()) / 1000.0;
                line["bytes"] = f->bytes;
            }
        }
        const auto text = dump_line(line);
        dest.append(text.data(), text.data() + text.size());
        dest.push_back('\n');
    }
    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

spdlog::logger& access_logger() {
    static auto logger = make("asiohttp.access", false, kAccessPattern);
    return *logger;
}

spdlog::logger& server_logger() {
    static auto logger = make("asiohttp.server", true, kServerPattern);
    return *logger;
}

void set_log_format(std::string_view format) {
    if (format != "text" && format != "json")
        throw std::invalid_argument("log format '" + std::string(format) + "': use text or json");
    const bool json = format == "json";
    if (json == json_logs()) return;  // leave a logger the application configured alone
    json_format = json;
    if (json) {
        access_logger().set_formatter(std::make_unique<JsonFormatter>());
        server_logger().set_formatter(std::make_unique<JsonFormatter>());
    } else {
        access_logger().set_pattern(kAccessPattern);
        server_logger().set_pattern(kServerPattern);
    }
}

bool json_logs() noexcept { return json_format.load(std::memory_order_relaxed); }

RequestLogScope::RequestLogScope(const RequestLogFields& fields) noexcept : previous_(current_request) {
    current_request = &fields;
}
RequestLogScope::~RequestLogScope() { current_request = previous_; }

void announce(std::string_view text) {
    if (json_logs()) {
        const auto line = json_line(spdlog::log_clock::now(), "info", "asiohttp.server", text);
        std::printf("%s\n", dump_line(line).c_str());
    } else {
        std::printf("======== %.*s ========\n(Press CTRL+C to quit)\n", int(text.size()), text.data());
    }
    std::fflush(stdout);
}

void log_handler_error(const web::Request& req, std::string_view what) {
    const RequestLogFields fields{req};
    const RequestLogScope scope(fields);
    if (json_logs())
        server_logger().error("Error handling request: {}", what);
    else if (req.request_id().empty())
        server_logger().error("Error handling request {} {}: {}", req.method(), req.raw_path(), what);
    else
        server_logger().error("Error handling request {} {} (request id {}): {}", req.method(), req.raw_path(),
                              req.request_id(), what);
}

}  // namespace asiohttp::detail
