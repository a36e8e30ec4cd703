// Sessions in PostgreSQL (library target asiohttp::pg): the cookie holds a random
// id, the data lives in a table. Concurrent requests of one session merge their
// changes key by key instead of the last one overwriting the others.
#pragma once

#include <memory>

#include "asiohttp/pg.hpp"
#include "asiohttp/session.hpp"

namespace asiohttp::pg {

class PostgresStorage final : public web::SessionStorage {
public:
    // Uses (and creates if missing) the table `table`.
    PostgresStorage(std::shared_ptr<Pool> pool, web::SessionCookie cookie = {},
                    std::string table = "asiohttp_sessions");
    // Creates the table; call once at startup.
    awaitable<void> create_table();
    // Deletes expired sessions (also done now and then by save_session).
    awaitable<void> purge_expired();

    awaitable<std::shared_ptr<web::Session>> load_session(web::Request& req) override;
    awaitable<void> save_session(web::Request& req, web::Response& resp, web::Session& session) override;

private:
    std::shared_ptr<Pool> pool_;
    std::string table_;
    std::atomic<unsigned> saves_{0};
};

}  // namespace asiohttp::pg
