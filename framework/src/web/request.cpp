#include "asiohttp/request.hpp"

#include <nlohmann/json.hpp>

#include "asiohttp/http_exceptions.hpp"
#include "asiohttp/router.hpp"
#include "base/header_values.hpp"
#include "base/url_codec.hpp"
#include "web/body_decoding.hpp"
#include "web/exchange.hpp"
#include "web/form.hpp"

namespace asiohttp::web {

Request::Request(detail::RequestHead& head, detail::Exchange& exchange, Application& app, std::string_view remote,
                 bool secure)
    : head_(&head),
      exchange_(&exchange),
      app_(&app),
      remote_(remote),
      host_(head.headers.get("Host", "")),
      secure_(secure),
      path_(path_of(head.target)) {}

std::string Request::path_of(std::string_view target) {
    // absolute-form ("http://host/path"), as proxies send it
    if (auto scheme = target.find("://"); scheme != std::string_view::npos && target.front() != '/') {
        auto slash = target.find('/', scheme + 3);
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    auto raw = target.substr(0, target.find('?'));
    if (raw.find('%') == std::string_view::npos) return std::string(raw);
    return asiohttp::detail::percent_decode(raw);
}

std::string_view Request::query_string() const noexcept {
    std::string_view target = head_->target;
    auto q = target.find('?');
    return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

const MultiDict& Request::query() const {
    if (!query_) {
        query_.emplace();
        asiohttp::detail::parse_urlencoded(query_string(), *query_);
    }
    return *query_;
}

const MultiDict& Request::cookies() const {
    if (!cookies_) {
        cookies_.emplace();
        for (auto& header : head_->headers.getall("Cookie")) asiohttp::detail::parse_cookie_header(header, *cookies_);
    }
    return *cookies_;
}

std::string_view Request::match_info(std::string_view name) const {
    auto v = match_info_.get(name);
    if (!v) throw std::out_of_range("the route has no variable '" + std::string(name) + "'");
    return *v;
}

std::string_view Request::content_type() const noexcept {
    auto ct = head_->headers.get("Content-Type");
    if (!ct) return "application/octet-stream";
    return asiohttp::detail::media_type_view(*ct);
}

std::string_view Request::charset() const noexcept {
    return asiohttp::detail::header_param_view(head_->headers.get("Content-Type", ""), "charset");
}

std::size_t Request::client_max_size() const noexcept {
    const Route* route = match_info_.route();
    if (route && route->client_max_size()) return *route->client_max_size();
    return exchange_->client_max_size();
}

awaitable<std::string_view> Request::read() {
    if (content_ && content_->started())
        throw std::logic_error("Request::read() after content() was read: the body was handed out");
    if (!head_->body_complete) {
        const auto limit = client_max_size();
        co_await exchange_->read_body(limit);
        if (auto encoding = head_->headers.get("Content-Encoding")) {
            if (auto decoder = detail::body_decoder(*encoding, limit)) {
                std::string decoded;
                detail::decode_piece(*decoder, head_->body, decoded, limit);
                if (!head_->body.empty()) detail::check_decoded_end(*decoder, *encoding);
                head_->body = std::move(decoded);
            }
        }
    }
    co_return std::string_view(head_->body);
}

StreamReader& Request::content() {
    if (!content_) content_.reset(new StreamReader(*head_, *exchange_, client_max_size()));
    return *content_;
}

MultipartReader Request::multipart(const MultipartLimits& limits) {
    const auto content_type = head_->headers.get("Content-Type", "");
    if (!asiohttp::detail::media_type(content_type).starts_with("multipart/"))
        throw HTTPBadRequest("400: Bad Request (the body is not multipart: Content-Type " +
                             std::string(content_type.substr(0, 100)) + ")");
    auto boundary = asiohttp::detail::header_param(content_type, "boundary");
    if (!boundary) throw HTTPBadRequest("400: Bad Request (multipart without a boundary)");
    return MultipartReader(content(), std::move(*boundary), limits);
}

awaitable<nlohmann::json> Request::json() {
    auto body = co_await read();
    try {
        co_return nlohmann::json::parse(body);
    } catch (const nlohmann::json::parse_error& e) {
        throw HTTPBadRequest(std::string("400: Bad Request: malformed JSON: ") + e.what());
    }
}

awaitable<PostData> Request::post() { return post(PostOptions{}); }

awaitable<PostData> Request::post(PostOptions options) {
    if (auto* rare = rare_.get(); rare && rare->post) co_return *rare->post;
    PostData data;
    auto type = asiohttp::detail::media_type(head_->headers.get("Content-Type", ""));
    if (type == "application/x-www-form-urlencoded") {
        asiohttp::detail::parse_urlencoded(co_await read(), data.fields);
    } else if (type == "multipart/form-data") {
        const MultipartLimits limits{.max_parts = options.max_parts};
        auto reader = multipart(limits);
        co_await detail::read_form(reader, options, data);
    }
    rare_.make().post = data;
    co_return data;
}

}  // namespace asiohttp::web
