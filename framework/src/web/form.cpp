#include "web/form.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "asiohttp/http_exceptions.hpp"

namespace asiohttp::web {

const FileField* PostData::file(std::string_view name) const noexcept {
    for (auto& f : files)
        if (f.name == name) return &f;
    return nullptr;
}

SpooledFile::~SpooledFile() {
    if (kept_) return;
    std::error_code ec;
    std::filesystem::remove(path_, ec);
}

void SpooledFile::save_as(const std::filesystem::path& to) {
    std::error_code ec;
    std::filesystem::rename(path_, to, ec);
    if (ec == std::errc::cross_device_link) {
        std::filesystem::copy_file(path_, to, std::filesystem::copy_options::overwrite_existing);
        std::filesystem::remove(path_);
    } else if (ec) {
        throw std::filesystem::filesystem_error("cannot save the uploaded file", path_, to, ec);
    }
    path_ = to;
    kept_ = true;
}

std::string SpooledFile::read() const {
    std::ifstream in(path_, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read the uploaded file " + path_.string());
    std::ostringstream out;
    out << in.rdbuf();
    return std::move(out).str();
}

}  // namespace asiohttp::web

namespace asiohttp::detail {

namespace {

// A new file in `dir` for one upload, open for writing; removed unless kept.
class SpoolWriter {
public:
    explicit SpoolWriter(const std::filesystem::path& dir) {
        std::string pattern = (dir / "asiohttp-upload-XXXXXX").string();
        fd_ = ::mkstemp(pattern.data());
        if (fd_ < 0)
            throw std::system_error(errno, std::generic_category(), "cannot create an upload file in " + dir.string());
        file_ = std::make_shared<SpooledFile>(pattern);
    }
    ~SpoolWriter() {
        if (fd_ >= 0) ::close(fd_);
    }
    SpoolWriter(const SpoolWriter&) = delete;
    SpoolWriter& operator=(const SpoolWriter&) = delete;

    // A plain write: to the page cache, a few microseconds per piece.
    void write(std::string_view data) {
        while (!data.empty()) {
            const auto n = ::write(fd_, data.data(), data.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0)
                throw std::system_error(errno, std::generic_category(), "cannot write " + file_->path().string());
            data.remove_prefix(std::size_t(n));
        }
    }
    std::shared_ptr<SpooledFile> done() {
        ::close(std::exchange(fd_, -1));
        return file_;
    }

private:
    int fd_ = -1;
    std::shared_ptr<SpooledFile> file_;
};

[[noreturn]] void part_too_large(std::string_view what, std::string_view name, std::uint64_t limit) {
    throw HTTPRequestEntityTooLarge("413: Request Entity Too Large (the " + std::string(what) + " '" +
                                    std::string(name.substr(0, 100)) + "' passes " + std::to_string(limit) +
                                    " bytes)");
}

// Hands each piece of the part to `take`, refusing the part once it passes
// `limit` bytes (a 413 naming it).
template <class Take>
awaitable<void> read_part(BodyPartReader& part, std::uint64_t limit, std::string_view what, Take& take) {
    for (;;) {
        auto piece = co_await part.read_chunk();
        if (piece.empty()) co_return;
        if (part.size() > limit) part_too_large(what, part.name(), limit);
        take(piece);
    }
}

}  // namespace

awaitable<void> read_form(MultipartReader& reader, const PostOptions& options, PostData& out) {
    const auto dir = options.upload_dir.empty() ? std::filesystem::temp_directory_path() : options.upload_dir;
    for (;;) {
        BodyPartReader* part = co_await reader.next();
        if (!part) break;
        if (part->name().empty()) throw HTTPBadRequest("400: Bad Request (a multipart part without a name)");
        if (part->filename()) {
            SpoolWriter spool(dir);
            auto write = [&spool](std::string_view piece) { spool.write(piece); };
            co_await read_part(*part, options.max_file_size, "file", write);
            out.files.push_back({std::string(part->name()), *part->filename(), std::string(part->content_type()),
                                 part->size(), spool.done()});
        } else {
            std::string value;
            auto append = [&value](std::string_view piece) { value.append(piece); };
            co_await read_part(*part, options.max_field_size, "field", append);
            out.fields.add(part->name(), value);
        }
    }
}

}  // namespace asiohttp::detail
