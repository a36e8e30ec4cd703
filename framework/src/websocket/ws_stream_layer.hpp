// The layer under the server's Beast websocket stream.
//
// Reading, it watches the client's close codes (CloseCodeWatch).
// Writing, it lets the connection write whole frames of its own, several in one
// gather write, beside the frames Beast still writes (pongs, closes, pings, and
// the messages it compresses with its own context). Frames never interleave:
// ours wait while Beast is inside a frame, and Beast's wait while ours are
// being written. After Beast's close frame, ours fail with
// websocket::error::closed, as Beast's own writes would.
#pragma once

#include <utility>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include "websocket/close_code_watch.hpp"
#include "websocket/frame_cursor.hpp"

namespace asiohttp::detail {

template <class Next>
class WsStreamLayer {
public:
    using executor_type = typename Next::executor_type;
    using next_layer_type = Next;

    explicit WsStreamLayer(Next&& next) : next_(std::move(next)) {}

    // From now on every byte read is a frame's. The server's handshake reads
    // nothing through this layer (the request was read already); a client's
    // would, and frames arriving with its 101 would then go unseen, so the
    // client does without.
    void watch_frames() noexcept { watching_ = true; }
    // From now on every byte Beast writes is a frame's: call once the 101 is out.
    void frames_out() noexcept { frames_out_ = true; }

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
                if (watching_)
                    for_each_byte_range(buffers, n, [this](unsigned char* p, std::size_t k) { watch_.inspect(p, k); });
                self.complete(ec, n);
            },
            token, next_);
    }

    // Beast's writes: parts of its frames.
    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return boost::asio::async_compose<Token, void(boost::beast::error_code, std::size_t)>(
            [this, buffers, step = Step::start](auto& self, boost::beast::error_code ec = {},
                                                std::size_t n = 0) mutable {
                switch (step) {
                    case Step::start:
                        step = Step::go;
                        if (own_writing_) {  // resumed when ours are out
                            park(std::move(self));
                            return;
                        }
                        [[fallthrough]];
                    case Step::go:
                        step = Step::done;
                        beast_writing_ = true;
                        next_.async_write_some(buffers, std::move(self));
                        return;
                    case Step::done:
                        beast_writing_ = false;
                        if (frames_out_)
                            for_each_byte_range(buffers, n, [this](unsigned char* p, std::size_t k) {
                                beast_frames_.advance(p, k);
                                if (beast_frames_.opcode() == 0x8) close_sent_ = true;
                            });
                        if (ec || beast_frames_.at_boundary()) resume_parked();
                        self.complete(ec, n);
                }
            },
            token, next_);
    }

    // Ours: whole frames, written completely (or the stream fails).
    template <class ConstBuffers, class Token>
    auto async_write_frames(const ConstBuffers& buffers, Token&& token) {
        return boost::asio::async_compose<Token, void(boost::beast::error_code, std::size_t)>(
            [this, buffers, step = Step::start](auto& self, boost::beast::error_code ec = {},
                                                std::size_t n = 0) mutable {
                switch (step) {
                    case Step::start:
                        step = Step::go;
                        if (beast_writing_ || !beast_frames_.at_boundary()) {  // resumed when Beast's frame is out
                            park(std::move(self));
                            return;
                        }
                        [[fallthrough]];
                    case Step::go:
                        step = Step::done;
                        if (close_sent_) {
                            const boost::beast::error_code closed = boost::beast::websocket::error::closed;
                            boost::asio::post(next_.get_executor(), boost::asio::append(std::move(self), closed, 0));
                            return;
                        }
                        own_writing_ = true;
                        boost::asio::async_write(next_, buffers, std::move(self));
                        return;
                    case Step::done:
                        own_writing_ = false;
                        resume_parked();
                        self.complete(ec, n);
                }
            },
            token, next_);
    }

private:
    enum class Step : unsigned char { start, go, done };

    // Through swap: Asio 1.81's move assignment of any_completion_handler wraps
    // the handler in itself instead of moving it (recursing without end).
    template <class Self>
    void park(Self&& self) {
        Parked(std::forward<Self>(self)).swap(parked_);
    }
    void resume_parked() {
        if (!parked_) return;
        Parked resumed;
        resumed.swap(parked_);
        std::move(resumed)();
    }

    // Calls f(p, k) on the first n bytes of a buffer sequence, range by range.
    template <class Buffers, class F>
    static void for_each_byte_range(const Buffers& buffers, std::size_t n, F&& f) {
        for (auto it = boost::asio::buffer_sequence_begin(buffers);
             n > 0 && it != boost::asio::buffer_sequence_end(buffers); ++it) {
            const auto b = *it;
            const auto here = std::min(n, b.size());
            f(static_cast<unsigned char*>(const_cast<void*>(static_cast<const void*>(b.data()))), here);
            n -= here;
        }
    }

    Next next_;
    CloseCodeWatch watch_;
    bool watching_ = false;
    bool frames_out_ = false;
    bool beast_writing_ = false;  // a write of Beast's is in flight
    bool own_writing_ = false;    // ours are
    bool close_sent_ = false;     // Beast wrote a close frame: nothing may follow it
    FrameCursor beast_frames_;    // where Beast's written bytes stand
    // The side waiting for the other (never both: see the two write functions).
    using Parked = boost::asio::any_completion_handler<void()>;
    Parked parked_;
};

// Closing the WebSocket tears down the layer below, as Beast would without us.
template <class Next>
void teardown(boost::beast::role_type role, WsStreamLayer<Next>& s, boost::beast::error_code& ec) {
    using boost::beast::websocket::teardown;
    teardown(role, s.next_layer(), ec);
}

template <class Next, class Handler>
void async_teardown(boost::beast::role_type role, WsStreamLayer<Next>& s, Handler&& handler) {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, s.next_layer(), std::forward<Handler>(handler));
}

}  // namespace asiohttp::detail
