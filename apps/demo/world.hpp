// TechEmpower's database endpoints, when the demo has a database:
//   GET /db            {"id":N,"randomNumber":M}, one random row of `world`
//   GET /queries?n=Q   Q such rows (Q clamped to 1..500; not a number: 1)
#pragma once

#include <memory>

#include <asiohttp/pg.hpp>
#include <asiohttp/web.hpp>

namespace demo {

inline const asiohttp::web::AppKey<std::shared_ptr<asiohttp::pg::Pool>> db_key{"db"};

// Creates and fills `world` (10,000 rows) if it is missing; prepares its query.
asiohttp::awaitable<void> create_world(asiohttp::pg::Pool& pool);
void add_world_routes(asiohttp::web::Application& app);

}  // namespace demo
