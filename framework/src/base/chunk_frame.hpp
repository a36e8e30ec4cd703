// One chunk of a chunked body (RFC 9112 §7.1) as the buffers to write: its
// size line, its data and its CRLF; and the last chunk that ends the body. The
// server's streamed responses and the client's streamed uploads both use it.
#pragma once

#include <array>
#include <charconv>
#include <string_view>

#include <boost/asio/buffer.hpp>

namespace asiohttp::detail {

inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

class ChunkFrame {
public:
    explicit ChunkFrame(std::string_view data) : data_(data) {
        auto [end, ec] = std::to_chars(line_.data(), line_.data() + 16, data.size(), 16);
        *end++ = '\r';
        *end++ = '\n';
        line_size_ = std::size_t(end - line_.data());
    }
    // Views into this frame and the data: keep both alive while they are written.
    std::array<boost::asio::const_buffer, 3> buffers() const {
        return {boost::asio::buffer(line_.data(), line_size_), boost::asio::buffer(data_),
                boost::asio::buffer("\r\n", 2)};
    }

private:
    std::array<char, 20> line_;
    std::size_t line_size_;
    std::string_view data_;
};

}  // namespace asiohttp::detail
