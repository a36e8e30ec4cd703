// Response compression (middleware::compression, Response::enable_compression)
// and compressed request bodies, over real sockets; curl decodes what we send,
// as an outside check of every coding.
#include <asiohttp/client.hpp>
#include <asiohttp/tasks.hpp>
#include <asiohttp/middleware/compression.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "codec/codec.hpp"
#include "run_command.hpp"
#include "sample_text.hpp"
#include "test_support.hpp"

namespace mw = asiohttp::middleware;
namespace detail = asiohttp::detail;
using web::ContentCoding;

namespace {


std::string encode(ContentCoding coding, std::string_view text) {
    auto encoder = detail::make_encoder(coding, {});
    std::string out;
    encoder->write(text, out);
    encoder->finish(out);
    return out;
}

std::string decode(std::string_view coding, std::string_view wire) {
    auto decoder = detail::make_decoder(*web::parse_content_coding(coding));
    std::string out;
    decoder->write(wire, out);
    EXPECT_TRUE(decoder->done()) << coding;
    return out;
}

asiohttp::CIMultiDict accepting(std::string_view codings) { return {{"Accept-Encoding", codings}}; }

const std::string kBig = sample_text(20'000);

web::Application& compressing_app(web::Application& app, web::CompressionOptions options = {}) {
    app.on_response_prepare.append(mw::compression(std::move(options)));
    app.router().add_get("/big", text_handler(kBig));
    app.router().add_get("/small", text_handler("tiny"));
    app.router().add_get("/png", [](web::Request&) -> awaitable<web::Response> {
        co_return web::Response::bytes(kBig, "image/png");
    });
    app.router().add_get("/json", [](web::Request&) -> awaitable<web::Response> {
        co_return web::json_response({{"text", kBig}});
    });
    app.router().add_get("/missing", [](web::Request&) -> awaitable<web::Response> {
        throw web::HTTPNotFound(kBig);
    });
    app.router().add_get("/own-encoding", [](web::Request&) -> awaitable<web::Response> {
        auto resp = web::Response::text(encode(ContentCoding::gzip, kBig));
        resp.headers().set("Content-Encoding", "gzip");
        co_return resp;
    });
    return app;
}

TEST(Compression, TheClientsPreferredCodingIsUsedAndDecodesToTheBody) {
    web::Application app;
    TestServer server(compressing_app(app));
    TestClient client(server);
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"gzip", "gzip"},
        {"deflate", "deflate"},
        {"br", "br"},
        {"zstd", "zstd"},
        {"gzip, deflate, br, zstd", "zstd"},
        {"gzip;q=1, br;q=0.5", "gzip"},
        {"*", "zstd"},
        {"x-gzip;q=0.9, deflate;q=0.8, unknown", "gzip"},
    };
    for (auto [accept, expected] : cases) {
        auto r = client.get("/big", accepting(accept));
        EXPECT_EQ(r.status, 200) << accept;
        EXPECT_EQ(r.header("Content-Encoding"), expected) << accept;
        EXPECT_EQ(r.header("Vary"), "Accept-Encoding") << accept;
        EXPECT_LT(r.body.size(), kBig.size() / 3) << accept;
        EXPECT_EQ(decode(expected, r.body), kBig) << accept;
        EXPECT_EQ(r.header("Content-Length"), std::to_string(r.body.size()));
    }
    auto json = client.get("/json", accepting("br"));
    EXPECT_EQ(json.header("Content-Encoding"), "br");
    EXPECT_EQ(nlohmann::json::parse(decode("br", json.body))["text"], kBig);
    // HTTP errors are compressed as well.
    auto missing = client.get("/missing", accepting("gzip"));
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.header("Content-Encoding"), "gzip");
    EXPECT_EQ(decode("gzip", missing.body), kBig);
}

