// A connection a transaction has to itself, from BEGIN (sent with its first
// statement) to COMMIT or ROLLBACK; let go of when it ends.
#pragma once

#include "pg_connection.hpp"

namespace asiohttp::pg::detail {

// Sends a segment on `connection` and waits for its results; `reserved`: by
// acquire, and let go of once sent.
awaitable<std::vector<Result>> send_on(std::shared_ptr<PgConnection> connection, std::vector<Command> commands,
                                       bool begin, bool reserved = false);
awaitable<std::shared_ptr<PgConnection>> acquire(std::shared_ptr<PoolCore> core, bool exclusive);

class Lease {
public:
    explicit Lease(std::shared_ptr<PgConnection> connection) : connection_(std::move(connection)) {}
    // Not committed: ROLLBACK goes out and the connection is let go of once it is done.
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    awaitable<std::vector<Result>> send(std::vector<Command> commands);
    awaitable<void> commit();

private:
    std::shared_ptr<PgConnection> connection_;
    bool began_ = false, ended_ = false;
};

}  // namespace asiohttp::pg::detail
