#include "asiohttp/multipart.hpp"

#include "asiohttp/streams.hpp"
#include "web/multipart_parser.hpp"

namespace asiohttp::web {

using Step = detail::MultipartParser::Step;

MultipartReader::MultipartReader(StreamReader& body, std::string boundary, const MultipartLimits& limits)
    : body_(&body), parser_(std::make_unique<detail::MultipartParser>(boundary, limits)) {}

MultipartReader::~MultipartReader() = default;

MultipartReader::MultipartReader(MultipartReader&& other) noexcept
    : body_(other.body_), parser_(std::move(other.parser_)), part_(std::move(other.part_)) {
    if (part_) part_->reader_ = this;
}

MultipartReader& MultipartReader::operator=(MultipartReader&& other) noexcept {
    body_ = other.body_;
    parser_ = std::move(other.parser_);
    part_ = std::move(other.part_);
    if (part_) part_->reader_ = this;
    return *this;
}

awaitable<void> MultipartReader::feed() {
    auto piece = co_await body_->read_chunk();
    if (piece.empty()) parser_->feed_eof();
    else parser_->feed(piece);
}

awaitable<BodyPartReader*> MultipartReader::next() {
    for (;;) {
        const auto step = parser_->next_part();
        if (step == Step::end) co_return nullptr;
        if (step == Step::ready) break;
        co_await feed();
    }
    auto& head = parser_->part();
    if (!part_) part_.reset(new BodyPartReader(*this));
    part_->headers_ = std::move(head.headers);
    part_->name_ = std::move(head.name);
    part_->filename_ = std::move(head.filename);
    part_->content_type_ = std::move(head.content_type);
    part_->size_ = 0;
    part_->eof_ = false;
    co_return part_.get();
}

awaitable<std::string_view> BodyPartReader::read_chunk(std::size_t max) {
    if (max == 0) throw std::invalid_argument("BodyPartReader::read_chunk: max is 0");
    while (!eof_) {
        std::string_view data;
        const auto step = reader_->parser_->read(max, data);
        if (step == Step::ready) {
            size_ += data.size();
            co_return data;
        }
        if (step == Step::end) break;
        co_await reader_->feed();
    }
    eof_ = true;
    co_return std::string_view{};
}

awaitable<std::string> BodyPartReader::read() {
    std::string out;
    for (;;) {
        auto piece = co_await read_chunk();
        if (piece.empty()) break;
        out.append(piece);
    }
    co_return out;
}

}  // namespace asiohttp::web
