#include "web/access_log.hpp"

#include <unistd.h>

#include <ctime>

#include "base/log.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

AccessLog::AccessLog(std::string_view f) {
    std::string literal;
    auto flush = [&] {
        if (!literal.empty()) tokens_.push_back({Kind::literal, std::move(literal)});
        literal.clear();
    };
    for (std::size_t i = 0; i < f.size(); ++i) {
        if (f[i] != '%' || i + 1 == f.size()) {
            literal.push_back(f[i]);
            continue;
        }
        char c = f[++i];
        if (c == '%') {
            literal.push_back('%');
            continue;
        }
        flush();
        if (c == '{') {
            auto close = f.find('}', i);
            if (close == std::string_view::npos || close + 1 >= f.size())
                throw std::invalid_argument("access log format: unterminated %{...}");
            std::string name(f.substr(i + 1, close - i - 1));
            char which = f[close + 1];
            if (which != 'i' && which != 'o') throw std::invalid_argument("access log format: %{...} needs i or o");
            tokens_.push_back({which == 'i' ? Kind::request_header : Kind::response_header, std::move(name)});
            i = close + 1;
            continue;
        }
        switch (c) {
            case 'a': tokens_.push_back({Kind::remote, {}}); break;
            case 't': tokens_.push_back({Kind::time, {}}); break;
            case 'r': tokens_.push_back({Kind::request_line, {}}); break;
            case 's': tokens_.push_back({Kind::status, {}}); break;
            case 'b': tokens_.push_back({Kind::bytes, {}}); break;
            case 'D': tokens_.push_back({Kind::micros, {}}); break;
            case 'P': tokens_.push_back({Kind::pid, {}}); break;
            case 'T':
                if (i + 1 < f.size() && f[i + 1] == 'f') {
                    ++i;
                    tokens_.push_back({Kind::seconds_float, {}});
                } else {
                    tokens_.push_back({Kind::seconds, {}});
                }
                break;
            default: throw std::invalid_argument(std::string("access log format: unknown directive %") + c);
        }
    }
    flush();
}

std::string AccessLog::format(const Request& req, const Response& resp, std::uint64_t body_bytes,
                              std::chrono::steady_clock::duration elapsed) const {
    using namespace std::chrono;
    std::string out;
    out.reserve(160);
    for (auto& t : tokens_) {
        switch (t.kind) {
            case Kind::literal: out += t.text; break;
            case Kind::remote: out += req.remote(); break;
            case Kind::time: {
                std::time_t now = std::time(nullptr);
                std::tm tm{};
                gmtime_r(&now, &tm);
                char buf[40];
                std::strftime(buf, sizeof buf, "[%d/%b/%Y:%H:%M:%S +0000]", &tm);
                out += buf;
                break;
            }
            case Kind::request_line:
                out.append(req.method()).append(" ").append(req.raw_path());
                out += req.version() == 10 ? " HTTP/1.0" : " HTTP/1.1";
                break;
            case Kind::status: out += std::to_string(resp.status()); break;
            case Kind::bytes: out += std::to_string(body_bytes); break;
            case Kind::seconds: out += std::to_string(duration_cast<seconds>(elapsed).count()); break;
            case Kind::seconds_float: {
                char buf[32];
                std::snprintf(buf, sizeof buf, "%.6f", duration<double>(elapsed).count());
                out += buf;
                break;
            }
            case Kind::micros: out += std::to_string(duration_cast<microseconds>(elapsed).count()); break;
            case Kind::pid: out += std::to_string(::getpid()); break;
            case Kind::request_header: out += req.headers().get(t.text, "-"); break;
            case Kind::response_header: out += resp.headers().get(t.text, "-"); break;
        }
    }
    return out;
}

void AccessLog::log(const Request& req, const Response& resp, std::uint64_t body_bytes,
                    std::chrono::steady_clock::duration elapsed) const {
    if (!json_logs()) {
        access_logger().info(format(req, resp, body_bytes, elapsed));
        return;
    }
    // The request's fields join the JSON line; the message is its short form.
    const RequestLogFields fields{req, &resp, body_bytes, elapsed};
    const RequestLogScope scope(fields);
    access_logger().info("{} {} {}", req.method(), req.raw_path(), resp.status());
}

}  // namespace asiohttp::detail
