// The one place an exception becomes a response, for the application's
// handlers and for the bodies the connection sends after them.
#pragma once

#include <exception>

#include "asiohttp/request.hpp"
#include "asiohttp/response.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

// An HTTPException is its own response; anything else is logged ("Error
// handling request") and answered 500, with its text when `debug`.
// ClientDisconnectedError is rethrown: there is nobody to answer.
Response error_response(const Request& req, std::exception_ptr error, bool debug);
// Whether `error` is an HTTPException: an answer the handler chose.
bool is_http_error(std::exception_ptr error);

}  // namespace asiohttp::detail
