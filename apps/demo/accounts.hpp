// POST /login (name in JSON or a form), POST /logout, GET /me: a name kept in
// the session (aiohttp_session style). The chat page uses it as the default name.
#pragma once

#include <asiohttp/web.hpp>

namespace demo {

void add_account_routes(asiohttp::web::Application& app);

}  // namespace demo