TEST(Compression, WhatIsNotWorthItOrNotAcceptedGoesAsItIs) {
    web::Application app;
    TestServer server(compressing_app(app));
    TestClient client(server);
    for (auto accept : {"", "identity", "compress, exi", "gzip;q=0", "*;q=0"}) {
        auto r = client.get("/big", accepting(accept));
        EXPECT_EQ(r.header("Content-Encoding"), "") << accept;
        EXPECT_EQ(r.body, kBig) << accept;
        EXPECT_EQ(r.header("Vary"), "Accept-Encoding") << accept;  // another client may get it compressed
    }
    auto none = client.get("/big");  // no Accept-Encoding at all
    EXPECT_EQ(none.header("Content-Encoding"), "");
    EXPECT_EQ(none.body, kBig);

    auto small = client.get("/small", accepting("gzip"));
    EXPECT_EQ(small.header("Content-Encoding"), "");
    EXPECT_EQ(small.body, "tiny");
    // ...unless the client refuses identity: then even a small body is compressed.
    auto refused = client.get("/small", accepting("gzip, identity;q=0"));
    EXPECT_EQ(refused.header("Content-Encoding"), "gzip");
    EXPECT_EQ(decode("gzip", refused.body), "tiny");

    auto png = client.get("/png", accepting("gzip"));  // not a listed type
    EXPECT_EQ(png.header("Content-Encoding"), "");
    EXPECT_EQ(png.header("Vary"), "");
    EXPECT_EQ(png.body, kBig);

    auto own = client.get("/own-encoding", accepting("br"));  // the handler encoded it itself
    EXPECT_EQ(own.header("Content-Encoding"), "gzip");
    EXPECT_EQ(decode("gzip", own.body), kBig);
}

TEST(Compression, HeadAnswersWithTheHeadersOfTheCompressedGet) {
    web::Application app;
    TestServer server(compressing_app(app));
    TestClient client(server);
    auto get = client.get("/big", accepting("gzip"));
    auto head = client.head("/big", accepting("gzip"));
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("Content-Encoding"), "gzip");
    EXPECT_EQ(head.header("Content-Length"), get.header("Content-Length"));
    EXPECT_EQ(head.body, "");
    EXPECT_EQ(client.get("/small").body, "tiny");  // the connection is still in step
}

TEST(Compression, OnlyResponsesThatAskAreCompressed) {
    web::Application app;  // no hook: enable_compression per response, as in aiohttp
    app.router().add_get("/asks", [](web::Request&) -> awaitable<web::Response> {
        auto resp = web::Response::text(kBig);
        resp.enable_compression();
        co_return resp;
    });
    app.router().add_get("/plain", text_handler(kBig));
    TestServer server(app);
    TestClient client(server);
    EXPECT_EQ(client.get("/asks", accepting("gzip")).header("Content-Encoding"), "gzip");
    auto plain = client.get("/plain", accepting("gzip"));
    EXPECT_EQ(plain.header("Content-Encoding"), "");
    EXPECT_EQ(plain.header("Vary"), "");
}

// A streamed response is compressed as it streams: each write can be decoded
// by the client when it arrives, before the handler has finished.
TEST(Compression, AStreamedResponseIsCompressedAsItStreams) {
    std::atomic<bool> first_part_seen{false};
    web::Application app;
    app.on_response_prepare.append(mw::compression());
    app.router().add_get("/events", [&](web::Request& req) -> awaitable<web::Response> {
        web::StreamResponse resp;
        resp.set_content_type("text/event-stream");
        co_await resp.prepare(req);
        co_await resp.write("data: first\n\n");
        for (int i = 0; i < 500 && !first_part_seen; ++i) co_await async_sleep(10ms);
        co_await resp.write("data: second\n\n");
        co_await resp.write_eof();
        co_return resp;
    });
    TestServer server(app);
    // Read the head and the first chunk by hand.
    asio::io_context io;
    asio::ip::tcp::socket sock(io);
    sock.connect({asio::ip::make_address("127.0.0.1"), server.port()});
    asio::write(sock, asio::buffer(std::string_view("GET /events HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n")));
    std::string wire;
    auto decoder = detail::make_decoder(ContentCoding::gzip);
    std::string decoded;
    std::size_t consumed = 0;  // bytes of `wire` parsed so far (head, then chunks)
    bool head_done = false;
    while (decoded.find("first") == std::string::npos) {
        char buf[4096];
        boost::system::error_code ec;
        auto n = sock.read_some(asio::buffer(buf), ec);
        ASSERT_FALSE(ec) << ec.message();
        wire.append(buf, n);
        if (!head_done) {
            auto end = wire.find("\r\n\r\n");
            if (end == std::string::npos) continue;
            const auto head = wire.substr(0, end);
            EXPECT_NE(head.find("Content-Encoding: gzip"), std::string::npos) << head;
            EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos) << head;
            consumed = end + 4;
            head_done = true;
        }
        for (;;) {  // whole chunks only
            auto line_end = wire.find("\r\n", consumed);
            if (line_end == std::string::npos) break;
            const auto size = std::stoul(wire.substr(consumed, line_end - consumed), nullptr, 16);
            if (wire.size() < line_end + 2 + size + 2) break;
            decoder->write(std::string_view(wire).substr(line_end + 2, size), decoded);
            consumed = line_end + 2 + size + 2;
        }
    }
    EXPECT_EQ(decoded, "data: first\n\n");
    EXPECT_FALSE(decoder->done());
    first_part_seen = true;
    // The whole stream, through a client that decodes for itself.
    asiohttp::run([&]() -> awaitable<void> {
        asiohttp::ClientSession session;
        asiohttp::RequestOptions options{.headers = accepting("gzip")};  // named: GCC 12
        auto r = co_await session.get(server.url("/events"), options);
        EXPECT_EQ(r.headers().get("Content-Encoding", ""), "gzip");
        EXPECT_EQ(co_await r.text(), "data: first\n\ndata: second\n\n");
    }());
}

