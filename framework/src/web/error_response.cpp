#include "web/error_response.hpp"

#include "asiohttp/http_exceptions.hpp"
#include "asiohttp/tasks.hpp"
#include "base/log.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

Response error_response(const Request& req, std::exception_ptr error, bool debug) {
    try {
        std::rethrow_exception(error);
    } catch (const HTTPException& e) {
        return static_cast<const Response&>(e);
    } catch (const ClientDisconnectedError&) {
        throw;
    } catch (...) {
    }
    const auto what = what_of(error);
    log_handler_error(req, what);
    if (debug) return Response::text("500: Internal Server Error\n\n" + what, 500);
    return HTTPInternalServerError();
}

bool is_http_error(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const HTTPException&) {
        return true;
    } catch (...) {
        return false;
    }
}

}  // namespace asiohttp::detail

