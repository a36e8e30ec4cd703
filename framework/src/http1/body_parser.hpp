// Beast's parser, for request bodies only: Content-Length and chunked framing,
// chunk extensions and trailers, the body limit. The head was parsed already
// (head_rules.hpp), and Beast reads a body only after a head, so `start` hands
// it one that says nothing but the framing found there. Body bytes go to the
// head's body or a streaming reader's piece; chunk extensions and trailer
// fields are read past, not kept, and together count against the header limit.
#pragma once

#include <array>
#include <charconv>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>

#include "asiohttp/detail/request_head.hpp"

namespace asiohttp::detail {

class BodyParser final : public boost::beast::http::basic_parser<true> {
public:
    explicit BodyParser(RequestHead& head) : head_(head) {}
    // How many bytes of chunk extensions and trailer fields a body may carry.
    void extra_limit(std::size_t n) noexcept { extra_limit_ = n; }
    // After the head: from here on only its body is read. An error is the
    // body limit (a Content-Length above it). A head without a body (most
    // requests) never reaches Beast: the parser is done already.
    void start(boost::beast::error_code& ec) {
        if (!head_.chunked && head_.content_length.value_or(0) == 0) {
            bodyless_ = true;
            return;
        }
        static constexpr std::string_view line = "POST / HTTP/1.1\r\n";
        static constexpr std::string_view chunked = "Transfer-Encoding: chunked\r\n\r\n";
        static constexpr std::string_view length = "Content-Length: ";
        std::array<char, line.size() + length.size() + 24> framing;
        auto* out = std::copy(line.begin(), line.end(), framing.data());
        if (head_.chunked) {
            out = std::copy(chunked.begin(), chunked.end(), out);
        } else {
            if (head_.content_length) {
                out = std::copy(length.begin(), length.end(), out);
                out = std::to_chars(out, framing.data() + framing.size() - 4, *head_.content_length).ptr;
                *out++ = '\r';
                *out++ = '\n';
            }
            *out++ = '\r';
            *out++ = '\n';
        }
        put(boost::asio::buffer(framing.data(), std::size_t(out - framing.data())), ec);
    }
    // Whether the whole body was read. Hides Beast's, which knows nothing of
    // a bodyless request.
    bool is_done() const noexcept { return bodyless_ || basic_parser::is_done(); }
    // Where body bytes go: the head's body, or a streaming reader's piece.
    void sink(std::string& into) noexcept { sink_ = &into; }
    void sink_to_head() noexcept { sink_ = &head_.body; }
    // Body bytes parsed so far.
    std::uint64_t body_bytes() const noexcept { return body_bytes_; }

private:
    using string_view = boost::beast::string_view;
    using error_code = boost::beast::error_code;

    void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
    void on_response_impl(int, string_view, int, error_code&) override {}
    void on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code& ec) override {
        if (is_header_done()) count_extra(name.size() + value.size() + 4, ec);  // a trailer
    }
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(boost::optional<std::uint64_t> const&, error_code&) override {}
    std::size_t on_body_impl(string_view body, error_code&) override { return take(body); }
    std::size_t take(string_view body) {
        sink_->append(body.data(), body.size());
        body_bytes_ += body.size();
        return body.size();
    }
    void on_chunk_header_impl(std::uint64_t, string_view extensions, error_code& ec) override {
        count_extra(extensions.size(), ec);
    }
    void count_extra(std::size_t n, error_code& ec) {
        extra_ += n;
        if (extra_ > extra_limit_) ec = boost::beast::http::error::header_limit;
    }
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override { return take(body); }
    void on_finish_impl(error_code&) override {}

    RequestHead& head_;
    std::string* sink_ = &head_.body;
    std::uint64_t body_bytes_ = 0;
    std::size_t extra_ = 0;  // chunk extensions and trailers so far
    std::size_t extra_limit_ = 8 << 10;
    bool bodyless_ = false;
};

}  // namespace asiohttp::detail
