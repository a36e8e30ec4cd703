#include "asiohttp/file_response.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "asiohttp/compression.hpp"
#include "asiohttp/http_exceptions.hpp"
#include "asiohttp/request.hpp"
#include "base/ascii.hpp"
#include "base/file_reads.hpp"
#include "base/header_values.hpp"
#include "web/byte_range.hpp"
#include "web/exchange.hpp"
#include "web/file_body.hpp"
#include "base/http_date.hpp"

namespace asiohttp::web {
namespace {

using detail::ByteRange;
using detail::parse_range;
using detail::RangeResult;

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    if (if_none_match == "*") return true;
    return asiohttp::detail::for_each_item(if_none_match, [&](std::string_view tag) {
        if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
        return tag == etag;
    });
}

// Opens `path` for reading into `file` if it is a regular file, with its status.
bool open_regular(const char* path, Fd& file, struct stat& st) {
    file.fd = ::open(path, O_RDONLY | O_CLOEXEC);
    return file.fd >= 0 && ::fstat(file.fd, &st) == 0 && S_ISREG(st.st_mode);
}

// Precompressed siblings' suffixes, in the server's order of preference.
constexpr std::pair<ContentCoding, std::string_view> kSiblings[] = {
    {ContentCoding::zstd, ".zst"}, {ContentCoding::br, ".br"}, {ContentCoding::gzip, ".gz"}};

class FileBody final : public detail::DeferredBody {
public:
    FileBody(std::filesystem::path path, std::size_t chunk) : path_(std::move(path)), chunk_(chunk) {}

    void adopt(int fd, const struct stat& st) {
        opened_.fd = fd;
        opened_st_ = st;
    }

    awaitable<void> send(Request& req, Response& resp) override {
        Fd file;
        struct stat st {};
        if (opened_.fd >= 0) {
            std::swap(file.fd, opened_.fd);
            st = opened_st_;
        } else if (!open_regular(path_.c_str(), file, st)) {
            throw HTTPNotFound();
        }
        const bool precompressed = open_precompressed(req, resp, file, st);
        const auto size = std::uint64_t(st.st_size);
        const auto mtime_ns = std::uint64_t(st.st_mtim.tv_sec) * 1'000'000'000ull + std::uint64_t(st.st_mtim.tv_nsec);
        char etag[64];
        std::snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)mtime_ns, (unsigned long long)size);

        auto& headers = resp.headers();
        headers.set("ETag", etag);
        headers.set("Last-Modified", detail::format_http_date(st.st_mtim.tv_sec));
        if (!precompressed) headers.set("Accept-Ranges", "bytes");
        if (resp.content_type().empty()) resp.set_content_type(guess_content_type(path_));

        auto& reqh = req.headers();
        if (auto inm = reqh.get("If-None-Match")) {
            if (etag_matches(*inm, etag)) co_return not_modified(resp);
        } else if (auto ims = reqh.get("If-Modified-Since")) {
            auto since = detail::parse_http_date(*ims);
            if (since && st.st_mtim.tv_sec <= *since) co_return not_modified(resp);
        }

        std::uint64_t offset = 0, length = size;
        if (auto range = reqh.get("Range"); range && req.method() == "GET") {
            ByteRange r{};
            switch (parse_range(*range, size, r)) {
                case RangeResult::none: break;
                case RangeResult::unsatisfiable: {
                    HTTPRequestRangeNotSatisfiable err;
                    err.headers().set("Content-Range", "bytes */" + std::to_string(size));
                    throw err;
                }
                case RangeResult::ok:
                    offset = r.first;
                    length = r.last - r.first + 1;
                    resp.set_status(206);
                    headers.set("Content-Range", "bytes " + std::to_string(r.first) + "-" + std::to_string(r.last) +
                                                     "/" + std::to_string(size));
                    break;
            }
        }

        if (req.method() == "HEAD" || length <= chunk_) {
            // Small enough to go out in one write with the headers.
            auto& body = resp.body();
            body.resize(req.method() == "HEAD" ? 0 : length);
            bool read = true;
            if (!body.empty()) read = co_await detail::read_file_at(file.fd, body.data(), body.size(), offset);
            if (!read) throw HTTPNotFound();
            if (req.method() == "HEAD") resp.set_content_length(length);
            co_return;
        }

