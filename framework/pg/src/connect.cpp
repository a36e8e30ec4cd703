#include <algorithm>

#include "base/log.hpp"
#include "pool_core.hpp"

namespace asiohttp::pg::detail {

ConnectParams::ConnectParams(const std::string& dsn, std::chrono::milliseconds statement_timeout) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
    if (!options) {
        std::string message = error ? error : "out of memory";
        PQfreemem(error);
        throw connect_error("bad DSN: " + message);
    }
    std::string server_options;
    for (auto* o = options; o->keyword; ++o) {
        if (!o->val) continue;
        if (std::string_view(o->keyword) == "options") {
            server_options = o->val;
            continue;
        }
        keywords_.emplace_back(o->keyword);
        values_.emplace_back(o->val);
    }
    PQconninfoFree(options);
    // Set at connection start: no statement of ours spent on it.
    if (statement_timeout.count() > 0)
        server_options += (server_options.empty() ? "" : " ") + std::string("-c statement_timeout=") +
                          std::to_string(statement_timeout.count());
    if (!server_options.empty()) {
        keywords_.emplace_back("options");
        values_.push_back(std::move(server_options));
    }
    for (std::size_t i = 0; i < keywords_.size(); ++i) {
        keyword_ptrs_.push_back(keywords_[i].c_str());
        value_ptrs_.push_back(values_[i].c_str());
    }
    keyword_ptrs_.push_back(nullptr);
    value_ptrs_.push_back(nullptr);
}

ConnectionError connect_error(std::string_view message) {
    // libpq's message spans lines; an error here is one line in a log.
    std::string what(message);
    std::replace_if(what.begin(), what.end(), [](char c) { return c == '\n' || c == '\t'; }, ' ');
    while (!what.empty() && what.back() == ' ') what.pop_back();
    return ConnectionError("cannot connect to PostgreSQL: " + what);
}

std::unique_ptr<RawConnection> ready_for_pipeline(PGconn* conn) {
    auto raw = std::make_unique<RawConnection>(conn);
    // The server's notices ("relation ... already exists, skipping") go to the
    // server log at debug level, not to stderr as libpq's default would have it.
    PQsetNoticeProcessor(
        conn,
        [](void*, const char* message) {
            std::string_view text(message);
            while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
            asiohttp::detail::server_logger().debug("PostgreSQL: {}", text);
        },
        nullptr);
    if (PQsetnonblocking(conn, 1) != 0 || PQenterPipelineMode(conn) != 1)
        throw connect_error(PQerrorMessage(conn));
    return raw;
}

std::unique_ptr<RawConnection> connect_blocking(const ConnectParams& params) {
    PGconn* conn = PQconnectdbParams(params.keywords(), params.values(), 0);
    if (!conn) throw connect_error("out of memory");
    if (PQstatus(conn) != CONNECTION_OK) {
        auto error = connect_error(PQerrorMessage(conn));
        PQfinish(conn);
        throw error;
    }
    return ready_for_pipeline(conn);
}

}  // namespace asiohttp::pg::detail
