#include "websocket/shared_frame.hpp"

#include <algorithm>

#include "codec/codec.hpp"
#include "metrics/runtime_metrics.hpp"
#include "websocket/frame_header.hpp"

namespace asiohttp::detail {

namespace {
unsigned char opcode(bool binary) { return binary ? FrameHeader::kBinary : FrameHeader::kText; }
}  // namespace

SharedFrame::SharedFrame(bool binary, std::string_view payload) : binary_(binary) {
    const FrameHeader header(opcode(binary), false, payload.size());
    header_size_ = header.bytes().size();
    plain_.reserve(header_size_ + payload.size());
    plain_.append(header.bytes()).append(payload);
}

std::string_view SharedFrame::frame(int deflate_bits) const {
    if (deflate_bits == 0) return plain_;
    std::lock_guard lock(mutex_);
    auto it = std::find_if(deflated_.begin(), deflated_.end(), [&](auto& d) { return d.first == deflate_bits; });
    if (it == deflated_.end()) {
        const auto body = deflate_message(payload(), deflate_bits);
        runtime_metrics().ws_published_deflates.add(1);
        std::string framed;
        if (body.size() < payload().size()) {
            const FrameHeader header(opcode(binary_), true, body.size());
            framed.reserve(header.bytes().size() + body.size());
            framed.append(header.bytes()).append(body);
        }
        it = deflated_.insert(deflated_.end(), {deflate_bits, std::move(framed)});
    }
    return it->second.empty() ? std::string_view(plain_) : std::string_view(it->second);
}

}  // namespace asiohttp::detail
