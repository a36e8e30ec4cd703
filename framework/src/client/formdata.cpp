#include "asiohttp/formdata.hpp"

#include <random>

namespace asiohttp {

namespace {

// A name or filename inside quotes, as browsers write it (WHATWG's
// multipart/form-data encoding): quote and line breaks percent-encoded.
std::string form_quoted(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += "%22";
        else if (c == '\r') out += "%0D";
        else if (c == '\n') out += "%0A";
        else out += c;
    }
    return out + "\"";
}

std::string new_boundary() {
    static constexpr char hex[] = "0123456789abcdef";
    std::random_device random;
    std::string b = "----asiohttp";
    for (int i = 0; i < 24; ++i) b += hex[random() % 16];
    return b;
}

}  // namespace

FormData::FormData() : boundary_(new_boundary()) {}

FormData& FormData::add_field(std::string name, std::string value) {
    parts_.push_back({std::move(name), std::nullopt, {}, std::move(value), std::nullopt});
    return *this;
}

FormData& FormData::add_field(std::string name, std::string content, std::string filename, std::string content_type) {
    parts_.push_back({std::move(name), std::move(filename), std::move(content_type), std::move(content), std::nullopt});
    return *this;
}

FormData& FormData::add_file(std::string name, std::filesystem::path path, std::string filename,
                             std::string content_type) {
    if (filename.empty()) filename = path.filename().string();
    parts_.push_back({std::move(name), std::move(filename), std::move(content_type), {}, std::move(path)});
    return *this;
}

Payload FormData::payload() const {
    const std::string type = "multipart/form-data; boundary=" + boundary_;
    std::vector<Payload> pieces;
    std::string text;  // memory parts and envelopes, joined until a file comes
    for (auto& part : parts_) {
        text += "--" + boundary_ + "\r\nContent-Disposition: form-data; name=" + form_quoted(part.name);
        if (part.filename) text += "; filename=" + form_quoted(*part.filename);
        text += "\r\n";
        if (part.filename) text += "Content-Type: " + part.content_type + "\r\n";
        text += "\r\n";
        if (part.path) {
            pieces.emplace_back(std::move(text));
            text.clear();
            pieces.push_back(Payload::file(*part.path));
        } else {
            text += part.content;
        }
        text += "\r\n";
    }
    text += "--" + boundary_ + "--\r\n";
    if (pieces.empty()) return Payload(std::move(text), type);
    pieces.emplace_back(std::move(text));
    return Payload::concat(std::move(pieces), type);
}

}  // namespace asiohttp
