// Reading a file's bytes without blocking an I/O thread on the disk: what the
// page cache holds is read at once (preadv2 with RWF_NOWAIT), the rest on the
// blocking pool.
#pragma once

#include <cstdint>
#include <cstddef>

#include "asiohttp/awaitable.hpp"

namespace asiohttp::detail {

// Reads exactly n bytes at `offset`; false if the file ended first.
awaitable<bool> read_file_at(int fd, char* out, std::size_t n, std::uint64_t offset);
// Brings [offset, offset + n) into the page cache unless it looks there
// already (its first and last bytes are), so that sendfile(2) will not wait on the disk.
awaitable<void> cache_file_range(int fd, std::uint64_t offset, std::uint64_t n);

}  // namespace asiohttp::detail
