// Everything a web application needs: #include <asiohttp/web.hpp>
#pragma once

#include "asiohttp/app_key.hpp"
#include "asiohttp/application.hpp"
#include "asiohttp/file_response.hpp"
#include "asiohttp/http_exceptions.hpp"
#include "asiohttp/request.hpp"
#include "asiohttp/response.hpp"
#include "asiohttp/route_table.hpp"
#include "asiohttp/router.hpp"
#include "asiohttp/server.hpp"
#include "asiohttp/topics.hpp"
#include "asiohttp/view.hpp"
#include "asiohttp/websocket.hpp"
