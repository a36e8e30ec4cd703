// web::FileResponse: sends a file, with the content type guessed from its
// extension, Range requests (206/416), and ETag/Last-Modified with
// If-None-Match/If-Modified-Since (304). A missing file is a 404.
#pragma once

#include <filesystem>

#include "asiohttp/response.hpp"

namespace asiohttp::web {

class FileResponse : public Response {
public:
    explicit FileResponse(std::filesystem::path path, std::size_t chunk_size = 256 << 10);
};

// The MIME type for a file name's extension ("application/octet-stream" if unknown).
std::string_view guess_content_type(const std::filesystem::path& path) noexcept;

}  // namespace asiohttp::web
