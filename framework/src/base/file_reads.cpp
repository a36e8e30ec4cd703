#include "base/file_reads.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "base/blocking.hpp"

namespace asiohttp::detail {

namespace {

// File systems that cannot say what is cached (EOPNOTSUPP) are read directly,
// as servers that never ask do: a hop per read would cost more than it saves.
std::atomic<bool> cache_unknown{false};

// Reads what the page cache has, up to n bytes; -1 with errno on failure
// (EAGAIN: the next byte is not cached).
ssize_t read_cached(int fd, char* out, std::size_t n, std::uint64_t offset) {
    iovec iov{out, n};
    const auto got = ::preadv2(fd, &iov, 1, off_t(offset), RWF_NOWAIT);
    if (got < 0 && errno == EOPNOTSUPP) cache_unknown = true;
    return got;
}

bool read_blocking(int fd, char* out, std::size_t n, std::uint64_t offset) {
    while (n > 0) {
        const auto got = ::pread(fd, out, n, off_t(offset));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return false;
        out += got;
        n -= std::size_t(got);
        offset += std::uint64_t(got);
    }
    return true;
}

bool is_cached(int fd, std::uint64_t offset) {
    char byte;
    return cache_unknown || read_cached(fd, &byte, 1, offset) == 1;
}

}  // namespace

awaitable<bool> read_file_at(int fd, char* out, std::size_t n, std::uint64_t offset) {
    while (n > 0 && !cache_unknown) {
        const auto got = read_cached(fd, out, n, offset);
        if (got <= 0) break;  // not cached (or a file system without RWF_NOWAIT): the pool reads the rest
        out += got;
        n -= std::size_t(got);
        offset += std::uint64_t(got);
    }
    bool ok = true;
    if (n > 0 && cache_unknown) ok = read_blocking(fd, out, n, offset);
    else if (n > 0) co_await run_blocking([&] { ok = read_blocking(fd, out, n, offset); });
    co_return ok;
}

awaitable<void> cache_file_range(int fd, std::uint64_t offset, std::uint64_t n) {
    if (n == 0 || (is_cached(fd, offset) && is_cached(fd, offset + n - 1))) co_return;
    // readahead(2) returns once the pages are read.
    co_await run_blocking([&] { ::readahead(fd, off64_t(offset), std::size_t(n)); });
}

}  // namespace asiohttp::detail
