#include "lease.hpp"

#include "shard.hpp"

namespace asiohttp::pg::detail {

namespace {

std::vector<Command> one(const char* sql) {
    std::vector<Command> commands;
    commands.push_back(Command{.text = sql});
    return commands;
}

void let_go(const std::shared_ptr<PgConnection>& connection) {
    Completions done;
    std::lock_guard lock(connection->shard().mutex);
    connection->set_leased(false);
    if (connection->ready()) connection->shard().has_room(*connection, done);
}

}  // namespace

Lease::~Lease() {
    if (!began_ || ended_) {
        let_go(connection_);
        return;
    }
    Completions done;
    std::lock_guard lock(connection_->shard().mutex);
    // Dispatched inline once the lock is let go (the reply's executor is the system's).
    Reply rolled_back([connection = connection_](std::exception_ptr, std::vector<Result>) { let_go(connection); });
    connection_->send(one("ROLLBACK"), std::move(rolled_back), false, done);
}

awaitable<std::vector<Result>> Lease::send(std::vector<Command> commands) {
    if (ended_) throw std::logic_error("pg::Transaction: used after commit");
    const bool begin = !std::exchange(began_, true);
    return send_on(connection_, std::move(commands), begin);
}

awaitable<void> Lease::commit() {
    if (std::exchange(ended_, true) || !began_) co_return;
    co_await send_on(connection_, one("COMMIT"), false);
}

}  // namespace asiohttp::pg::detail
