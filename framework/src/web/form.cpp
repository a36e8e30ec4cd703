#include "web/form.hpp"

#include "asiohttp/http_exceptions.hpp"
#include "base/ascii.hpp"

namespace asiohttp::web::detail {

using asiohttp::detail::trim;

std::optional<std::string> header_param(std::string_view value, std::string_view name) {
    auto semi = value.find(';');
    while (semi != std::string_view::npos) {
        value.remove_prefix(semi + 1);
        // A quoted value may itself contain ';'.
        auto eq = value.find('=');
        if (eq == std::string_view::npos) return std::nullopt;
        auto key = trim(value.substr(0, eq));
        auto rest = trim(value.substr(eq + 1));
        std::string v;
        if (!rest.empty() && rest.front() == '"') {
            std::size_t i = 1;
            for (; i < rest.size() && rest[i] != '"'; ++i) {
                if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
                v.push_back(rest[i]);
            }
            value = rest.substr(std::min(i + 1, rest.size()));
        } else {
            auto end = rest.find(';');
            v = std::string(trim(rest.substr(0, end)));
            value = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
        }
        if (asiohttp::iequals(key, name)) return v;
        semi = value.find(';');
    }
    return std::nullopt;
}

std::string media_type(std::string_view value) {
    return asiohttp::detail::to_lower(std::string(trim(value.substr(0, value.find(';')))));
}

void parse_multipart(std::string_view body, std::string_view boundary, PostData& out) {
    if (boundary.empty() || boundary.size() > 200) throw HTTPBadRequest("multipart body without a valid boundary");
    const std::string delimiter = "--" + std::string(boundary);
    auto pos = body.find(delimiter);
    if (pos == std::string_view::npos) throw HTTPBadRequest("multipart body without its boundary");
    pos += delimiter.size();
    const std::string next_delimiter = "\r\n" + delimiter;
    for (;;) {
        if (body.compare(pos, 2, "--") == 0) return;  // closing delimiter
        if (body.compare(pos, 2, "\r\n") != 0) throw HTTPBadRequest("malformed multipart delimiter");
        pos += 2;
        auto head_end = body.find("\r\n\r\n", pos);
        if (head_end == std::string_view::npos) throw HTTPBadRequest("malformed multipart part headers");
        auto end = body.find(next_delimiter, head_end + 4);
        if (end == std::string_view::npos) throw HTTPBadRequest("unterminated multipart body");

        std::string disposition, content_type = "text/plain";
        auto headers = body.substr(pos, head_end - pos);
        while (!headers.empty()) {
            auto eol = headers.find("\r\n");
            auto line = headers.substr(0, eol);
            headers = eol == std::string_view::npos ? std::string_view{} : headers.substr(eol + 2);
            auto colon = line.find(':');
            if (colon == std::string_view::npos) continue;
            auto name = trim(line.substr(0, colon));
            auto value = trim(line.substr(colon + 1));
            if (iequals(name, "Content-Disposition")) disposition = value;
            else if (iequals(name, "Content-Type")) content_type = value;
        }
        auto content = body.substr(head_end + 4, end - head_end - 4);
        auto name = header_param(disposition, "name");
        if (!name) throw HTTPBadRequest("multipart part without a name");
        if (auto filename = header_param(disposition, "filename"))
            out.files.push_back({std::move(*name), std::move(*filename), std::move(content_type), std::string(content)});
        else
            out.fields.add(*name, content);
        pos = end + next_delimiter.size();
    }
}

}  // namespace asiohttp::web::detail
