// The handler behind Router::add_static.
#pragma once

#include <filesystem>

#include "asiohttp/request.hpp"
#include "asiohttp/response.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

// Serves `filename` (from the match info) under `root`, a canonical directory.
// Paths that leave the root (.., absolute paths, symlinks unless allowed) are a 404.
awaitable<Response> serve_static(Request& req, const std::filesystem::path& root, bool follow_symlinks,
                                 bool show_index);

// Resolves a request's relative file name under root, or nullopt if it escapes it.
std::optional<std::filesystem::path> resolve_under(const std::filesystem::path& root, std::string_view relative,
                                                   bool follow_symlinks);

}  // namespace asiohttp::detail
