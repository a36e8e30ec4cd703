#include "web/response_prepare.hpp"

#include "asiohttp/application.hpp"
#include "base/log.hpp"
#include "web/app_access.hpp"
#include "web/compression.hpp"
#include "web/exchange.hpp"

namespace asiohttp::detail {

namespace {

// A hook that fails is logged; the response goes out without its part.
template <class Hook>
void run_hook(Request& req, const char* what, Hook&& hook) {
    try {
        hook();
    } catch (const std::exception& e) {
        server_logger().error("{} failed for {} {}: {}", what, req.method(), req.path(), e.what());
    }
}

void run_hooks(Request& req, Response& resp) {
    for (const auto* hook : AppAccess::prepare_chain(req.app()))
        run_hook(req, "on_response_prepare hook", [&] { (*hook)(req, resp); });
    for (const auto& hook : RequestAccess::prepare_hooks(req))
        run_hook(req, "the request's on_response_prepare hook", [&] { hook(resp); });
}

}  // namespace

std::unique_ptr<Encoder> prepare_whole(Request& req, Response& resp) {
    run_hooks(req, resp);
    if (!resp.compression()) return nullptr;
    auto& body = resp.body();
    // HEAD of a file: the length it would have, but no body to compress.
    const bool bodiless_head = req.method() == "HEAD" && body.empty() && resp.content_length();
    const auto size = bodiless_head ? resp.content_length() : std::optional<std::uint64_t>(body.size());
    const auto coding = choose_compression(req, resp, size);
    if (coding == ContentCoding::identity) return nullptr;
    if (bodiless_head) {
        ResponseAccess::clear_content_length(resp);  // the compressed length is unknown
        return nullptr;
    }
    return make_encoder(coding, *resp.compression());
}

awaitable<void> encode_whole(Encoder& encoder, Response& resp) {
    auto encoded = co_await encode(encoder, resp.body(), true);
    resp.body() = std::move(encoded);
}

void prepare_streamed(Request& req, Response& resp) {
    run_hooks(req, resp);
    if (!resp.compression()) return;
    const auto coding = choose_compression(req, resp, resp.content_length());
    if (coding == ContentCoding::identity) return;
    ResponseAccess::clear_content_length(resp);
    if (req.method() != "HEAD") ResponseAccess::set_encoder(resp, make_encoder(coding, *resp.compression()));
}

}  // namespace asiohttp::detail
