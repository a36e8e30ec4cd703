// A pass-through layer under the server's Beast websocket stream that watches
// the frames a client sends for close codes RFC 6455 §7.4 does not allow but Beast lets
// through (5000 and above: Beast would echo them back). It turns such a code,
// in place, into one Beast refuses, so Beast answers with 1002 as it does for
// every other invalid code.
#pragma once

#include <array>
#include <cstdint>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/teardown.hpp>

namespace asiohttp::detail {

// Follows frame boundaries in the bytes read and rewrites bad close codes.
class CloseCodeWatch {
public:
    void inspect(unsigned char* p, std::size_t n) {
        while (n > 0) {
            if (payload_left_ > 0) {
                const auto take = std::size_t(std::min<std::uint64_t>(payload_left_, n));
                if (close_ && position_ < 2) watch_code(p, take);
                p += take;
                n -= take;
                payload_left_ -= take;
                position_ += take;
                continue;
            }
            header_[have_++] = *p++;
            --n;
            if (have_ < 2) continue;
            const std::size_t length7 = header_[1] & 0x7f;
            const std::size_t extended = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
            const bool masked = header_[1] & 0x80;
            if (have_ < 2 + extended + (masked ? 4 : 0)) continue;
            std::uint64_t length = length7;
            if (extended) {
                length = 0;
                for (std::size_t i = 0; i < extended; ++i) length = (length << 8) | header_[2 + i];
            }
            mask_ = {};
            if (masked)
                for (std::size_t i = 0; i < 4; ++i) mask_[i] = header_[2 + extended + i];
            close_ = (header_[0] & 0x0f) == 0x8;
            payload_left_ = length;
            position_ = 0;
            have_ = 0;
        }
    }

private:
    // The code is the close payload's first two bytes (masked, from a client).
    void watch_code(unsigned char* p, std::size_t n) {
        if (position_ == 0) {
            const unsigned high = p[0] ^ mask_[0];
            if (n >= 2) {
                const unsigned code = (high << 8) | unsigned(p[1] ^ mask_[1]);
                if (code >= 5000) p[0] = mask_[0];  // high byte 0: below 1000, refused
            } else if (high >= 0x13) {
                p[0] = mask_[0];  // its low byte comes later: refuse what may be 5000 or more
            }
        }
    }

    std::array<unsigned char, 14> header_{};
    std::size_t have_ = 0;            // header bytes gathered
    std::array<unsigned char, 4> mask_{};
    bool close_ = false;              // the current frame is a close frame
    std::uint64_t payload_left_ = 0;  // of the current frame
    std::uint64_t position_ = 0;      // in the current frame's payload
};

template <class Next>
class CloseCodeGuard {
public:
    using executor_type = typename Next::executor_type;
    using next_layer_type = Next;

    explicit CloseCodeGuard(Next&& next) : next_(std::move(next)) {}

    // From now on every byte read is a frame's. The server's handshake reads
    // nothing through this layer (the request was read already); a client's
    // would, and frames arriving with its 101 would then go unseen, so the
    // client does without.
    void watch_frames() noexcept { watching_ = true; }

    executor_type get_executor() noexcept { return next_.get_executor(); }
    Next& next_layer() noexcept { return next_; }
    const Next& next_layer() const noexcept { return next_; }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return boost::asio::async_compose<Token, void(boost::beast::error_code, std::size_t)>(
            [this, buffers, started = false](auto& self, boost::beast::error_code ec = {}, std::size_t n = 0) mutable {
                if (!started) {
                    started = true;
                    next_.async_read_some(buffers, std::move(self));
                    return;
                }
                std::size_t left = watching_ ? n : 0;
                for (auto it = boost::asio::buffer_sequence_begin(buffers);
                     left > 0 && it != boost::asio::buffer_sequence_end(buffers); ++it) {
                    const boost::asio::mutable_buffer b = *it;
                    const auto here = std::min(left, b.size());
                    watch_.inspect(static_cast<unsigned char*>(b.data()), here);
                    left -= here;
                }
                self.complete(ec, n);
            },
            token, next_);
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return next_.async_write_some(buffers, std::forward<Token>(token));
    }

private:
    Next next_;
    CloseCodeWatch watch_;
    bool watching_ = false;
};

// Closing the WebSocket tears down the layer below, as Beast would without us.
template <class Next>
void teardown(boost::beast::role_type role, CloseCodeGuard<Next>& s, boost::beast::error_code& ec) {
    using boost::beast::websocket::teardown;
    teardown(role, s.next_layer(), ec);
}

template <class Next, class Handler>
void async_teardown(boost::beast::role_type role, CloseCodeGuard<Next>& s, Handler&& handler) {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, s.next_layer(), std::forward<Handler>(handler));
}

}  // namespace asiohttp::detail
