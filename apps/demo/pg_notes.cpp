#include "pg_notes.hpp"

namespace demo {
using asiohttp::awaitable;

namespace {

constexpr const char* kColumns =
    "id, title, body, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

Note to_note(const asiohttp::pg::Row& r) {
    return {r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>(),
            r[4].as<std::string>()};
}

std::optional<Note> first(const asiohttp::pg::Result& r) {
    if (r.empty()) return std::nullopt;
    return to_note(r[0]);
}

class PgStore final : public NotesStore {
public:
    explicit PgStore(std::shared_ptr<asiohttp::pg::Pool> pool) : pool_(std::move(pool)) {}

    awaitable<std::vector<Note>> list() override {
        auto rows = co_await pool_->query(std::string("select ") + kColumns + " from notes order by id");
        std::vector<Note> out;
        for (const auto& r : rows) out.push_back(to_note(r));
        co_return out;
    }
    awaitable<std::optional<Note>> get(std::int64_t id) override {
        auto rows = co_await pool_->query(std::string("select ") + kColumns + " from notes where id = $1", id);
        co_return first(rows);
    }
    awaitable<Note> create(std::string title, std::string body) override {
        auto rows = co_await pool_->query(
            std::string("insert into notes (title, body) values ($1, $2) returning ") + kColumns, title, body);
        co_return to_note(rows[0]);
    }
    awaitable<std::optional<Note>> update(std::int64_t id, std::string title, std::string body) override {
        auto rows = co_await pool_->query(std::string("update notes set title = $2, body = $3, updated_at = now() "
                                                      "where id = $1 returning ") + kColumns,
                                          id, title, body);
        co_return first(rows);
    }
    awaitable<bool> remove(std::int64_t id) override {
        auto rows = co_await pool_->query("delete from notes where id = $1 returning id", id);
        co_return !rows.empty();
    }

private:
    std::shared_ptr<asiohttp::pg::Pool> pool_;
};

}  // namespace

awaitable<void> create_notes_schema(asiohttp::pg::Pool& pool) {
    co_await pool.setup_schema("notes", [](asiohttp::pg::Transaction& tx) -> awaitable<void> {
        co_await tx.query(
            "create table if not exists notes ("
            " id bigserial primary key,"
            " title text not null,"
            " body text not null default '',"
            " created_at timestamptz not null default now(),"
            " updated_at timestamptz not null default now())");
    });
}

std::unique_ptr<NotesStore> make_pg_store(std::shared_ptr<asiohttp::pg::Pool> pool) {
    return std::make_unique<PgStore>(std::move(pool));
}

}  // namespace demo
