// The handler behind Router::add_static.
#pragma once

#include <filesystem>

#include "asiohttp/request.hpp"
#include "asiohttp/response.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

// The directory behind Router::add_static, held open: a request's file is
// opened relative to it in one system call (openat2 with RESOLVE_BENEATH where
// symlinks must not lead out), and that open file is what is sent.
class StaticDirectory {
public:
    // `root`: a canonical directory.
    StaticDirectory(std::filesystem::path root, bool follow_symlinks, bool show_index);
    ~StaticDirectory();
    StaticDirectory(const StaticDirectory&) = delete;
    StaticDirectory& operator=(const StaticDirectory&) = delete;

    // Serves `filename` (from the match info). Paths that leave the root (..,
    // absolute paths, symlinks unless allowed) are a 404.
    awaitable<Response> serve(Request& req) const;

private:
    int open_under(std::string_view relative) const;
    Response index_of(Request& req, const std::filesystem::path& dir) const;

    std::filesystem::path root_;
    int fd_;
    bool follow_symlinks_, show_index_;
};

// Resolves a request's relative file name under root, or nullopt if it escapes it.
std::optional<std::filesystem::path> resolve_under(const std::filesystem::path& root, std::string_view relative,
                                                   bool follow_symlinks);

}  // namespace asiohttp::detail
