// Compresses every response of an application that is worth compressing
// (aiohttp's Response.enable_compression, for all of them): gzip, deflate, br
// or zstd as the client's Accept-Encoding prefers, for the media types and
// sizes of web::CompressionOptions (asiohttp/compression.hpp). It is an
// on_response_prepare hook, so streamed responses and HTTP errors are
// compressed too; a response that set its own Content-Encoding, a range, a
// HEAD or a 304 is left as HTTP wants it.
//
//   app.on_response_prepare.append(asiohttp::middleware::compression());
//   app.on_response_prepare.append(asiohttp::middleware::compression({.min_size = 256}));
#pragma once

#include <asiohttp/application.hpp>
#include <asiohttp/compression.hpp>

namespace asiohttp::middleware {

web::ResponsePrepareHook compression(web::CompressionOptions options = {});

}  // namespace asiohttp::middleware
