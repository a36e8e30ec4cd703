// A request body's Content-Encoding undone, whole or piece by piece, with the
// codec's failures as HTTP answers: a coding we do not know is a 415, corrupt
// data a 400, and a decoded size past the limit a 413 found before that much
// memory is taken (a zip bomb).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "codec/codec.hpp"

namespace asiohttp::detail {

// Null for identity.
std::unique_ptr<Decoder> body_decoder(std::string_view encoding, std::size_t limit);
// Appends what `in` decodes to.
void decode_piece(Decoder& decoder, std::string_view in, std::string& out, std::size_t limit);
// After the last piece: a compressed stream cut short is a 400.
void check_decoded_end(const Decoder& decoder, std::string_view encoding);

}  // namespace asiohttp::detail
