// What the PostgreSQL pool throws (library target asiohttp::pg).
#pragma once

#include <stdexcept>
#include <string>

namespace asiohttp::pg {

// No connection could take the statement within acquire_timeout: answer 503.
class PoolTimeoutError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};
// The server could not be reached, or the connection broke during the call.
class ConnectionError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};
// The server rejected the statement: sqlstate() is its SQLSTATE code
// ("23505" unique_violation, "42P01" undefined_table...).
class SqlError : public std::runtime_error {
public:
    SqlError(const std::string& message, std::string sqlstate, std::string query)
        : std::runtime_error(message), sqlstate_(std::move(sqlstate)), query_(std::move(query)) {}
    const std::string& sqlstate() const noexcept { return sqlstate_; }
    const std::string& query() const noexcept { return query_; }

private:
    std::string sqlstate_, query_;
};
// The statement ran longer than statement_timeout (SQLSTATE 57014).
class StatementTimeoutError : public SqlError {
    using SqlError::SqlError;
};

}  // namespace asiohttp::pg
