// Reading WebSocket messages, for the server's and the client's sockets alike:
// one whole message at a time, and how a failed read ended as a close code.
#pragma once

#include <array>
#include <optional>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "asiohttp/awaitable.hpp"
#include "asiohttp/ws_message.hpp"
#include "base/nothrow.hpp"

namespace asiohttp::detail {

template <class WebSocketStream>
int close_code_for(const boost::beast::error_code& ec, const WebSocketStream& ws) {
    namespace websocket = boost::beast::websocket;
    if (ec == websocket::error::closed) {
        auto code = ws.reason().code;
        return code == websocket::close_code::none ? 1005 : int(code);
    }
    if (ec == websocket::error::message_too_big) return 1009;
    if (ec == websocket::error::bad_frame_payload) return 1007;
    if (ec.category() == websocket::make_error_code(websocket::error::bad_opcode).category()) return 1002;
    return 1006;
}

// The next text or binary message, or nullopt once `socket` (the server's or
// the client's connection) is closed. socket.after_read(ec, close code) hears
// how each read ended; a failed one leaves the socket closed with that code. One coroutine frame: an
// idle socket waits here, so nothing else is kept while it does.
//
// Beast's whole-message read would first grow the message buffer to a TCP
// frame (1.5 KiB) and hold it while nothing comes; the first read goes into a
// small buffer in this frame instead, and only a message larger than that gets
// a string of its own and the rest read into it.
template <class WebSocketStream, class Socket>
awaitable<std::optional<WSMessage>> read_message(WebSocketStream& ws, Socket& socket) {
    std::optional<WSMessage> msg;
    if (socket.closed()) co_return msg;
    std::array<char, 128> first;
    auto [ec, n] = co_await ws.async_read_some(boost::asio::buffer(first), nothrow);
    std::string data(first.data(), n);
    if (!ec && !ws.is_message_done()) {
        auto buffer = boost::asio::dynamic_buffer(data);
        auto [rest_ec, rest] = co_await ws.async_read(buffer, nothrow);
        ec = rest_ec;
    }
    if (!ec) msg.emplace(ws.got_text() ? WSMsgType::text : WSMsgType::binary, std::move(data));
    socket.after_read(ec, ec ? close_code_for(ec, ws) : 0);
    co_return msg;
}

}  // namespace asiohttp::detail
