// The byte streams a connection can run over, chosen when it is accepted. The
// HTTP and WebSocket layers are templates over the stream type (as in Beast's
// advanced_server_flex); AnyStream is how a stream changes hands between them.
// Plain TCP today; a TLS stream joins as a second alternative.
#pragma once

#include <variant>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/stream_traits.hpp>

namespace asiohttp::detail {

using PlainStream = boost::asio::ip::tcp::socket;
using AnyStream = std::variant<PlainStream>;

// Whether requests over this stream are https:// (Request::secure()).
template <class Stream>
inline constexpr bool is_secure_stream = false;

template <class Stream>
auto& socket_of(Stream& stream) noexcept {
    return boost::beast::get_lowest_layer(stream);
}

// Cancels pending operations: a blocked read or write completes with operation_aborted.
template <class Stream>
void cancel(Stream& stream) noexcept {
    boost::system::error_code ignored;
    socket_of(stream).cancel(ignored);
}

template <class Stream>
void close(Stream& stream) noexcept {
    boost::system::error_code ignored;
    socket_of(stream).close(ignored);
}

// No more bytes from us (the peer reads EOF); reading goes on.
template <class Stream>
void shutdown_send(Stream& stream) noexcept {
    boost::system::error_code ignored;
    socket_of(stream).shutdown(boost::asio::socket_base::shutdown_send, ignored);
}

}  // namespace asiohttp::detail
