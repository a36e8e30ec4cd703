// asiohttp::FormData: a multipart/form-data request body (aiohttp.FormData),
// its files read from disk as they are sent, never whole in memory.
//
//   asiohttp::FormData form;
//   form.add_field("title", "holiday");
//   form.add_file("photo", "/tmp/beach.jpg", "beach.jpg", "image/jpeg");
//   asiohttp::RequestOptions upload{.data = form};
//   auto r = co_await session.post(url, upload);
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "asiohttp/payload.hpp"

namespace asiohttp {

class FormData {
public:
    FormData();

    // A text field.
    FormData& add_field(std::string name, std::string value);
    // A file part from memory.
    FormData& add_field(std::string name, std::string content, std::string filename,
                        std::string content_type = "application/octet-stream");
    // A file part read from `path` when sent; filename defaults to the path's last part.
    FormData& add_file(std::string name, std::filesystem::path path, std::string filename = {},
                       std::string content_type = "application/octet-stream");

    const std::string& boundary() const noexcept { return boundary_; }
    // The whole body: its size is known, so it goes with a Content-Length.
    Payload payload() const;

private:
    struct Part {
        std::string name;
        std::optional<std::string> filename;
        std::string content_type;
        std::string content;                      // in memory, or
        std::optional<std::filesystem::path> path;  // read when sent
    };
    std::string boundary_;
    std::vector<Part> parts_;
};

}  // namespace asiohttp
