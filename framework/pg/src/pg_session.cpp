#include "asiohttp/pg_session.hpp"

#include "asiohttp/request.hpp"
#include "asiohttp/response.hpp"
#include "base/json_text.hpp"

namespace asiohttp::pg {

using nlohmann::json;

namespace {

// A text[] literal: {"a","b \"quoted\""}.
std::string text_array(const std::vector<std::string>& items) {
    std::string out = "{";
    for (auto& item : items) {
        if (out.size() > 1) out += ',';
        out += '"';
        for (char c : item) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

}  // namespace

PostgresStorage::PostgresStorage(std::shared_ptr<Pool> pool, web::SessionCookie cookie, std::string table)
    : web::SessionStorage(std::move(cookie)), pool_(std::move(pool)), table_(std::move(table)) {
    for (char c : table_)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
            throw std::invalid_argument("PostgresStorage: bad table name '" + table_ + "'");
}

awaitable<void> PostgresStorage::create_table() {
    return pool_->setup_schema(table_, [table = table_](Transaction& tx) -> awaitable<void> {
        co_await tx.query("create table if not exists " + table +
                          " (id text primary key, data jsonb not null, created bigint not null, expires_at timestamptz)");
    });
}

awaitable<void> PostgresStorage::purge_expired() {
    co_await pool_->query("delete from " + table_ + " where expires_at < now()");
}

awaitable<std::shared_ptr<web::Session>> PostgresStorage::load_session(web::Request& req) {
    if (auto id = req.cookies().get(cookie().name); id && id->size() == 32) {
        auto rows = co_await pool_->query("select data::text, created from " + table_ +
                                              " where id = $1 and (expires_at is null or expires_at > now())",
                                          std::string(*id));
        if (!rows.empty()) {
            auto data = json::parse(rows[0][0].as<std::string>(), nullptr, false);
            co_return make_session(std::string(*id), data.is_object() ? data : json::object(), false,
                                   rows[0][1].as<std::int64_t>());
        }
    }
    co_return make_session(web::random_token(), json::object(), true, now_seconds());
}

awaitable<void> PostgresStorage::save_session(web::Request&, web::Response& resp, web::Session& session) {
    const auto& old = replaced_identity(session);
    if (!old.empty()) co_await pool_->query("delete from " + table_ + " where id = $1", old);
    if (session.empty() && (session.cleared() || session.touched_keys().empty())) {
        co_await pool_->query("delete from " + table_ + " where id = $1", session.identity());
        delete_cookie(resp);
        co_return;
    }
    // Only what this request changed: set keys replace, erased keys go, the rest stays.
    json patch = json::object();
    std::vector<std::string> erased;
    for (auto& key : session.touched_keys()) {
        if (session.data().contains(key)) patch[key] = session.data()[key];
        else erased.push_back(key);
    }
    if (session.cleared()) co_await pool_->query("delete from " + table_ + " where id = $1", session.identity());
    const std::string expires =
        session.max_age() ? "now() + make_interval(secs => " + std::to_string(session.max_age()->count()) + ")" : "null";
    co_await pool_->query("insert into " + table_ + " (id, data, created, expires_at) values ($1, $2::jsonb, $3, " +
                              expires + ") on conflict (id) do update set data = (" + table_ +
                              ".data - $4::text[]) || excluded.data, expires_at = excluded.expires_at",
                          session.identity(), asiohttp::detail::json_text(patch), session.created(),
                          text_array(erased));
    set_cookie(resp, session.identity(), session);
    if (++saves_ % 100 == 0) co_await purge_expired();
}

}  // namespace asiohttp::pg
