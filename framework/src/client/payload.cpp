#include "asiohttp/payload.hpp"

#include <atomic>
#include <fstream>

#include "asiohttp/client_exceptions.hpp"
#include "asiohttp/formdata.hpp"

namespace asiohttp {

namespace {

constexpr std::size_t kPiece = 64 << 10;

}  // namespace

Payload::Payload(std::string bytes, std::string content_type)
    : bytes_(std::move(bytes)), size_(bytes_.size()), content_type_(std::move(content_type)) {}

Payload::Payload(const FormData& form) : Payload(form.payload()) {}

Payload Payload::file(std::filesystem::path path, std::string content_type) {
    Payload p;
    p.size_ = std::filesystem::file_size(path);  // a missing file fails here, before any request
    p.content_type_ = std::move(content_type);
    p.opener_ = [path = std::move(path)] {
        auto in = std::make_shared<std::ifstream>(path, std::ios::binary);
        if (!*in) throw ClientError("cannot open " + path.string() + " to send it");
        auto piece = std::make_shared<std::string>(kPiece, '\0');
        return Reader([in, piece]() -> awaitable<std::string_view> {
            in->read(piece->data(), std::streamsize(piece->size()));
            co_return std::string_view(piece->data(), std::size_t(in->gcount()));
        });
    };
    return p;
}

Payload Payload::stream(Reader next, std::optional<std::uint64_t> size, std::string content_type) {
    Payload p;
    p.size_ = size;
    p.content_type_ = std::move(content_type);
    p.reusable_ = false;
    auto opened = std::make_shared<std::atomic<bool>>(false);
    p.opener_ = [next = std::move(next), opened] {
        if (opened->exchange(true))
            throw ClientError("a streamed Payload is sent once only (it cannot follow a 307/308 redirect or a retry)");
        return next;
    };
    return p;
}

Payload Payload::concat(std::vector<Payload> parts, std::string content_type) {
    Payload p;
    p.content_type_ = std::move(content_type);
    p.size_ = 0;
    for (auto& part : parts) {
        if (!part.size_ || !p.size_) p.size_.reset();
        else *p.size_ += *part.size_;
        p.reusable_ = p.reusable_ && part.reusable_;
    }
    auto shared = std::make_shared<const std::vector<Payload>>(std::move(parts));
    p.opener_ = [shared] {
        struct Progress {
            std::size_t index = 0;
            Reader current;  // the part being sent, when it is not in memory
        };
        auto at = std::make_shared<Progress>();
        return Reader([shared, at]() -> awaitable<std::string_view> {
            const auto& parts = *shared;
            while (at->index < parts.size()) {
                const auto& part = parts[at->index];
                if (const auto* bytes = part.bytes()) {
                    ++at->index;
                    if (!bytes->empty()) co_return std::string_view(*bytes);
                    continue;
                }
                if (!at->current) at->current = part.open();
                const std::string_view piece = co_await at->current();
                if (!piece.empty()) co_return piece;
                at->current = nullptr;
                ++at->index;
            }
            co_return std::string_view();
        });
    };
    return p;
}

Payload::Reader Payload::open() const {
    if (opener_) return opener_();
    auto bytes = std::make_shared<const std::string>(bytes_);
    auto done = std::make_shared<bool>(false);
    return [bytes, done]() -> awaitable<std::string_view> {
        if (std::exchange(*done, true)) co_return std::string_view();
        co_return std::string_view(*bytes);
    };
}

}  // namespace asiohttp
