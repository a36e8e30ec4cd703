// A published message, framed once for all of its recipients. The plain frame
// is built with the message. A socket that negotiated permessage-deflate gets
// the message deflated on its own (so no context is shared with the socket's
// other messages): done on first use, once per window size, since a frame
// deflated with a window of 2^n bytes is readable by every reader whose window
// is at least that (RFC 7692 §7.1.2.1).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asiohttp::detail {

class SharedFrame {
public:
    SharedFrame(bool binary, std::string_view payload);

    bool binary() const noexcept { return binary_; }
    std::string_view payload() const noexcept { return std::string_view(plain_).substr(header_size_); }
    // The frame's bytes, header included, for a socket whose negotiated
    // server_max_window_bits is `deflate_bits` (0: no permessage-deflate).
    // Thread-safe: recipients on every thread ask.
    std::string_view frame(int deflate_bits) const;

private:
    bool binary_;
    std::size_t header_size_;
    std::string plain_;  // header and payload
    mutable std::mutex mutex_;
    // Per window size: the deflated frame, or empty where deflating did not make it smaller.
    mutable std::vector<std::pair<int, std::string>> deflated_;
};

}  // namespace asiohttp::detail
