#include "http1/response_head.hpp"

#include <charconv>
#include <cstring>

#include "web/exchange.hpp"
#include "base/http_date.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified
namespace {

// What the response's own headers say about the ones the server would add,
// from one look at each name.
struct OwnHeaders {
    bool server = false, date = false, content_type = false, request_id = false;
    std::size_t bytes = 0;  // of the fields that are written as they are
};

enum class Kind { plain, framing, server, date, content_type, request_id };

Kind kind_of(std::string_view name) {
    switch (name.size()) {  // compare only names of a length that matters
        case 4: return iequals(name, "Date") ? Kind::date : Kind::plain;
        case 6: return iequals(name, "Server") ? Kind::server : Kind::plain;
        case 10: return iequals(name, "Connection") ? Kind::framing : Kind::plain;
        case 12:
            if (iequals(name, "Content-Type")) return Kind::content_type;
            return iequals(name, "X-Request-ID") ? Kind::request_id : Kind::plain;
        case 14: return iequals(name, "Content-Length") ? Kind::framing : Kind::plain;
        case 17: return iequals(name, "Transfer-Encoding") ? Kind::framing : Kind::plain;
        default: return Kind::plain;
    }
}

// Writes into space reserved beforehand: no capacity check per piece.
struct Cursor {
    char* p;
    Cursor& put(std::string_view s) {
        std::memcpy(p, s.data(), s.size());
        p += s.size();
        return *this;
    }
    Cursor& number(std::uint64_t n) {
        p = std::to_chars(p, p + 20, n).ptr;
        return *this;
    }
    Cursor& field(std::string_view name, std::string_view value) {
        return put(name).put(": ").put(value).put("\r\n");
    }
};

}  // namespace

void serialize_head(std::string& out, const Response& resp, const HeadOptions& o) {
    const auto& headers = resp.headers();
    OwnHeaders own;
    for (auto& [name, value] : headers) {
        switch (kind_of(name)) {
            case Kind::framing: continue;
            case Kind::server: own.server = true; break;
            case Kind::date: own.date = true; break;
            case Kind::content_type: own.content_type = true; break;
            case Kind::request_id: own.request_id = true; break;
            case Kind::plain: break;
        }
        own.bytes += name.size() + value.size() + 4;
    }
    const auto& cookies = resp.cookies();
    for (auto& [name, line] : cookies) own.bytes += line.size() + 14;
    const auto date = own.date ? std::string_view() : current_http_date();
    const bool content_type = !resp.content_type().empty() && !own.content_type && o.framing != Framing::none;

    // Room for all of it: the fixed text is far below 256 bytes.
    const std::size_t start = out.size();
    out.resize(start + 256 + own.bytes + resp.reason().size() + o.server_header.size() + date.size() +
               resp.content_type().size() + resp.charset().size() + o.request_id.size());
    Cursor w{out.data() + start};

    int status = resp.status();
    if (status < 100 || status > 999) status = 500;
    w.put("HTTP/1.1 ").number(std::uint64_t(status)).put(" ").put(resp.reason()).put("\r\n");
    if (!o.server_header.empty() && !own.server) w.field("Server", o.server_header);
    if (!own.date) w.field("Date", date);
    if (content_type) {
        w.put("Content-Type: ").put(resp.content_type());
        if (!resp.charset().empty()) w.put("; charset=").put(resp.charset());
        w.put("\r\n");
    }
    switch (o.framing) {
        case Framing::length: w.put("Content-Length: ").number(o.content_length).put("\r\n"); break;
        case Framing::chunked: w.put("Transfer-Encoding: chunked\r\n"); break;
        case Framing::none:
        case Framing::close_delimited: break;
    }
    if (!o.request_id.empty() && !own.request_id) w.field("X-Request-ID", o.request_id);
    if (!o.keep_alive) w.put("Connection: close\r\n");
    else if (o.request_version == 10) w.put("Connection: keep-alive\r\n");
    for (auto& [name, value] : headers)
        if (kind_of(name) != Kind::framing) w.field(name, value);
    for (auto& [name, line] : cookies) w.field("Set-Cookie", line);
    w.put("\r\n");
    out.resize(std::size_t(w.p - out.data()));
}

}  // namespace asiohttp::detail
