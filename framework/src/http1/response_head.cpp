#include "http1/response_head.hpp"

#include <charconv>

#include "web/exchange.hpp"
#include "base/http_date.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified
namespace {

void append_number(std::string& out, std::uint64_t n) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, end);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
}

bool is_framing_field(std::string_view name) {
    return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Connection");
}

}  // namespace

void serialize_head(std::string& out, const Response& resp, const HeadOptions& o) {
    out.append("HTTP/1.1 ");
    int status = resp.status();
    if (status < 100 || status > 999) status = 500;
    append_number(out, std::uint64_t(status));
    out.push_back(' ');
    out.append(resp.reason()).append("\r\n");

    const auto& headers = resp.headers();
    if (!o.server_header.empty() && !headers.contains("Server")) append_field(out, "Server", o.server_header);
    if (!headers.contains("Date")) append_field(out, "Date", current_http_date());
    if (!resp.content_type().empty() && !headers.contains("Content-Type") && o.framing != Framing::none) {
        out.append("Content-Type: ").append(resp.content_type());
        if (!resp.charset().empty()) out.append("; charset=").append(resp.charset());
        out.append("\r\n");
    }
    switch (o.framing) {
        case Framing::length:
            out.append("Content-Length: ");
            append_number(out, o.content_length);
            out.append("\r\n");
            break;
        case Framing::chunked: out.append("Transfer-Encoding: chunked\r\n"); break;
        case Framing::none:
        case Framing::close_delimited: break;
    }
    if (!o.request_id.empty() && !headers.contains("X-Request-ID")) append_field(out, "X-Request-ID", o.request_id);
    if (!o.keep_alive) out.append("Connection: close\r\n");
    else if (o.request_version == 10) out.append("Connection: keep-alive\r\n");
    for (auto& [name, value] : headers)
        if (!is_framing_field(name)) append_field(out, name, value);
    for (auto& [name, line] : resp.cookies()) append_field(out, "Set-Cookie", line);
    out.append("\r\n");
}

}  // namespace asiohttp::detail
