// What happens to every response just before its head is serialized, in one
// place for whole and streamed responses: the applications' on_response_prepare
// hooks, then compression's decision.
#pragma once

#include <memory>

#include "asiohttp/request.hpp"
#include "asiohttp/response.hpp"

namespace asiohttp::detail {

class Encoder;

// A whole response: hooks, then compression's choice; the encoder its body must
// still go through (encode_whole), or null. Not a coroutine: most responses
// need nothing awaited, and this runs for every one.
std::unique_ptr<Encoder> prepare_whole(web::Request& req, web::Response& resp);
// The body compressed in place (long bodies a slice at a time, between other work).
awaitable<void> encode_whole(Encoder& encoder, web::Response& resp);
// A streamed response: hooks, then the encoder its writes go through if
// compression is chosen (the length it declared is dropped then: chunked).
void prepare_streamed(web::Request& req, web::Response& resp);

}  // namespace asiohttp::detail
