// web::Response, web::StreamResponse and web::json_response, as in aiohttp.web.
//
//   co_return web::Response::text("Hello");
//   co_return web::json_response({{"message", "Hello"}});
//
//   web::StreamResponse resp;              // streamed, chunked unless a length is set
//   co_await resp.prepare(req);
//   co_await resp.write("part 1");
//   co_await resp.write_eof();
//   co_return resp;
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "asiohttp/awaitable.hpp"
#include "asiohttp/cookies.hpp"
#include "asiohttp/detail/heap_optional.hpp"
#include "asiohttp/multidict.hpp"

namespace asiohttp::web {

class Request;
class Response;
struct CompressionOptions;

}  // namespace asiohttp::web

namespace asiohttp::detail {
class Encoder;
class Exchange;
class ResponseAccess;

// A body produced when the response is sent rather than when it is built
// (files: the answer depends on Range and If-None-Match of the request).
class DeferredBody {
public:
    virtual ~DeferredBody() = default;
    virtual awaitable<void> send(web::Request& req, web::Response& resp) = 0;
};

// Content types a response often has that std::string would allocate for
// (16 bytes and up); a response names them by their place here, 1-based.
inline constexpr std::string_view kCommonContentTypes[] = {
    "application/json", "application/octet-stream", "application/javascript", "application/x-www-form-urlencoded"};
}  // namespace asiohttp::detail

namespace asiohttp::web {

// The standard reason phrase for a status code ("Not Found"), or "" if unknown.
std::string_view reason_phrase(int status) noexcept;

class Response {
public:
    explicit Response(int status = 200);

    // text/plain; charset=utf-8 (or another text type).
    static Response text(std::string text, int status = 200, std::string_view content_type = "text/plain");
    static Response html(std::string html, int status = 200);
    // Raw bytes with the given content type.
    static Response bytes(std::string body, std::string_view content_type = "application/octet-stream",
                          int status = 200);

    int status() const noexcept { return status_; }
    std::string_view reason() const noexcept;
    void set_status(int status, std::string reason = {});

    CIMultiDict& headers() noexcept { return headers_; }
    const CIMultiDict& headers() const noexcept { return headers_; }

    const std::string& body() const noexcept { return body_; }
    std::string& body() noexcept { return body_; }
    void set_body(std::string body) { body_ = std::move(body); }
    // Sets the body and marks it utf-8 text.
    void set_text(std::string text);

    std::string_view content_type() const noexcept {
        return common_type_ ? detail::kCommonContentTypes[common_type_ - 1] : std::string_view(content_type_);
    }
    void set_content_type(std::string_view type);
    std::string_view charset() const noexcept { return charset_; }
    void set_charset(std::string_view charset) { charset_ = charset; }

    // Explicit length for a streamed body (otherwise it is chunked).
    std::optional<std::uint64_t> content_length() const noexcept { return content_length_; }
    void set_content_length(std::uint64_t n) noexcept { content_length_ = n; }

    void set_cookie(std::string_view name, std::string_view value, const CookieOptions& options = {});
    void del_cookie(std::string_view name, std::string_view domain = {}, std::string_view path = "/");
    // The Set-Cookie values, one per cookie name.
    const std::vector<std::pair<std::string, std::string>>& cookies() const noexcept;

    // Send the body compressed in the best coding the client accepts, if its
    // type and size are worth it (asiohttp/compression.hpp), with the default
    // options or with `options`, which must outlive the response (a static, or
    // what the application keeps). A streamed response must ask before prepare().
    void enable_compression();
    void enable_compression(const CompressionOptions& options) noexcept { compression_ = &options; }
    const CompressionOptions* compression() const noexcept { return compression_; }

    // Close the connection after this response.
    void force_close() noexcept { force_close_ = true; }
    bool will_close() const noexcept { return force_close_; }

    // True once the status line and headers went out (streamed responses).
    bool prepared() const noexcept { return exchange_ != nullptr; }

protected:
    void set_deferred_body(std::shared_ptr<detail::DeferredBody> body) { rare_.make().deferred = std::move(body); }

    awaitable<void> prepare_stream(Request& req, bool hold_head = false);
    awaitable<void> write_stream(std::string_view data);
    awaitable<void> write_eof_stream(std::string_view data);
    awaitable<bool> send_file_stream(int fd, std::uint64_t offset, std::uint64_t length);

private:
    friend class detail::ResponseAccess;
    // Fills the members in place: cheaper than assigning them afterwards.
    Response(int status, std::string body, std::string_view content_type, std::string_view charset);

    int status_;
    bool force_close_ = false;
    bool eof_sent_ = false;
    // A common type ("application/json") is not copied: common_type_ is its
    // place in kCommonContentTypes (0: none), and content_type_ stays empty.
    std::uint8_t common_type_ = 0;
    std::string content_type_;
    std::string charset_;
    std::string body_;
    CIMultiDict headers_;
    std::optional<std::uint64_t> content_length_;
    const CompressionOptions* compression_ = nullptr;
    detail::Exchange* exchange_ = nullptr;  // set by prepare(); the connection outlives the handler
    // What few responses carry, out of line: a response stays small, and so
    // does every coroutine frame holding one (a handler's, a middleware's).
    struct Rare {
        std::string reason;
        std::vector<std::pair<std::string, std::string>> cookies;
        std::shared_ptr<detail::DeferredBody> deferred;
        std::shared_ptr<detail::Encoder> encoder;  // a streamed body being compressed
    };
    detail::HeapOptional<Rare> rare_;
    detail::Encoder* encoder() const noexcept { return rare_.get() ? rare_.get()->encoder.get() : nullptr; }
};

// A response whose body is written piece by piece while the handler runs.
// It adds no data to Response, so returning it as a Response is safe.
class StreamResponse : public Response {
public:
    using Response::Response;
    // Sends the status line and headers.
    awaitable<void> prepare(Request& req) { return prepare_stream(req); }
    awaitable<void> write(std::string_view data) { return write_stream(data); }
    awaitable<void> write_eof(std::string_view data = {}) { return write_eof_stream(data); }
};

// application/json body; `dumps` is nlohmann's compact form.
Response json_response(const nlohmann::json& data, int status = 200);

}  // namespace asiohttp::web
