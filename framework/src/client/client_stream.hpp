// One client connection's byte stream: TCP, or TLS over it, chosen at run
// time. Beast's tcp_stream below gives every operation a deadline; the same
// type serves pooled HTTP connections and WebSockets (with its teardown).
#pragma once

#include <memory>

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

namespace asiohttp::detail {

class ClientStream {
public:
    using executor_type = boost::beast::tcp_stream::executor_type;
    using tls_stream = boost::asio::ssl::stream<boost::beast::tcp_stream&>;

    explicit ClientStream(executor_type ex) : tcp_(std::move(ex)) {}
    ClientStream(const ClientStream&) = delete;

    executor_type get_executor() noexcept { return tcp_.get_executor(); }
    boost::beast::tcp_stream& tcp() noexcept { return tcp_; }
    tls_stream* tls() noexcept { return tls_.get(); }
    tls_stream& start_tls(boost::asio::ssl::context& ctx) {
        tls_ = std::make_unique<tls_stream>(tcp_, ctx);
        return *tls_;
    }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        if (tls_) return tls_->async_read_some(buffers, std::forward<Token>(token));
        return tcp_.async_read_some(buffers, std::forward<Token>(token));
    }
    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        if (tls_) return tls_->async_write_some(buffers, std::forward<Token>(token));
        return tcp_.async_write_some(buffers, std::forward<Token>(token));
    }

    void close() {
        boost::beast::error_code ignored;
        tcp_.socket().close(ignored);
    }

    // For Beast, when a WebSocket operation fails or times out.
    friend void beast_close_socket(ClientStream& s) { s.close(); }

    // For WebSocket close: TLS shutdown first when there is TLS.
    template <class Handler>
    friend void async_teardown(boost::beast::role_type role, ClientStream& s, Handler&& handler) {
        if (s.tls_)
            boost::beast::async_teardown(role, *s.tls_, std::forward<Handler>(handler));
        else
            boost::beast::websocket::async_teardown(role, s.tcp_.socket(), std::forward<Handler>(handler));
    }
    friend void teardown(boost::beast::role_type role, ClientStream& s, boost::beast::error_code& ec) {
        if (s.tls_)
            boost::beast::teardown(role, *s.tls_, ec);
        else
            boost::beast::websocket::teardown(role, s.tcp_.socket(), ec);
    }

private:
    boost::beast::tcp_stream tcp_;
    std::unique_ptr<tls_stream> tls_;  // refers to tcp_: the stream never moves
};

}  // namespace asiohttp::detail
