// A Beast parser that fills a RequestHead: the field block is copied once into one
// reusable string, so a keep-alive connection parses without allocating. Chunk
// extensions and trailer fields are read past, not kept; together they count
// against the header limit.
#pragma once

#include <boost/beast/http/basic_parser.hpp>

#include "asiohttp/detail/request_head.hpp"

namespace asiohttp::detail {

class RequestParser final : public boost::beast::http::basic_parser<true> {
public:
    struct FieldPos {
        std::uint32_t name, name_len, value, value_len;
    };

    RequestParser(RequestHead& head, std::vector<FieldPos>& positions) : head_(head), pos_(positions) {
        head_.clear();
        pos_.clear();
    }
    // How many bytes of chunk extensions and trailer fields a body may carry.
    void extra_limit(std::size_t n) noexcept { extra_limit_ = n; }
    // Where body bytes go: the head's body, or a streaming reader's piece.
    void sink(std::string& into) noexcept { sink_ = &into; }
    void sink_to_head() noexcept { sink_ = &head_.body; }
    // Body bytes parsed so far.
    std::uint64_t body_bytes() const noexcept { return body_bytes_; }

private:
    using string_view = boost::beast::string_view;
    using error_code = boost::beast::error_code;

    void on_request_impl(boost::beast::http::verb, string_view method, string_view target, int version,
                         error_code&) override {
        head_.method.assign(method.data(), method.size());
        head_.target.assign(target.data(), target.size());
        head_.version = unsigned(version);
    }
    void on_response_impl(int, string_view, int, error_code&) override {}
    void on_field_impl(boost::beast::http::field f, string_view name, string_view value, error_code& ec) override {
        if (is_header_done()) {  // a trailer: the views into `fields` must not move
            count_extra(name.size() + value.size() + 4, ec);
            return;
        }
        auto& s = head_.fields;
        pos_.push_back({std::uint32_t(s.size()), std::uint32_t(name.size()), std::uint32_t(s.size() + name.size()),
                        std::uint32_t(value.size())});
        s.append(name.data(), name.size()).append(value.data(), value.size());
        if (f == boost::beast::http::field::expect && asiohttp::iequals({value.data(), value.size()}, "100-continue"))
            head_.expect_continue = true;
    }
    void on_header_impl(error_code&) override {
        // Views are made only now: `fields` no longer grows.
        std::string_view s = head_.fields;
        head_.headers.reserve(pos_.size());
        for (auto& p : pos_) head_.headers.add(s.substr(p.name, p.name_len), s.substr(p.value, p.value_len));
        head_.keep_alive = keep_alive();
        head_.chunked = chunked();
        if (auto len = content_length()) head_.content_length = *len;
    }
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
    std::vector<FieldPos>& pos_;
    std::string* sink_ = &head_.body;
    std::uint64_t body_bytes_ = 0;
    std::size_t extra_ = 0;  // chunk extensions and trailers so far
    std::size_t extra_limit_ = 8 << 10;
};

}  // namespace asiohttp::detail
