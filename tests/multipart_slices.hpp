// Drives the incremental multipart parser as MultipartReader does, with the
// body arriving `step` bytes at a time: for the unit tests and the fuzz target.
#pragma once

#include <algorithm>
#include <string_view>

#include "web/multipart_parser.hpp"

// Calls on_part(PartHead&) at each part's headers and on_data(piece) for each
// piece of its content (at most `max` bytes), until the closing delimiter. The
// parser's exceptions (400, 413) go through.
template <class OnPart, class OnData>
void parse_in_slices(asiohttp::detail::MultipartParser& parser, std::string_view body, std::size_t step,
                     std::size_t max, OnPart&& on_part, OnData&& on_data) {
    using Step = asiohttp::detail::MultipartParser::Step;
    std::size_t fed = 0;
    auto feed = [&] {
        if (fed == body.size()) return parser.feed_eof();
        parser.feed(body.substr(fed, step));
        fed = std::min(body.size(), fed + step);
    };
    for (;;) {
        const auto next = parser.next_part();
        if (next == Step::end) return;
        if (next == Step::need_more) {
            feed();
            continue;
        }
        on_part(parser.part());
        for (;;) {
            std::string_view piece;
            const auto s = parser.read(max, piece);
            if (s == Step::end) break;
            if (s == Step::need_more) feed();
            else on_data(piece);
        }
    }
}
