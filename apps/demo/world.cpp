#include "world.hpp"

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

json world_row(const asiohttp::pg::Result& r) { return {{"id", r[0][0].as<int>()}, {"randomNumber", r[0][1].as<int>()}}; }

// Reads `count` random rows in one round trip: one prepared statement each, pipelined.
awaitable<json> random_rows(asiohttp::pg::Pool& pool, int count) {
    asiohttp::pg::Batch batch;
    for (int i = 0; i < count; ++i) batch.execute("world_by_id", random_id());
    auto results = co_await pool.run(std::move(batch));
    json rows = json::array();
    for (auto& r : results) rows.push_back(world_row(r));
    co_return rows;
}

awaitable<web::Response> db(web::Request& req) {
    auto r = co_await req.app().get(db_key)->execute("world_by_id", random_id());
    co_return web::json_response(world_row(r));
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
    co_await pool.setup_schema("world", [](asiohttp::pg::Transaction& tx) -> awaitable<void> {
        co_await tx.query("create table if not exists world (id integer primary key, randomnumber integer not null)");
        auto count = co_await tx.query("select count(*) from world");
        if (count[0][0].as<int>() == 0)
            co_await tx.query("insert into world (id, randomnumber) "
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
