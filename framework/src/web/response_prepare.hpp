// What happens to every response just before its head is serialized, in one
// place for whole and streamed responses: the applications' on_response_prepare
// hooks, then compression's decision.
#pragma once

#include "asiohttp/request.hpp"
#include "asiohttp/response.hpp"

namespace asiohttp::detail {

// A whole response: hooks, then its body compressed in place if chosen.
awaitable<void> prepare_whole(web::Request& req, web::Response& resp);
// A streamed response: hooks, then the encoder its writes go through if
// compression is chosen (the length it declared is dropped then: chunked).
void prepare_streamed(web::Request& req, web::Response& resp);

}  // namespace asiohttp::detail
