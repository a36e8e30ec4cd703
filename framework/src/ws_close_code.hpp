// How a failed WebSocket read ended, as the close code the application sees;
// one mapping for the server's and the client's sockets.
#pragma once

#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

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

}  // namespace asiohttp::detail
