// The byte streams a connection can run over, chosen when it is accepted: plain
// TCP or TLS over it. The HTTP and WebSocket layers are templates over the
// stream type (as in Beast's advanced_server_flex); AnyStream is how a stream
// changes hands between them.
#pragma once

#include <variant>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/core/stream_traits.hpp>

#include "net/connection.hpp"

namespace asiohttp::detail {

using PlainStream = boost::asio::ip::tcp::socket;
// Beast's wrapper of Asio's ssl::stream: it coalesces a buffer sequence (a
// response's head and body) into one TLS record and one write, where Asio's
// would write each buffer as its own record and syscall.
using TlsStream = boost::beast::ssl_stream<PlainStream>;
using AnyStream = std::variant<PlainStream, TlsStream>;

// What a protocol upgrade (WebSocket) takes over from the HTTP connection: the
// stream, whichever it is, and the registry the new connection joins.
struct TakenOver {
    AnyStream stream;
    ConnectionRegistry& registry;
};

// Whether requests over this stream are https:// (Request::secure()).
template <class Stream>
inline constexpr bool is_secure_stream = false;
template <>
inline constexpr bool is_secure_stream<TlsStream> = true;

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

// No more bytes from us (the peer reads EOF); reading goes on. Over TLS this
// ends the TCP stream without a close_notify: every response we send is
// delimited by its framing, so a peer loses nothing (Beast's advice too).
template <class Stream>
void shutdown_send(Stream& stream) noexcept {
    boost::system::error_code ignored;
    socket_of(stream).shutdown(boost::asio::socket_base::shutdown_send, ignored);
}

}  // namespace asiohttp::detail
