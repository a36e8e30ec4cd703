#include "web/error_response.hpp"

#include "asiohttp/http_exceptions.hpp"
#include "base/log.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

Response error_response(const Request& req, std::exception_ptr error, bool debug) {
    const auto internal_error = [&](std::string_view what) -> Response {
        asiohttp::detail::log_handler_error(req, what);
        if (debug) return Response::text("500: Internal Server Error\n\n" + std::string(what), 500);
        return HTTPInternalServerError();
    };
    try {
        std::rethrow_exception(error);
    } catch (const HTTPException& e) {
        return static_cast<const Response&>(e);
    } catch (const ClientDisconnectedError&) {
        throw;
    } catch (const std::exception& e) {
        return internal_error(e.what());
    } catch (...) {
        return internal_error("unknown exception");
    }
}

}  // namespace asiohttp::detail

