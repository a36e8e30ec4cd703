#include "web/compression.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/header_values.hpp"
#include "web/exchange.hpp"

namespace asiohttp::detail {
namespace {

// About a millisecond of work for the slowest coding at its default level.
constexpr std::size_t kSlice = 64u << 10;

bool type_listed(std::string_view type, const web::CompressionOptions& o) {
    for (auto& pattern : o.types) {
        if (pattern.size() > 2 && pattern.ends_with("/*")) {
            const auto prefix = std::string_view(pattern).substr(0, pattern.size() - 1);  // "text/"
            if (type.size() > prefix.size() && iequals(type.substr(0, prefix.size()), prefix)) return true;
        } else if (iequals(type, pattern)) {
            return true;
        }
    }
    return false;
}

std::string_view media_type_of(const web::Response& resp) {
    if (!resp.content_type().empty()) return resp.content_type();
    return media_type_view(resp.headers().get("Content-Type", ""));
}

}  // namespace

ContentCoding choose_compression(const web::Request& req, web::Response& resp, std::optional<std::uint64_t> size) {
    const auto* options = resp.compression();
    if (!options) return ContentCoding::identity;
    auto& headers = resp.headers();
    // A range of the identity body, a body encoded already, or a sender that forbids changes.
    if (resp.status() == 206 || headers.contains("Content-Encoding") || headers.contains("Content-Range") ||
        has_token(headers.get("Cache-Control", ""), "no-transform"))
        return ContentCoding::identity;
    if (!type_listed(media_type_of(resp), *options)) return ContentCoding::identity;
    add_vary(headers, "Accept-Encoding");  // from here on the answer depends on it
    if (status_has_no_body(resp.status())) return ContentCoding::identity;

    const auto accepted = req.headers().get("Accept-Encoding");
    if (!accepted) return ContentCoding::identity;
    const auto choice = web::negotiate_coding(*accepted, options->codings);
    if (choice.coding == ContentCoding::identity) return ContentCoding::identity;
    if (size && *size < options->min_size && !choice.identity_refused) return ContentCoding::identity;

    headers.set("Content-Encoding", web::to_string(choice.coding));
    // The compressed variant is not byte-for-byte the identity one.
    if (auto etag = headers.get("ETag"); etag && !etag->starts_with("W/")) headers.set("ETag", "W/" + std::string(*etag));
    headers.erase("Accept-Ranges");
    return choice.coding;
}

awaitable<std::string> encode(Encoder& encoder, std::string_view in, bool last) {
    std::string out;
    out.reserve(in.size() / 4 + 64);
    while (in.size() > kSlice) {
        encoder.write(in.substr(0, kSlice), out);
        in.remove_prefix(kSlice);
        auto ex = co_await boost::asio::this_coro::executor;
        co_await boost::asio::post(ex, boost::asio::use_awaitable);
    }
    encoder.write(in, out);
    if (last) encoder.finish(out);
    else encoder.flush(out);
    co_return out;
}

}  // namespace asiohttp::detail