// Compressing a large body gives the thread back between slices: on a
// one-thread server, other requests are answered between the moment the
// handler returned the body and the moment its compressed head goes out.
TEST(Compression, ALargeBodyDoesNotHoldUpOtherRequests) {
    const std::string huge = sample_text(16u << 20);
    std::atomic<bool> handler_returned{false}, head_arrived{false};
    web::Application app;
    app.on_response_prepare.append(mw::compression({.gzip_level = 9}));
    app.router().add_get("/huge", [&](web::Request&) -> awaitable<web::Response> {
        auto resp = web::Response::text(huge);
        handler_returned = true;  // compression starts once this returns
        co_return resp;
    });
    app.router().add_get("/small", text_handler("tiny"));
    auto config = TestServer::default_config();
    config.threads = 1;
    TestServer server(app, config);

    std::thread big([&] {
        asio::io_context io;
        asio::ip::tcp::socket sock(io);
        sock.connect({asio::ip::make_address("127.0.0.1"), server.port()});
        asio::write(sock, asio::buffer(std::string_view(
                              "GET /huge HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n")));
        char buf[65536];
        boost::system::error_code ec;
        std::size_t total = sock.read_some(asio::buffer(buf), ec);
        head_arrived = true;
        while (!ec) total += sock.read_some(asio::buffer(buf), ec);
        EXPECT_GT(total, 1000u);
    });
    TestClient small(server, {.timeout = 120s});
    int answered_meanwhile = 0;
    for (int i = 0; i < 100'000 && !head_arrived; ++i) {
        auto r = small.get("/small");
        if (handler_returned && !head_arrived && r.body == "tiny") ++answered_meanwhile;
    }
    big.join();
    EXPECT_GE(answered_meanwhile, 5);
}

TEST(Compression, EveryCodingDecodesInCurl) {
    web::Application app;
    TestServer server(compressing_app(app));
    for (auto coding : {"gzip", "deflate", "br", "zstd"}) {
        const auto r = run_command("curl -s --compressed -H 'Accept-Encoding: " + std::string(coding) + "' " +
                                       server.url("/big"),
                                   false);
        EXPECT_EQ(r.status, 0) << coding;
        EXPECT_EQ(r.output, kBig) << coding;
        const auto headers = run_command("curl -s -o /dev/null -D - -H 'Accept-Encoding: " + std::string(coding) +
                                         "' " + server.url("/big"));
        EXPECT_NE(headers.output.find(std::string("Content-Encoding: ") + coding), std::string::npos) << coding;
    }
}

