#include "asiohttp/streams.hpp"

#include <stdexcept>

#include "asiohttp/detail/request_head.hpp"
#include "asiohttp/http_exceptions.hpp"
#include "web/body_decoding.hpp"
#include "web/exchange.hpp"

namespace asiohttp::web {

namespace {

constexpr std::size_t kPiece = 64 << 10;

}  // namespace

StreamReader::StreamReader(detail::RequestHead& head, detail::Exchange& exchange, std::size_t limit)
    : head_(&head), exchange_(&exchange), limit_(limit) {
    if (auto encoding = head.headers.get("Content-Encoding")) decoder_ = detail::body_decoder(*encoding, limit);
}

StreamReader::~StreamReader() = default;

awaitable<std::string_view> StreamReader::read_chunk(std::size_t max) {
    if (max == 0) throw std::invalid_argument("StreamReader::read_chunk: max is 0");
    if (avail_.empty()) {
        const bool more = co_await fill();
        if (!more) co_return std::string_view{};
    }
    const auto out = avail_.substr(0, max);
    avail_.remove_prefix(out.size());
    total_ += out.size();
    co_return out;
}

awaitable<std::string> StreamReader::readexactly(std::size_t n) {
    std::string out;
    out.reserve(std::min(n, kPiece));
    while (out.size() < n) {
        auto piece = co_await read_chunk(n - out.size());
        if (piece.empty())
            throw HTTPBadRequest("400: Bad Request (the body ends after " + std::to_string(out.size()) + " of " +
                                 std::to_string(n) + " bytes)");
        out.append(piece);
    }
    co_return out;
}

awaitable<bool> StreamReader::fill() {
    if (head_->body_complete) {  // read() or post() took the whole body first: hand that out
        if (eof_) co_return false;
        eof_ = true;
        avail_ = head_->body;
        co_return !avail_.empty();
    }
    while (!eof_) {
        piece_.clear();
        if (decoder_ && raw_pos_ < raw_.size()) {
            // Small slices in, so that a piece out stays near kPiece however
            // well the input compresses.
            while (raw_pos_ < raw_.size() && piece_.size() < kPiece) {
                const auto slice = std::string_view(raw_).substr(raw_pos_, 1024);
                raw_pos_ += slice.size();
                detail::decode_piece(*decoder_, slice, piece_, limit_);
            }
            if (piece_.empty()) continue;
            avail_ = piece_;
            co_return true;
        }
        raw_.clear();
        raw_pos_ = 0;
        std::string& into = decoder_ ? raw_ : piece_;
        const bool more = co_await exchange_->read_body_some(into, limit_);
        if (more) {
            raw_seen_ = true;
            if (decoder_) continue;
            avail_ = piece_;
            co_return true;
        }
        eof_ = true;
        if (decoder_ && raw_seen_) detail::check_decoded_end(*decoder_, head_->headers.get("Content-Encoding", ""));
    }
    co_return false;
}

}  // namespace asiohttp::web
