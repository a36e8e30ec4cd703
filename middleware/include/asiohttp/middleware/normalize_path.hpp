// aiohttp's normalize_path_middleware: when a path does not match but a
// normalized one does (a slash added or removed, repeated slashes merged), the
// client is redirected there (308 keeps the method and the body).
//
//   app.add_middleware(asiohttp::middleware::normalize_path());
#pragma once

#include <asiohttp/handler.hpp>

namespace asiohttp::middleware {

struct NormalizePathOptions {
    bool append_slash = true;   // /users  -> /users/
    bool remove_slash = false;  // /users/ -> /users (not together with append_slash)
    bool merge_slashes = true;  // //a///b -> /a/b
    int redirect_status = 308;  // or 301
};

web::Middleware normalize_path(NormalizePathOptions options = {});

}  // namespace asiohttp::middleware
