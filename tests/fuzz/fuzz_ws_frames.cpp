// WebSocket frames as the server reads them: the close-code watch over bytes
// cut where the input says, then Beast's server-side frame reader (through
// the same watch) reading messages until the stream fails.
#include <fuzzer/FuzzedDataProvider.h>

#include <functional>

#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "websocket/ws_stream_layer.hpp"

namespace beast = boost::beast;
namespace websocket = beast::websocket;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const auto step = in.ConsumeIntegralInRange<std::size_t>(1, 64);
    const bool deflate = in.ConsumeBool();
    auto bytes = in.ConsumeRemainingBytesAsString();

    asiohttp::detail::CloseCodeWatch watch;  // alone, in the input's steps
    auto copy = bytes;
    for (std::size_t at = 0; at < copy.size(); at += step)
        watch.inspect(reinterpret_cast<unsigned char*>(copy.data() + at), std::min(step, copy.size() - at));

    boost::asio::io_context ioc;
    beast::test::stream client(ioc), server(ioc);
    client.connect(server);
    websocket::stream<asiohttp::detail::WsStreamLayer<beast::test::stream>> ws(std::move(server));
    ws.read_message_max(1 << 20);
    websocket::permessage_deflate pmd;
    pmd.server_enable = deflate;
    ws.set_option(pmd);
    auto& input = ws.next_layer().next_layer();  // what the server reads
    // The handshake a client would send, then the input as frames.
    input.append(std::string("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n") +
                  (deflate ? "Sec-WebSocket-Extensions: permessage-deflate\r\n" : "") + "\r\n");
    // The server's socket is asynchronous only, as in the server.
    beast::flat_buffer buffer;
    int reads = 0;
    std::function<void(beast::error_code, std::size_t)> on_read = [&](beast::error_code ec, std::size_t) {
        buffer.clear();
        if (!ec && ++reads < 64) ws.async_read(buffer, on_read);
    };
    ws.async_accept([&](beast::error_code ec) {
        if (ec) return;
        ws.next_layer().watch_frames();  // as the server does: only frames from here on
        ws.next_layer().frames_out();
        input.append(bytes);
        input.close_remote();  // then the client is gone: end of stream
        ws.async_read(buffer, on_read);
    });
    ioc.run();
    return 0;
}
