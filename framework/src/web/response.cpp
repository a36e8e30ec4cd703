#include "asiohttp/response.hpp"

#include <nlohmann/json.hpp>

#include "asiohttp/compression.hpp"
#include "asiohttp/request.hpp"
#include "base/json_text.hpp"
#include "web/compression.hpp"
#include "web/exchange.hpp"
#include "web/response_prepare.hpp"

namespace asiohttp::web {

std::string_view reason_phrase(int status) noexcept {
    switch (status) {
        case 100: return "Continue";
        case 101: return "Switching Protocols";
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 206: return "Partial Content";
        case 301: return "Moved Permanently";
        case 302: return "Found";
        case 303: return "See Other";
        case 304: return "Not Modified";
        case 307: return "Temporary Redirect";
        case 308: return "Permanent Redirect";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 406: return "Not Acceptable";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 410: return "Gone";
        case 411: return "Length Required";
        case 412: return "Precondition Failed";
        case 413: return "Request Entity Too Large";
        case 415: return "Unsupported Media Type";
        case 416: return "Requested Range Not Satisfiable";
        case 422: return "Unprocessable Entity";
        case 426: return "Upgrade Required";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        case 505: return "HTTP Version Not Supported";
        default: return "";
    }
}

Response::Response(int status) : status_(status) {}

namespace {

// The place of `type` in detail::kCommonContentTypes, 1-based; 0 if not there.
std::uint8_t common_type(std::string_view type) noexcept {
    for (std::size_t i = 0; i < std::size(detail::kCommonContentTypes); ++i)
        if (detail::kCommonContentTypes[i] == type) return std::uint8_t(i + 1);
    return 0;
}

}  // namespace

Response::Response(int status, std::string body, std::string_view content_type, std::string_view charset)
    : status_(status),
      common_type_(common_type(content_type)),
      content_type_(common_type_ ? std::string_view() : content_type),
      charset_(charset),
      body_(std::move(body)) {}

void Response::set_content_type(std::string_view type) {
    common_type_ = common_type(type);
    if (!common_type_) content_type_ = type;
    else content_type_.clear();
}

Response Response::text(std::string text, int status, std::string_view content_type) {
    return {status, std::move(text), content_type, "utf-8"};
}

Response Response::html(std::string html, int status) { return text(std::move(html), status, "text/html"); }

Response Response::bytes(std::string body, std::string_view content_type, int status) {
    return {status, std::move(body), content_type, {}};
}

std::string_view Response::reason() const noexcept {
    const auto* rare = rare_.get();
    return rare && !rare->reason.empty() ? std::string_view(rare->reason) : reason_phrase(status_);
}

void Response::set_status(int status, std::string reason) {
    status_ = status;
    if (!reason.empty() || rare_.get()) rare_.make().reason = std::move(reason);
}

void Response::set_text(std::string text) {
    body_ = std::move(text);
    if (content_type().empty()) set_content_type("text/plain");
    charset_ = "utf-8";
}

void Response::set_cookie(std::string_view name, std::string_view value, const CookieOptions& o) {
    std::string line;
    line.append(name).append("=").append(value);
    if (!o.expires.empty()) line.append("; Expires=").append(o.expires);
    if (!o.domain.empty()) line.append("; Domain=").append(o.domain);
    if (o.max_age) line.append("; Max-Age=").append(std::to_string(o.max_age->count()));
    if (!o.path.empty()) line.append("; Path=").append(o.path);
    if (!o.samesite.empty()) line.append("; SameSite=").append(o.samesite);
    if (o.secure) line.append("; Secure");
    if (o.httponly) line.append("; HttpOnly");
    auto& cookies = rare_.make().cookies;
    for (auto& [n, l] : cookies) {
        if (n == name) {
            l = std::move(line);
            return;
        }
    }
    cookies.emplace_back(std::string(name), std::move(line));
}

const std::vector<std::pair<std::string, std::string>>& Response::cookies() const noexcept {
    static const std::vector<std::pair<std::string, std::string>> none;
    return rare_.get() ? rare_.get()->cookies : none;
}

void Response::del_cookie(std::string_view name, std::string_view domain, std::string_view path) {
    set_cookie(name, "",
               {.max_age = std::chrono::seconds(0),
                .expires = "Thu, 01 Jan 1970 00:00:00 GMT",
                .domain = std::string(domain),
                .path = std::string(path)});
}

void Response::enable_compression() {
    static const CompressionOptions defaults;
    compression_ = &defaults;
}

awaitable<void> Response::prepare_stream(Request& req, bool hold_head) {
    if (exchange_) co_return;
    auto& ex = detail::RequestAccess::exchange(req);
    detail::prepare_streamed(req, *this);
    exchange_ = &ex;
    co_await ex.send_head(*this, hold_head);
}

awaitable<void> Response::write_stream(std::string_view data) {
    if (!exchange_) throw std::logic_error("StreamResponse::write before prepare()");
    if (eof_sent_) throw std::logic_error("StreamResponse::write after write_eof()");
    if (data.empty()) co_return;
    auto* encoder = this->encoder();
    if (!encoder) {
        co_await exchange_->send_data(data);
        co_return;
    }
    // Each write reaches the client as it is written (events, progress): flushed.
    const auto encoded = co_await detail::encode(*encoder, data, false);
    co_await exchange_->send_data(encoded);
}

awaitable<bool> Response::send_file_stream(int fd, std::uint64_t offset, std::uint64_t length) {
    if (!exchange_) throw std::logic_error("StreamResponse: a file sent before prepare()");
    if (eof_sent_ || encoder()) co_return false;  // compressed bytes must pass through the encoder
    co_return co_await exchange_->send_file(fd, offset, length);
}

awaitable<void> Response::write_eof_stream(std::string_view data) {
    if (!exchange_) throw std::logic_error("StreamResponse::write_eof before prepare()");
    if (eof_sent_) co_return;
    eof_sent_ = true;
    if (auto* encoder = this->encoder()) {
        const auto encoded = co_await detail::encode(*encoder, data, true);
        rare_.get()->encoder.reset();
        co_await exchange_->send_data(encoded);
    } else if (!data.empty()) {
        co_await exchange_->send_data(data);
    }
    co_await exchange_->send_eof();
}

Response json_response(const nlohmann::json& data, int status) {
    return Response::bytes(detail::json_text(data), "application/json", status);
}

}  // namespace asiohttp::web
