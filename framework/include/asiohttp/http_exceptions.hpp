// HTTP errors as exceptions, as aiohttp.web's HTTPException hierarchy:
//
//   throw web::HTTPNotFound("no such note");
//   throw web::HTTPFound("/login");
//
// Each is also a Response, so a handler may `co_return` one instead of throwing it.
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "asiohttp/response.hpp"

namespace asiohttp::web {

class HTTPException : public Response, public std::exception {
public:
    // `text` defaults to "<status>: <reason>" as in aiohttp.
    explicit HTTPException(int status, std::string text = {}, std::string_view content_type = "text/plain");
    const char* what() const noexcept override { return what_.c_str(); }

private:
    std::string what_;
};

class HTTPSuccessful : public HTTPException {
    using HTTPException::HTTPException;
};
class HTTPRedirection : public HTTPException {
public:
    HTTPRedirection(int status, std::string_view location);
    std::string_view location() const noexcept { return headers().get("Location", ""); }
};
class HTTPError : public HTTPException {
    using HTTPException::HTTPException;
};
class HTTPClientError : public HTTPError {
    using HTTPError::HTTPError;
};
class HTTPServerError : public HTTPError {
    using HTTPError::HTTPError;
};

}  // namespace asiohttp::web

namespace asiohttp::detail {
template <class Base, int Status>
class StatusException : public Base {
public:
    static constexpr int status_code = Status;
    explicit StatusException(std::string text = {}, std::string_view content_type = "text/plain")
        : Base(Status, std::move(text), content_type) {}
};
template <int Status>
class RedirectException : public web::HTTPRedirection {
public:
    static constexpr int status_code = Status;
    explicit RedirectException(std::string_view location) : web::HTTPRedirection(Status, location) {}
};
}  // namespace asiohttp::detail

namespace asiohttp::web {

using HTTPOk = detail::StatusException<HTTPSuccessful, 200>;
using HTTPCreated = detail::StatusException<HTTPSuccessful, 201>;
using HTTPAccepted = detail::StatusException<HTTPSuccessful, 202>;
using HTTPNoContent = detail::StatusException<HTTPSuccessful, 204>;

using HTTPMovedPermanently = detail::RedirectException<301>;
using HTTPFound = detail::RedirectException<302>;
using HTTPSeeOther = detail::RedirectException<303>;
using HTTPTemporaryRedirect = detail::RedirectException<307>;
using HTTPPermanentRedirect = detail::RedirectException<308>;

class HTTPNotModified : public HTTPRedirection {
public:
    HTTPNotModified();
};

using HTTPBadRequest = detail::StatusException<HTTPClientError, 400>;
using HTTPUnauthorized = detail::StatusException<HTTPClientError, 401>;
using HTTPForbidden = detail::StatusException<HTTPClientError, 403>;
using HTTPNotFound = detail::StatusException<HTTPClientError, 404>;
using HTTPNotAcceptable = detail::StatusException<HTTPClientError, 406>;
using HTTPRequestTimeout = detail::StatusException<HTTPClientError, 408>;
using HTTPConflict = detail::StatusException<HTTPClientError, 409>;
using HTTPGone = detail::StatusException<HTTPClientError, 410>;
using HTTPLengthRequired = detail::StatusException<HTTPClientError, 411>;
using HTTPPreconditionFailed = detail::StatusException<HTTPClientError, 412>;
using HTTPRequestEntityTooLarge = detail::StatusException<HTTPClientError, 413>;
using HTTPUnsupportedMediaType = detail::StatusException<HTTPClientError, 415>;
using HTTPRequestRangeNotSatisfiable = detail::StatusException<HTTPClientError, 416>;
using HTTPUnprocessableEntity = detail::StatusException<HTTPClientError, 422>;
using HTTPUpgradeRequired = detail::StatusException<HTTPClientError, 426>;
using HTTPTooManyRequests = detail::StatusException<HTTPClientError, 429>;
using HTTPRequestHeaderFieldsTooLarge = detail::StatusException<HTTPClientError, 431>;

// 405 carries the Allow header.
class HTTPMethodNotAllowed : public HTTPClientError {
public:
    static constexpr int status_code = 405;
    HTTPMethodNotAllowed(std::string_view method, const std::vector<std::string>& allowed);
};

using HTTPInternalServerError = detail::StatusException<HTTPServerError, 500>;
using HTTPNotImplemented = detail::StatusException<HTTPServerError, 501>;
using HTTPBadGateway = detail::StatusException<HTTPServerError, 502>;
using HTTPServiceUnavailable = detail::StatusException<HTTPServerError, 503>;
using HTTPGatewayTimeout = detail::StatusException<HTTPServerError, 504>;

}  // namespace asiohttp::web
