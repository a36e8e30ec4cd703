// Handing FileResponse a file already open (add_static opens it relative to its
// directory): it is sent as it is, not opened again by path.
#pragma once

#include <sys/stat.h>

#include "asiohttp/file_response.hpp"

namespace asiohttp::detail {

// `resp` (a FileResponse) takes over `fd`, the file at its path, with its status.
void send_open_file(web::FileResponse& resp, int fd, const struct stat& st);

}  // namespace asiohttp::detail
