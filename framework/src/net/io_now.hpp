// Socket I/O done at once, with one non-blocking system call and no Asio
// operation, as nginx reads and writes. On the hot path of a busy connection a
// response fits the socket's buffer and the next request has arrived by the
// time the loop comes back to it; an asynchronous operation would be queued,
// completed and resumed for nothing. Whatever is not done here (a full socket
// buffer, nothing to read yet, an error) is left to the caller's asynchronous
// operation, which waits or reports it. Over TLS nothing is done here.
//
// The calls go through syscall(2), not libc's send and recv: those are
// pthread cancellation points, and in a process with threads each call would
// switch asynchronous cancellation on and off around the system call. These
// never block (MSG_DONTWAIT) and the server cancels no thread. Under
// ThreadSanitizer they go through libc: its interceptors of socket calls are
// how it learns that a reply read on one thread follows what another thread
// did before sending it.
#pragma once

#include <array>
#include <cerrno>

#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>

#include "net/transport.hpp"

#if defined(__SANITIZE_THREAD__)
#define ASIOHTTP_SOCKET_CALLS_THROUGH_LIBC 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ASIOHTTP_SOCKET_CALLS_THROUGH_LIBC 1
#endif
#endif

namespace asiohttp::detail {

inline ssize_t sys_send(int fd, const void* data, std::size_t size, int flags) noexcept {
#ifdef ASIOHTTP_SOCKET_CALLS_THROUGH_LIBC
    return ::send(fd, data, size, flags);
#else
    return ::syscall(SYS_sendto, fd, data, size, flags, nullptr, 0);
#endif
}

inline ssize_t sys_sendmsg(int fd, const msghdr* msg, int flags) noexcept {
#ifdef ASIOHTTP_SOCKET_CALLS_THROUGH_LIBC
    return ::sendmsg(fd, msg, flags);
#else
    return ::syscall(SYS_sendmsg, fd, msg, flags);
#endif
}

inline ssize_t sys_recv(int fd, void* into, std::size_t size, int flags) noexcept {
#ifdef ASIOHTTP_SOCKET_CALLS_THROUGH_LIBC
    return ::recv(fd, into, size, flags);
#else
    return ::syscall(SYS_recvfrom, fd, into, size, flags, nullptr, nullptr);
#endif
}

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
    do sent = count == 1 ? sys_send(fd, iov[0].iov_base, iov[0].iov_len, flags) : sys_sendmsg(fd, &msg, flags);
    while (sent < 0 && errno == EINTR);
    if (sent < 0) return false;
    auto left = std::size_t(sent);
    for (auto& b : buffers) {
        const auto taken = std::min(left, b.size());
        b += taken;
        left -= taken;
    }
    return buffer_size(buffers) == 0;
}

// How many bytes arrived into `into`; 0 when none are there yet (or on EOF
// or an error, which the caller's asynchronous read then meets again).
template <class Stream>
std::size_t receive_now(Stream&, boost::asio::mutable_buffer) noexcept {
    return 0;
}

inline std::size_t receive_now(PlainStream& socket, boost::asio::mutable_buffer into) noexcept {
    ssize_t got;
    do got = sys_recv(socket.native_handle(), into.data(), into.size(), MSG_DONTWAIT);
    while (got < 0 && errno == EINTR);
    return got > 0 ? std::size_t(got) : 0;
}

}  // namespace asiohttp::detail
