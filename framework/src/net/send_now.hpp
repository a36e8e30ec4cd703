// Sends what a plain TCP socket takes at once, with one non-blocking sendmsg(2)
// and no asynchronous operation, as nginx writes: a response usually fits the
// socket's buffer, and then its connection goes on to read the next request in
// the same turn of the loop, without an operation queued, completed and
// resumed, and without other connections' work between the handler's
// coroutine frames and their reuse. What is left (a full socket buffer, an
// error) stays in `buffers` for the caller's asynchronous write, which waits
// or reports it. Over TLS nothing is sent here.
#pragma once

#include <array>
#include <cerrno>

#include <sys/socket.h>

#include <boost/asio/buffer.hpp>

#include "net/transport.hpp"

namespace asiohttp::detail {

// True when all of `buffers` went out; else they hold what did not.
template <class Stream, std::size_t N>
bool send_now(Stream&, std::array<boost::asio::const_buffer, N>&) noexcept {
    return false;
}

template <std::size_t N>
bool send_now(PlainStream& socket, std::array<boost::asio::const_buffer, N>& buffers) noexcept {
    std::array<iovec, N> iov;
    std::size_t count = 0;
    for (const auto& b : buffers)
        if (b.size() > 0) iov[count++] = {const_cast<void*>(b.data()), b.size()};
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = count;
    const int fd = socket.native_handle(), flags = MSG_DONTWAIT | MSG_NOSIGNAL;
    ssize_t sent;
    do sent = count == 1 ? ::send(fd, iov[0].iov_base, iov[0].iov_len, flags) : ::sendmsg(fd, &msg, flags);
    while (sent < 0 && errno == EINTR);
    if (sent < 0) return false;  // would block, or an error the asynchronous write reports
    auto left = std::size_t(sent);
    for (auto& b : buffers) {
        const auto taken = std::min(left, b.size());
        b += taken;
        left -= taken;
    }
    return buffer_size(buffers) == 0;
}

}  // namespace asiohttp::detail
