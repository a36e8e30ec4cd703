#include "web/form.hpp"

#include "asiohttp/http_exceptions.hpp"
#include "base/ascii.hpp"
#include "base/header_values.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified


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

}  // namespace asiohttp::detail
