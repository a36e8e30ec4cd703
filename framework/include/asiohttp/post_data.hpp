// web::PostData: a form body as Request::post() returns it, urlencoded or
// multipart/form-data. File parts are spooled to a temporary directory as they
// arrive, never held in memory; a file is removed with the last PostData that
// refers to it, unless saved elsewhere first.
//
//   web::PostOptions options{.max_file_size = 512 << 20};
//   auto form = co_await req.post(options);
//   auto title = form.get("title", "untitled");
//   if (auto* f = form.file("upload")) f->file->save_as(uploads / safe_name(f->filename));
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asiohttp/multidict.hpp"

namespace asiohttp::web {

// A file on disk that is removed when the last owner lets go, unless saved.
class SpooledFile {
public:
    explicit SpooledFile(std::filesystem::path path) : path_(std::move(path)) {}
    ~SpooledFile();
    SpooledFile(const SpooledFile&) = delete;
    SpooledFile& operator=(const SpooledFile&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }
    // Moves the file to `to` (a rename, or a copy across filesystems); it is then kept.
    void save_as(const std::filesystem::path& to);
    // The whole content, into memory (for small files).
    std::string read() const;

private:
    std::filesystem::path path_;
    bool kept_ = false;
};

// One uploaded file of a multipart/form-data body.
struct FileField {
    std::string name;
    std::string filename;      // as the client named it: never trust it as a path
    std::string content_type;
    std::uint64_t size = 0;
    std::shared_ptr<SpooledFile> file;
};

// A parsed form body: urlencoded or multipart/form-data.
struct PostData {
    MultiDict fields;              // text fields, in order
    std::vector<FileField> files;  // file parts, in order

    std::optional<std::string_view> get(std::string_view name) const noexcept { return fields.get(name); }
    std::string_view get(std::string_view name, std::string_view fallback) const noexcept {
        return fields.get(name, fallback);
    }
    const FileField* file(std::string_view name) const noexcept;
};

// What Request::post() accepts; the body as a whole stays within client_max_size.
struct PostOptions {
    std::size_t max_field_size = 1 << 20;      // one text field, in memory: 413 beyond
    std::uint64_t max_file_size = UINT64_MAX;  // one file part, on disk: 413 beyond
    std::size_t max_parts = 1000;              // fields and files together: 413 beyond
    std::filesystem::path upload_dir;          // where files are spooled (empty: the system's temp directory)
};

}  // namespace asiohttp::web
