#include "web/static_files.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

#include "asiohttp/file_response.hpp"
#include "asiohttp/http_exceptions.hpp"
#include "web/file_body.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified
namespace fs = std::filesystem;

namespace {

bool within(const fs::path& root, const fs::path& p) {
    auto r = root.begin(), pi = p.begin();
    for (; r != root.end(); ++r, ++pi)
        if (pi == p.end() || *r != *pi) return false;
    return true;
}

std::string html_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '&': out += "&amp;"; break;
            case '"': out += "&quot;"; break;
            default: out.push_back(c);
        }
    }
    return out;
}

}  // namespace

std::optional<fs::path> resolve_under(const fs::path& root, std::string_view relative, bool follow_symlinks) {
    if (relative.find('\0') != std::string_view::npos) return std::nullopt;
    fs::path rel(relative);
    if (rel.is_absolute()) return std::nullopt;
    for (auto& part : rel)
        if (part == "..") return std::nullopt;
    fs::path joined = (root / rel).lexically_normal();
    if (!within(root, joined)) return std::nullopt;
    std::error_code ec;
    fs::path real = fs::weakly_canonical(joined, ec);
    if (ec) return std::nullopt;
    if (!follow_symlinks && !within(root, real)) return std::nullopt;
    return follow_symlinks ? joined : real;
}

StaticDirectory::StaticDirectory(fs::path root, bool follow_symlinks, bool show_index)
    : root_(std::move(root)),
      fd_(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)),
      follow_symlinks_(follow_symlinks),
      show_index_(show_index) {}

StaticDirectory::~StaticDirectory() {
    if (fd_ >= 0) ::close(fd_);
}

// The file opened read-only, or -1 (missing, or leaving the root).
int StaticDirectory::open_under(std::string_view relative) const {
    static std::atomic<bool> no_openat2{false};  // an old kernel, or a seccomp profile without it
    if (relative.find('\0') != std::string_view::npos) return -1;
    fs::path rel(relative);
    if (rel.is_absolute()) return -1;
    for (auto& part : rel)
        if (part == "..") return -1;
    const std::string name = rel.empty() ? std::string(".") : rel.native();
    if (fd_ >= 0 && follow_symlinks_) return ::openat(fd_, name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ >= 0 && !no_openat2) {
        open_how how{};
        how.flags = O_RDONLY | O_CLOEXEC;
        how.resolve = RESOLVE_BENEATH;  // neither .. nor a symlink may lead out of the root
        const int fd = int(::syscall(SYS_openat2, fd_, name.c_str(), &how, sizeof how));
        if (fd >= 0 || (errno != ENOSYS && errno != EPERM && errno != EXDEV)) return fd;
        // EXDEV: a symlink on the way, maybe absolute yet inside the root; the
        // path check below decides.
        if (errno != EXDEV) no_openat2 = true;
    }
    auto path = resolve_under(root_, relative, follow_symlinks_);
    return path ? ::open(path->c_str(), O_RDONLY | O_CLOEXEC) : -1;
}

awaitable<Response> StaticDirectory::serve(Request& req) const {
    const auto filename = req.match_info("filename");
    const int fd = open_under(filename);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0) {
        if (fd >= 0) ::close(fd);
        throw HTTPNotFound();
    }
    const auto path = (root_ / fs::path(filename)).lexically_normal();
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        if (!show_index_) throw HTTPForbidden();
        co_return index_of(req, path);
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        throw HTTPNotFound();
    }
    FileResponse resp(path);
    send_open_file(resp, fd, st);
    co_return resp;
}

Response StaticDirectory::index_of(Request& req, const fs::path& dir) const {
    std::error_code ec;
    std::vector<std::string> names;
    for (auto& entry : fs::directory_iterator(dir, ec))
        names.push_back(entry.path().filename().string() + (entry.is_directory() ? "/" : ""));
    std::sort(names.begin(), names.end());
    std::string base = req.path();
    if (base.back() != '/') base.push_back('/');
    std::string title = "Index of " + html_escape(req.path());
    std::string html = "<html><head><title>" + title + "</title></head><body><h1>" + title + "</h1><ul>";
    for (auto& n : names) html += "<li><a href=\"" + html_escape(base + n) + "\">" + html_escape(n) + "</a></li>";
    html += "</ul></body></html>";
    return Response::html(std::move(html));
}

}  // namespace asiohttp::detail
