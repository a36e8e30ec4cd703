// asiohttp::Payload: a request body the client sends (aiohttp's payloads), from
// memory, from a file read as it is sent, or from a coroutine that makes it
// piece by piece; FormData (asiohttp/formdata.hpp) makes one too.
//
//   asiohttp::RequestOptions upload{.data = asiohttp::Payload::file("backup.tar")};
//   auto r = co_await session.put(url, upload);
//
//   auto next = [n = 0, row = std::string()]() mutable -> asiohttp::awaitable<std::string_view> {
//       row = n < 100 ? make_row(n++) : "";                   // "" ends the body
//       co_return row;                                        // valid until the next call
//   };
//   asiohttp::RequestOptions rows{.data = asiohttp::Payload::stream(next)};  // chunked
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asiohttp/awaitable.hpp"

namespace asiohttp {

class FormData;

class Payload {
public:
    // Produces the next piece of the body, valid until the next call (a buffer
    // the reader keeps and reuses: nothing is allocated per piece); "" ends it.
    using Reader = std::function<awaitable<std::string_view>()>;

    // Bytes in memory, sent with the request head.
    Payload(std::string bytes, std::string content_type = "application/octet-stream");  // NOLINT: implicit
    Payload(std::string_view bytes) : Payload(std::string(bytes)) {}                     // NOLINT: implicit
    Payload(const char* bytes) : Payload(std::string(bytes)) {}                          // NOLINT: implicit
    // multipart/form-data.
    Payload(const FormData& form);  // NOLINT: implicit

    // A file, read as it is sent; its size is the Content-Length. It can be sent
    // again (a retry on a fresh connection, a 307 redirect).
    static Payload file(std::filesystem::path path, std::string content_type = "application/octet-stream");
    // A body made as it is sent: with `size`, that Content-Length (a reader that
    // makes more or less is an error), else chunked. Sent once only.
    static Payload stream(Reader next, std::optional<std::uint64_t> size = {},
                          std::string content_type = "application/octet-stream");
    // A body of parts sent one after another, each opened when its turn comes.
    static Payload concat(std::vector<Payload> parts, std::string content_type);

    std::optional<std::uint64_t> size() const noexcept { return size_; }
    const std::string& content_type() const noexcept { return content_type_; }
    // The bytes of an in-memory payload; null for the others.
    const std::string* bytes() const noexcept { return opener_ ? nullptr : &bytes_; }
    // Whether open() may be called more than once.
    bool reusable() const noexcept { return reusable_; }
    // A reader from the start of the body. A stream's second open() throws.
    Reader open() const;

private:
    Payload() = default;
    std::string bytes_;
    std::function<Reader()> opener_;  // empty: bytes_ is the body
    std::optional<std::uint64_t> size_;
    std::string content_type_;
    bool reusable_ = true;
};

}  // namespace asiohttp
