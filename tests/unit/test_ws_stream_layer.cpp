// The layer under the server's WebSocket stream, over Beast's test stream
// that writes 7 bytes at a time: the connection's own frames and Beast's
// (pongs, closes) each go out whole, one after the other, whichever starts first.
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

#include "test_support.hpp"
#include "websocket/frame_header.hpp"
#include "websocket/ws_stream_layer.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asiohttp::detail::FrameHeader;
using Layer = asiohttp::detail::WsStreamLayer<beast::test::stream>;

std::string frame(unsigned char opcode, const std::string& payload) {
    return std::string(FrameHeader(opcode, false, payload.size()).bytes()) + payload;
}

struct WsStreamLayerTest : ::testing::Test {
    asio::io_context ioc;
    beast::test::stream client{ioc};
    std::unique_ptr<Layer> layer;
    const std::string first = frame(FrameHeader::kText, std::string(300, 'a'));
    const std::string second = frame(FrameHeader::kBinary, std::string(70000, 'b'));
    const std::string pong = frame(0xA, "pong pong pong pong ");  // four writes
    const std::string close = frame(0x8, std::string("\x03\xe8", 2));

    void SetUp() override {
        beast::test::stream server(ioc);
        server.connect(client);
        server.write_size(7);  // every frame takes many writes
        layer = std::make_unique<Layer>(std::move(server));
        layer->frames_out();
    }
    // Ours: both frames in one gather write.
    void write_ours(beast::error_code& result) {
        std::array<asio::const_buffer, 2> buffers{asio::buffer(first), asio::buffer(second)};
        layer->async_write_frames(buffers, [&, buffers](beast::error_code ec, std::size_t) { result = ec; });
    }
    // Beast's, as Beast writes a frame: asio::async_write over the layer.
    void write_beasts(const std::string& bytes, beast::error_code& result) {
        asio::async_write(*layer, asio::buffer(bytes), [&](beast::error_code ec, std::size_t) { result = ec; });
    }
    std::string written() { return std::string(client.str()); }
    // Runs one handler: the first write is then under way.
    void start() {
        ioc.run_one();
        ioc.restart();  // run_one() stops the io_context if that left it without work
    }
};

TEST_F(WsStreamLayerTest, BeastsFrameWaitsForOursInFlight) {
    beast::error_code ours = asio::error::would_block, beasts = asio::error::would_block;
    write_ours(ours);
    start();  // ours are under way
    write_beasts(pong, beasts);
    ioc.run();
    EXPECT_FALSE(ours) << ours.message();
    EXPECT_FALSE(beasts);
    EXPECT_TRUE(written() == first + second + pong) << written().size() << " bytes: " << written().substr(0, 40);
}

TEST_F(WsStreamLayerTest, OursWaitForBeastsFrameInFlight) {
    beast::error_code ours = asio::error::would_block, beasts = asio::error::would_block;
    write_beasts(pong, beasts);
    start();  // Beast's pong is under way
    write_ours(ours);
    ioc.run();
    EXPECT_FALSE(ours) << ours.message();
    EXPECT_FALSE(beasts);
    EXPECT_TRUE(written() == pong + first + second) << written().size() << " bytes: " << written().substr(0, 40);
}

TEST_F(WsStreamLayerTest, NothingOfOursFollowsBeastsClose) {
    beast::error_code ours = asio::error::would_block, beasts = asio::error::would_block;
    write_beasts(close, beasts);
    start();
    write_ours(ours);
    ioc.run();
    EXPECT_FALSE(beasts);
    EXPECT_EQ(ours, beast::websocket::error::closed) << ours.message();
    EXPECT_EQ(written(), close);
}

}  // namespace
