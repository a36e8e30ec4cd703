#include "asiohttp/request.hpp"

#include <nlohmann/json.hpp>

#include "asiohttp/compression.hpp"
#include "asiohttp/http_exceptions.hpp"
#include "codec/codec.hpp"
#include "web/body_limit.hpp"
#include "web/exchange.hpp"
#include "base/header_values.hpp"
#include "web/form.hpp"
#include "base/url_codec.hpp"

namespace asiohttp::web {

const FileField* PostData::file(std::string_view name) const noexcept {
    for (auto& f : files)
        if (f.name == name) return &f;
    return nullptr;
}

Request::Request(detail::RequestHead& head, detail::Exchange& exchange, Application& app, std::string_view remote,
                 bool secure)
    : head_(&head),
      exchange_(&exchange),
      app_(&app),
      remote_(remote),
      host_(head.headers.get("Host", "")),
      secure_(secure) {
    std::string_view target = head.target;
    // absolute-form ("http://host/path"), as proxies send it
    if (auto scheme = target.find("://"); scheme != std::string_view::npos && target.front() != '/') {
        auto slash = target.find('/', scheme + 3);
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    auto raw = target.substr(0, target.find('?'));
    if (raw.find('%') == std::string_view::npos) path_.assign(raw);
    else path_ = asiohttp::detail::percent_decode(raw);
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

namespace {

// A body sent with a Content-Encoding, decoded in place: a coding we do not
// know is a 415, a corrupt one a 400, and a decoded size past the limit a 413
// found before that much memory is taken (a zip bomb).
void decode_body(detail::RequestHead& head, std::string_view encoding, std::size_t limit) {
    const auto coding = parse_content_coding(encoding);
    if (coding == ContentCoding::identity) return;
    if (!coding)
        throw HTTPUnsupportedMediaType("415: Unsupported Media Type (Content-Encoding " + std::string(encoding) +
                                       "; this server decodes gzip, deflate, br and zstd)");
    auto decoder = detail::make_decoder(*coding, limit);
    std::string decoded;
    try {
        decoder->write(head.body, decoded);
    } catch (const detail::DecodedTooLarge&) {
        throw detail::body_too_large(limit);
    } catch (const detail::DecodeError& e) {
        throw HTTPBadRequest("400: Bad Request (" + std::string(e.what()) + ")");
    }
    if (!decoder->done() && !head.body.empty())
        throw HTTPBadRequest("400: Bad Request (the " + std::string(encoding) + " body ends early)");
    head.body = std::move(decoded);
}

}  // namespace

awaitable<std::string_view> Request::read() {
    if (!head_->body_complete) {
        co_await exchange_->read_body();
        if (auto encoding = head_->headers.get("Content-Encoding"))
            decode_body(*head_, *encoding, exchange_->client_max_size());
    }
    co_return std::string_view(head_->body);
}

awaitable<nlohmann::json> Request::json() {
    auto body = co_await read();
    try {
        co_return nlohmann::json::parse(body);
    } catch (const nlohmann::json::parse_error& e) {
        throw HTTPBadRequest(std::string("400: Bad Request: malformed JSON: ") + e.what());
    }
}

awaitable<PostData> Request::post() {
    PostData data;
    auto type = asiohttp::detail::media_type(head_->headers.get("Content-Type", ""));
    if (type == "application/x-www-form-urlencoded") {
        asiohttp::detail::parse_urlencoded(co_await read(), data.fields);
    } else if (type == "multipart/form-data") {
        auto boundary = asiohttp::detail::header_param(head_->headers.get("Content-Type", ""), "boundary");
        if (!boundary) throw HTTPBadRequest("multipart/form-data without a boundary");
        detail::parse_multipart(co_await read(), *boundary, data);
    }
    co_return data;
}

}  // namespace asiohttp::web
