#include "asiohttp/http_exceptions.hpp"

namespace asiohttp::web {

HTTPException::HTTPException(int status, std::string text, std::string_view content_type) : Response(status) {
    what_ = std::to_string(status) + ": " + std::string(reason_phrase(status));
    if (text.empty() && status != 204 && status != 304) text = what_;
    else if (!text.empty()) what_ = text;
    set_body(std::move(text));
    if (!body().empty()) {
        set_content_type(content_type);
        set_charset("utf-8");
    }
}

HTTPRedirection::HTTPRedirection(int status, std::string_view location) : HTTPException(status) {
    headers().set("Location", location);
}

HTTPNotModified::HTTPNotModified() : HTTPRedirection(304, "") { headers().erase("Location"); }

HTTPMethodNotAllowed::HTTPMethodNotAllowed(std::string_view method, const std::vector<std::string>& allowed)
    : HTTPClientError(405, "405: Method Not Allowed") {
    std::string allow;
    for (auto& m : allowed) {
        if (!allow.empty()) allow += ", ";
        allow += m;
    }
    headers().set("Allow", allow);
    (void)method;
}

}  // namespace asiohttp::web
