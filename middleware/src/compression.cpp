#include "asiohttp/middleware/compression.hpp"

#include <memory>

namespace asiohttp::middleware {

web::ResponsePrepareHook compression(web::CompressionOptions options) {
    // The hook owns the options; responses point at them (no count per response).
    auto shared = std::make_shared<const web::CompressionOptions>(std::move(options));
    return [shared](web::Request&, web::Response& resp) {
        if (!resp.compression()) resp.enable_compression(*shared);
    };
}

}  // namespace asiohttp::middleware