TEST(Compression, TheClientSessionAsksForAndDecodesEveryCoding) {
    std::mutex m;
    std::vector<std::string> seen_accept;
    web::Application app;
    compressing_app(app);
    app.router().add_get("/echo-accept", [&](web::Request& req) -> awaitable<web::Response> {
        std::lock_guard lock(m);
        seen_accept.emplace_back(req.headers().get("Accept-Encoding", ""));
        co_return web::Response::text("ok");
    });
    TestServer server(app);
    asiohttp::run([&]() -> awaitable<void> {
        asiohttp::ClientSession session;
        for (auto coding : {"gzip", "deflate", "br", "zstd"}) {
            asiohttp::RequestOptions options{.headers = accepting(coding)};  // named: GCC 12
            auto r = co_await session.get(server.url("/big"), options);
            EXPECT_EQ(r.headers().get("Content-Encoding", ""), coding);
            EXPECT_EQ(co_await r.text(), kBig) << coding;
        }
        auto r = co_await session.get(server.url("/echo-accept"));
        co_await r.read();
    }());
    ASSERT_EQ(seen_accept.size(), 1u);
    EXPECT_EQ(seen_accept[0], "gzip, deflate, br, zstd");
}

// --- static files: ETags, 304, ranges, precompressed siblings ---

class CompressedStatic : public ::testing::Test {
protected:
    void SetUp() override {
        root = std::filesystem::temp_directory_path() / ("asiohttp-static-" + std::to_string(::getpid()));
        std::filesystem::create_directories(root);
        std::ofstream(root / "app.js") << kBig;
        std::ofstream(root / "page.html") << kBig;
        // Siblings made by the tools a deployment uses.
        EXPECT_EQ(run_command("gzip -k -9 " + (root / "app.js").string()).status, 0);
        EXPECT_EQ(run_command("zstd -q -k -19 " + (root / "app.js").string()).status, 0);
        std::ofstream(root / "app.js.br", std::ios::binary) << encode(ContentCoding::br, kBig);
        app.on_response_prepare.append(mw::compression());
        app.router().add_static("/static", root);
    }
    void TearDown() override { std::filesystem::remove_all(root); }
    std::string file(std::string_view name) {
        std::ifstream in(root / name, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }
    std::filesystem::path root;
    web::Application app;
};

TEST_F(CompressedStatic, PrecompressedSiblingsAreServedAsTheyAre) {
    TestServer server(app);
    TestClient client(server);
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"gzip", "app.js.gz"}, {"br", "app.js.br"}, {"zstd", "app.js.zst"}, {"gzip, br, zstd", "app.js.zst"},
        {"gzip;q=0.9, br", "app.js.br"}};
    for (auto [accept, sibling] : cases) {
        auto r = client.get("/static/app.js", accepting(accept));
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, file(sibling)) << accept;
        EXPECT_EQ(r.header("Content-Type"), "text/javascript") << accept;
        EXPECT_EQ(r.header("Vary"), "Accept-Encoding");
        EXPECT_EQ(r.header("Accept-Ranges"), "");
    }
    // deflate has no sibling: compressed on the fly instead.
    auto deflate = client.get("/static/app.js", accepting("deflate"));
    EXPECT_EQ(deflate.header("Content-Encoding"), "deflate");
    EXPECT_EQ(decode("deflate", deflate.body), kBig);
    auto identity = client.get("/static/app.js");
    EXPECT_EQ(identity.body, kBig);
    EXPECT_EQ(identity.header("Vary"), "Accept-Encoding");  // siblings exist: it depends
    // And as curl sees them.
    const auto r = run_command("curl -s --compressed -H 'Accept-Encoding: br' " + server.url("/static/app.js"), false);
    EXPECT_EQ(r.output, kBig);
}

