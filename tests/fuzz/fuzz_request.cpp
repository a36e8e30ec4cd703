// The server's request reading: heads and bodies (Content-Length, chunked,
// extensions, trailers) fed in splits the input chooses, pipelined requests
// one after another, as the connection reads them (HeadReader, BodyParser).
#include <fuzzer/FuzzedDataProvider.h>

#include <boost/asio/buffer.hpp>

#include "http1/head_rules.hpp"
#include "http1/body_parser.hpp"

using namespace asiohttp::detail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const auto step = in.ConsumeIntegralInRange<std::size_t>(1, 64);
    const auto bytes = in.ConsumeRemainingBytesAsString();
    std::string buffered;
    std::size_t fed = 0;
    auto more = [&] {  // the next piece off the network
        if (fed >= bytes.size()) return false;
        buffered.append(bytes, fed, step);
        fed += step;
        return true;
    };
    RequestHead head;
    for (int requests = 0; requests < 16; ++requests) {
        HeadReader reader(8192, head);
        HeadReader::Status status;
        for (;;) {
            status = reader.look(buffered);
            buffered.erase(0, status.skip);
            if (status.kind != HeadReader::Status::need_more || !more()) break;
        }
        if (status.kind != HeadReader::Status::complete) return 0;
        buffered.erase(0, status.size);
        BodyParser parser(head);
        parser.header_limit(8192);
        parser.body_limit(1 << 20);
        parser.extra_limit(8192);
        boost::beast::error_code ec;
        parser.start(ec);
        if (ec) return 0;
        unsigned sum = 0;  // every view still points into live memory (ASan says if not)
        for (auto& [name, value] : head.headers)
            for (char c : std::string(name) + std::string(value)) sum += static_cast<unsigned char>(c);
        while (!parser.is_done()) {
            if (!buffered.empty()) {
                buffered.erase(0, parser.put(boost::asio::buffer(buffered), ec));
                if (ec == boost::beast::http::error::need_more) ec = {};
                if (ec) return 0;
                if (parser.is_done()) break;
            }
            if (!more()) return 0;
        }
        for (auto& [name, value] : head.headers)  // trailers did not move them
            for (char c : name) sum += static_cast<unsigned char>(c);
        if (parser.body_bytes() != head.body.size() || sum == 0xdeadbeef) __builtin_trap();
    }
    return 0;
}