        resp.set_content_length(length);
        co_await detail::ResponseAccess::prepare(resp, req, /*hold_head=*/true);
        // Plain TCP and no compression: from the page cache to the socket, no copy.
        const bool sent = co_await detail::ResponseAccess::send_file(resp, file.fd, offset, length);
        std::string buf(sent ? 0 : chunk_, '\0');
        while (!sent && length > 0) {
            auto n = std::size_t(std::min<std::uint64_t>(length, buf.size()));
            const bool read = co_await detail::read_file_at(file.fd, buf.data(), n, offset);
            if (!read) throw std::runtime_error("short read on " + path_.string());
            co_await detail::ResponseAccess::write(resp, std::string_view(buf.data(), n));
            offset += n;
            length -= n;
        }
        co_await detail::ResponseAccess::write_eof(resp);
    }

private:
    // A sibling compressed ahead of time ("app.js.br" beside "app.js") in a
    // coding the client accepts: `file` and `st` become it, and the response
    // says its Content-Encoding. Ranges are served from the identity file. Any
    // sibling's existence makes the answer depend on Accept-Encoding (Vary).
    bool open_precompressed(Request& req, Response& resp, Fd& file, struct stat& st) const {
        // A client that accepts no coding gets the file itself, and no look for
        // siblings (nor a Vary: the identity answer suits every client).
        const auto accepted = req.headers().get("Accept-Encoding");
        if (!accepted) return false;
        std::vector<ContentCoding> offered;
        if (!req.headers().contains("Range"))
            for (auto& sibling : kSiblings) offered.push_back(sibling.first);
        while (!offered.empty()) {
            const auto choice = negotiate_coding(*accepted, offered).coding;
            if (choice == ContentCoding::identity) break;
            std::erase(offered, choice);
            Fd sibling;
            struct stat sst {};
            if (!open_regular(sibling_path(choice).c_str(), sibling, sst)) continue;
            std::swap(file.fd, sibling.fd);
            st = sst;
            resp.headers().set("Content-Encoding", to_string(choice));
            detail::add_vary(resp.headers(), "Accept-Encoding");
            return true;
        }
        bool any = false;
        for (auto& sibling : kSiblings) any = any || ::access(sibling_path(sibling.first).c_str(), F_OK) == 0;
        if (any) detail::add_vary(resp.headers(), "Accept-Encoding");
        return false;
    }
    std::string sibling_path(ContentCoding coding) const {
        for (auto& [c, suffix] : kSiblings)
            if (c == coding) return path_.native() + std::string(suffix);
        return path_.native();
    }

    static void not_modified(Response& resp) {
        resp.set_status(304);
        resp.body().clear();
    }

    std::filesystem::path path_;
    std::size_t chunk_;
    Fd opened_;  // handed over by send_open_file
    struct stat opened_st_ {};
};

}  // namespace

FileResponse::FileResponse(std::filesystem::path path, std::size_t chunk_size) {
    set_deferred_body(std::make_shared<FileBody>(std::move(path), chunk_size));
}

}  // namespace asiohttp::web

namespace asiohttp::detail {

void send_open_file(web::FileResponse& resp, int fd, const struct stat& st) {
    static_cast<web::FileBody*>(ResponseAccess::deferred(resp))->adopt(fd, st);
}

}  // namespace asiohttp::detail

namespace asiohttp::web {

std::string_view guess_content_type(const std::filesystem::path& path) noexcept {
    static constexpr std::pair<std::string_view, std::string_view> types[] = {
        {".html", "text/html"},        {".htm", "text/html"},         {".css", "text/css"},
        {".js", "text/javascript"},    {".mjs", "text/javascript"},   {".json", "application/json"},
        {".txt", "text/plain"},        {".csv", "text/csv"},          {".xml", "application/xml"},
        {".svg", "image/svg+xml"},     {".png", "image/png"},         {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},       {".gif", "image/gif"},         {".webp", "image/webp"},
        {".ico", "image/x-icon"},      {".wasm", "application/wasm"}, {".pdf", "application/pdf"},
        {".zip", "application/zip"},   {".gz", "application/gzip"},   {".woff", "font/woff"},
        {".woff2", "font/woff2"},      {".mp4", "video/mp4"},         {".webm", "video/webm"},
        {".mp3", "audio/mpeg"},        {".wav", "audio/wav"},         {".md", "text/markdown"},
    };
    const std::string ext = asiohttp::detail::to_lower(path.extension().string());
    for (auto& [e, t] : types)
        if (e == ext) return t;
    return "application/octet-stream";
}

}  // namespace asiohttp::web
