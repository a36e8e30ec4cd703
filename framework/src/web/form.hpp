// multipart/form-data bodies as PostData (urlencoded ones are base/url_codec's).
#pragma once

#include "asiohttp/request.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

// Reads every part: text fields into memory, file parts spooled to
// options.upload_dir as they arrive. 413 past a limit, 400 when malformed.
awaitable<void> read_form(MultipartReader& reader, const PostOptions& options, PostData& out);

}  // namespace asiohttp::detail
