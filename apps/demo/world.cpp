#include "world.hpp"

#include <pqxx/nontransaction>

#include <random>

#include <nlohmann/json.hpp>

namespace demo {
namespace web = asiohttp::web;
using asiohttp::awaitable;
using nlohmann::json;

namespace {

constexpr int kRows = 10'000;

int random_id() {
    thread_local std::mt19937 rng{std::random_device{}()};
    return std::uniform_int_distribution<int>(1, kRows)(rng);
}

// Reads `count` random rows on one pooled connection: one prepared statement each.
awaitable<json> random_rows(asiohttp::pg::Pool& pool, int count) {
    return pool.run([count](pqxx::connection& c) {
        json rows = json::array();
        pqxx::nontransaction tx(c);
        for (int i = 0; i < count; ++i) {
            auto r = tx.exec_prepared1("world_by_id", random_id());
            rows.push_back({{"id", r[0].as<int>()}, {"randomNumber", r[1].as<int>()}});
        }
        return rows;
    });
}

awaitable<web::Response> db(web::Request& req) {
    auto rows = co_await random_rows(*req.app().get(db_key), 1);
    co_return web::json_response(rows[0]);
}

awaitable<web::Response> queries(web::Request& req) {
    int n = 1;
    auto text = req.query().get("n", "1");
    try {
        n = std::clamp(std::stoi(std::string(text)), 1, 500);
    } catch (const std::exception&) {
        n = 1;
    }
    co_return web::json_response(co_await random_rows(*req.app().get(db_key), n));
}

}  // namespace

awaitable<void> create_world(asiohttp::pg::Pool& pool) {
    // Under the lock, the seed rows too are inserted by one replica only.
    co_await pool.setup_schema("world", [](pqxx::work& tx) {
        tx.exec("create table if not exists world (id integer primary key, randomnumber integer not null)");
        if (tx.exec1("select count(*) from world")[0].as<int>() == 0)
            tx.exec("insert into world (id, randomnumber) "
                    "select i, 1 + floor(random() * 10000)::int from generate_series(1, " +
                    std::to_string(kRows) + ") as i");
    });
    pool.prepare("world_by_id", "select id, randomnumber from world where id = $1");
}

void add_world_routes(web::Application& app) {
    app.router().add_get("/db", db);
    app.router().add_get("/queries", queries);
}

}  // namespace demo
