#include "web/static_files.hpp"

#include <algorithm>

#include "asiohttp/file_response.hpp"
#include "asiohttp/http_exceptions.hpp"

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

awaitable<Response> serve_static(Request& req, const fs::path& root, bool follow_symlinks, bool show_index) {
    auto filename = req.match_info("filename");
    auto path = resolve_under(root, filename, follow_symlinks);
    if (!path) throw HTTPNotFound();
    std::error_code ec;
    auto status = fs::status(*path, ec);
    if (ec || !fs::exists(status)) throw HTTPNotFound();
    if (fs::is_directory(status)) {
        if (!show_index) throw HTTPForbidden();
        std::vector<std::string> names;
        for (auto& entry : fs::directory_iterator(*path, ec))
            names.push_back(entry.path().filename().string() + (entry.is_directory() ? "/" : ""));
        std::sort(names.begin(), names.end());
        std::string base = req.path();
        if (base.back() != '/') base.push_back('/');
        std::string title = "Index of " + html_escape(req.path());
        std::string html = "<html><head><title>" + title + "</title></head><body><h1>" + title + "</h1><ul>";
        for (auto& n : names) html += "<li><a href=\"" + html_escape(base + n) + "\">" + html_escape(n) + "</a></li>";
        html += "</ul></body></html>";
        co_return Response::html(std::move(html));
    }
    if (!fs::is_regular_file(status)) throw HTTPNotFound();
    co_return FileResponse(*path);
}

}  // namespace asiohttp::detail