TEST_F(CompressedStatic, ETagsAreWeakFor304AndRangesAreServedUncompressed) {
    TestServer server(app);
    TestClient client(server);
    auto gz = client.get("/static/page.html", accepting("gzip"));
    EXPECT_EQ(gz.header("Content-Encoding"), "gzip");
    EXPECT_EQ(decode("gzip", gz.body), kBig);
    const std::string etag(gz.header("ETag"));
    ASSERT_TRUE(etag.starts_with("W/\"")) << etag;
    auto identity = client.get("/static/page.html");
    EXPECT_EQ(identity.header("ETag"), etag.substr(2));  // the strong one, for the identity bytes
    EXPECT_EQ(identity.header("Accept-Ranges"), "bytes");

    auto cached = client.get("/static/page.html", {{"Accept-Encoding", "gzip"}, {"If-None-Match", etag}});
    EXPECT_EQ(cached.status, 304);
    EXPECT_EQ(cached.header("Content-Encoding"), "");
    EXPECT_EQ(cached.body, "");

    auto range = client.get("/static/page.html", {{"Accept-Encoding", "gzip"}, {"Range", "bytes=100-199"}});
    EXPECT_EQ(range.status, 206);
    EXPECT_EQ(range.header("Content-Encoding"), "");
    EXPECT_EQ(range.body, kBig.substr(100, 100));
    auto sibling_range = client.get("/static/app.js", {{"Accept-Encoding", "br"}, {"Range", "bytes=0-9"}});
    EXPECT_EQ(sibling_range.status, 206);
    EXPECT_EQ(sibling_range.body, kBig.substr(0, 10));
    auto head = client.head("/static/page.html", accepting("gzip"));
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("Content-Encoding"), "gzip");
    EXPECT_EQ(head.header("Content-Length"), "");  // unknown without compressing the file
    EXPECT_EQ(client.get("/static/page.html").body, kBig);  // still in step after the HEAD
}

TEST_F(CompressedStatic, ALargeFileIsCompressedAsItIsRead) {
    const auto large = sample_text(3u << 20);  // beyond FileResponse's 256 KiB chunk: streamed
    std::ofstream(root / "large.txt") << large;
    TestServer server(app);
    TestClient client(server);
    auto r = client.get("/static/large.txt", accepting("br"));
    EXPECT_EQ(r.header("Content-Encoding"), "br");
    EXPECT_EQ(r.header("Transfer-Encoding"), "chunked");
    EXPECT_EQ(decode("br", r.body), large);
}

// --- request bodies with a Content-Encoding ---

TEST(CompressedRequests, BodiesAreDecodedAndAZipBombIsA413) {
    web::Application app;
    app.router().add_post("/echo", [](web::Request& req) -> awaitable<web::Response> {
        auto body = co_await req.text();
        co_return web::Response::text("got " + std::to_string(body.size()) + ": " + std::string(body.substr(0, 10)));
    });
    auto config = TestServer::default_config();
    config.client_max_size = 1u << 20;
    TestServer server(app, config);
    TestClient client(server);
    for (auto coding : {ContentCoding::gzip, ContentCoding::deflate, ContentCoding::br, ContentCoding::zstd}) {
        const auto text = sample_text(500'000);
        auto r = client.post("/echo", encode(coding, text), "text/plain",
                             {{"Content-Encoding", std::string(web::to_string(coding))}});
        EXPECT_EQ(r.status, 200) << web::to_string(coding);
        EXPECT_EQ(r.body, "got 500000: " + text.substr(0, 10));

        // 64 MiB of zeros in under a MiB on the wire: refused, not allocated.
        const std::string bomb = encode(coding, std::string(64u << 20, '\0'));
        ASSERT_LT(bomb.size(), 1u << 20);
        auto refused = client.post("/echo", bomb, "text/plain", {{"Content-Encoding", std::string(web::to_string(coding))}});
        EXPECT_EQ(refused.status, 413) << web::to_string(coding);
        EXPECT_NE(refused.body.find("limit 1048576 bytes"), std::string::npos) << refused.body;
    }
    auto corrupt = client.post("/echo", std::string(100, 'x'), "text/plain", {{"Content-Encoding", "gzip"}});
    EXPECT_EQ(corrupt.status, 400);
    auto truncated = client.post("/echo", encode(ContentCoding::gzip, sample_text(10'000)).substr(0, 200), "text/plain",
                                 {{"Content-Encoding", "gzip"}});
    EXPECT_EQ(truncated.status, 400);
    EXPECT_NE(truncated.body.find("ends early"), std::string::npos) << truncated.body;
    auto unknown = client.post("/echo", "abc", "text/plain", {{"Content-Encoding", "compress"}});
    EXPECT_EQ(unknown.status, 415);
    auto identity = client.post("/echo", "plain body", "text/plain", {{"Content-Encoding", "identity"}});
    EXPECT_EQ(identity.body, "got 10: plain body");
    EXPECT_EQ(client.connections_opened(), 1u);  // every answer kept the connection
}

}  // namespace
