// ClientResponse: the body read from the pooled connection, in pieces or whole.
#include <iconv.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <nlohmann/json.hpp>

#include "base/ascii.hpp"
#include "client/client_core.hpp"
#include "base/header_values.hpp"
#include "base/nothrow.hpp"

namespace asiohttp {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// `data` in `charset`, as UTF-8 (glibc's iconv knows every charset a server names).
std::string to_utf8(std::string data, const std::string& charset) {
    auto cs = detail::to_lower(charset);
    if (cs == "utf-8" || cs == "utf8" || cs == "us-ascii" || cs == "ascii") return data;
    iconv_t cd = iconv_open("UTF-8", cs.c_str());
    if (cd == iconv_t(-1)) throw ClientPayloadError("unknown charset '" + charset + "'");
    std::string out(data.size() * 4 + 16, '\0');
    char* in = data.data();
    std::size_t in_left = data.size();
    char* dst = out.data();
    std::size_t out_left = out.size();
    auto rc = iconv(cd, &in, &in_left, &dst, &out_left);
    iconv_close(cd);
    if (rc == std::size_t(-1)) throw ClientPayloadError("the body is not valid " + charset);
    out.resize(out.size() - out_left);
    return out;
}

}  // namespace

namespace detail {

void ResponseState::release(bool body_done) {
    if (conn) core->connector->release(std::move(conn), body_done && keep_alive);
}

awaitable<bool> ResponseState::read_some(std::string& out, std::size_t max) {
    if (!decoder) {
        const bool more = co_await read_raw(out, max);
        co_return more;
    }
    // Compressed: inflate what arrives into `pending`, hand out at most `max`.
    // (A cursor, not erase(): one 64 KiB read can inflate to megabytes.)
    bool more = true;
    while (pending_at == pending.size() && more) {
        pending.clear();
        pending_at = 0;
        std::string wire;
        more = co_await read_raw(wire, 64 << 10);
        decoded_some = decoded_some || !wire.empty();
        try {
            decoder->write(wire, pending);
        } catch (const DecodeError& e) {
            release(false);
            throw ClientPayloadError("cannot decompress the body of " + url.str() + ": " + e.what());
        }
    }
    if (!more && decoded_some && !decoder->done()) {
        release(false);
        throw ClientPayloadError("the compressed body of " + url.str() + " ended early");
    }
    const auto n = std::min(max, pending.size() - pending_at);
    out.append(pending, pending_at, n);
    pending_at += n;
    co_return n > 0;
}

awaitable<bool> ResponseState::read_raw(std::string& out, std::size_t max) {
    bool got_data = false;
    while (!got_data && conn && parser && !parser->is_done()) {
        // Room for what can come: no more than the body has left, and for a body
        // of unknown length what is buffered already or 16 KiB (a fresh `max`
        // bytes per call would cost a large zero-filled allocation each time).
        std::size_t want = max;
        if (auto left = parser->content_length_remaining())
            want = std::size_t(std::min<std::uint64_t>(want, std::max<std::uint64_t>(*left, 1)));
        else
            want = std::min(want, std::max<std::size_t>(conn->buffer.size(), 16 << 10));
        const auto before = out.size();
        out.resize(before + want);
        auto& body = parser->get().body();
        body.data = out.data() + before;
        body.size = want;
        const auto limit = deadlines.read();
        Deadlines::arm(conn->stream.tcp(), limit);
        auto [ec, n] = co_await http::async_read_some(conn->stream, conn->buffer, *parser, nothrow);
        const auto got = want - body.size;
        out.resize(before + got);
        if (ec == http::error::need_buffer) ec = {};
        if (ec) {
            release(false);
            if (ec == beast::error::timeout) Deadlines::fail(limit, "reading the body of " + url.str());
            if (ec == http::error::partial_message || ec == http::error::end_of_stream || ec == asio::error::eof ||
                ec == asio::error::connection_reset)
                throw ServerDisconnectedError("the server closed the connection before the body of " + url.str() +
                                              " ended");
            throw ClientPayloadError("reading the body of " + url.str() + " failed: " + ec.message());
        }
        if (parser->is_done()) release(true);
        got_data = got > 0;
    }
    co_return got_data;
}

}  // namespace detail

ClientResponse::ClientResponse() = default;
ClientResponse::~ClientResponse() = default;
ClientResponse::ClientResponse(ClientResponse&&) noexcept = default;
ClientResponse& ClientResponse::operator=(ClientResponse&&) noexcept = default;

int ClientResponse::status() const noexcept { return state_ ? state_->status : 0; }
const std::string& ClientResponse::reason() const noexcept { return state_->reason; }
const std::string& ClientResponse::method() const noexcept { return state_->method; }
const URL& ClientResponse::url() const noexcept { return state_->url; }
const CIMultiDict& ClientResponse::headers() const noexcept { return state_->headers; }
const std::vector<ClientResponse>& ClientResponse::history() const noexcept { return state_->history; }

MultiDict ClientResponse::cookies() const {
    MultiDict out;
    for (auto value : state_->headers.getall("Set-Cookie"))
        if (auto c = CookieJar::parse_set_cookie(value, state_->url)) out.add(c->name, c->value);
    return out;
}

std::optional<std::uint64_t> ClientResponse::content_length() const {
    auto v = state_->headers.get("Content-Length");
    if (!v) return std::nullopt;
    try {
        return std::stoull(std::string(*v));
    } catch (...) {
        return std::nullopt;
    }
}

std::string ClientResponse::content_type() const {
    auto v = state_->headers.get("Content-Type");
    return v ? detail::media_type(*v) : std::string();
}

std::optional<std::string> ClientResponse::charset() const {
    auto v = state_->headers.get("Content-Type");
    return v ? detail::header_param(*v, "charset") : std::nullopt;
}

awaitable<std::string> ClientResponse::read() {
    auto& s = *state_;
    if (!s.body) {
        const auto max = s.core->options.max_response_size;
        auto too_large = [&] {
            s.release(false);
            return ClientPayloadError("the body of " + s.url.str() + " is larger than " + std::to_string(max) +
                                      " bytes (max_response_size)");
        };
        if (auto n = content_length(); n && *n > max) throw too_large();
        std::string body;
        if (auto n = content_length()) body.reserve(std::size_t(*n));
        for (;;) {
            const bool more = co_await s.read_some(body, 64 << 10);  // (named: GCC 12, see notes)
            if (!more) break;
            if (body.size() > max) throw too_large();
        }
        s.body = std::move(body);
    }
    co_return *s.body;
}

awaitable<std::string> ClientResponse::text() {
    auto body = co_await read();
    co_return to_utf8(std::move(body), charset().value_or("utf-8"));
}

awaitable<nlohmann::json> ClientResponse::json() {
    auto body = co_await text();
    nlohmann::json value;
    try {
        value = nlohmann::json::parse(body);
    } catch (const nlohmann::json::parse_error& e) {
        throw ClientPayloadError("the body of " + state_->url.str() + " is not JSON: " + e.what());
    }
    co_return value;
}

awaitable<std::string> ClientResponse::read_chunk(std::size_t max) {
    std::string chunk;
    co_await state_->read_some(chunk, std::max<std::size_t>(max, 1));
    co_return chunk;
}

void ClientResponse::raise_for_status() const {
    if (status() >= 400) throw ClientResponseError(status(), reason(), url().str());
}

void ClientResponse::release() {
    if (state_) state_->release(state_->parser && state_->parser->is_done());
}

}  // namespace asiohttp
