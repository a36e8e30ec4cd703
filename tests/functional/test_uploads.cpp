// Request bodies streamed as they arrive: backpressure, per-route limits, what
// happens to a body the handler leaves unread, and 100 MiB uploads (raw and
// multipart) with the server's memory staying flat.
#include <filesystem>
#include <fstream>
#include <future>

#include <asiohttp/client.hpp>
#include <asiohttp/tasks.hpp>

#include "test_support.hpp"
#include "upload_source.hpp"

namespace {

namespace fs = std::filesystem;
using upload_source::RssWatch;
using upload_source::upload;

constexpr std::uint64_t kMiB = 1 << 20;

// Streams the body, adding up its bytes; says how it came.
awaitable<web::Response> describe_body(web::Request& req) {
    auto& content = req.content();
    std::uint64_t bytes = 0, sum = 0, largest = 0;
    for (;;) {
        auto piece = co_await content.read_chunk();
        if (piece.empty()) break;
        bytes += piece.size();
        largest = std::max<std::uint64_t>(largest, piece.size());
        sum = upload_source::add_bytes(piece, sum);
    }
    co_return web::json_response({{"bytes", bytes},
                                  {"sum", sum},
                                  {"largest_piece", largest},
                                  {"chunked", req.headers().get("Transfer-Encoding", "") == "chunked"},
                                  {"content_length", req.headers().get("Content-Length", "")},
                                  {"type", req.headers().get("Content-Type", "")}});
}

json body_of(const std::string& raw) {
    const auto end = raw.find("\r\n\r\n");
    if (end == std::string::npos) return json::object();
    return json::parse(raw.substr(end + 4), nullptr, false);
}

TEST(Uploads, AHandlerThatStopsReadingHoldsTheClientBack) {
    web::Application app;
    std::atomic<std::uint64_t> sent{0}, sent_while_paused{0}, first_piece{0};
    app.router().add_post(
        "/slow",
        [&](web::Request& req) -> awaitable<web::Response> {
            auto first = co_await req.content().read_chunk();
            first_piece = first.size();
            co_await async_sleep(600ms);  // the client keeps sending meanwhile, into full buffers
            sent_while_paused = sent.load();
            co_return co_await describe_body(req);
        },
        {.client_max_size = 128 * kMiB});
    TestServer server(app);
    const std::uint64_t size = 64 * kMiB;
    const auto head = "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n";
    const auto raw = upload(server.port(), head, "", size, "", &sent);
    ASSERT_EQ(raw.rfind("HTTP/1.1 200", 0), 0u) << raw.substr(0, 200);
    const auto j = body_of(raw);
    EXPECT_GT(first_piece.load(), 0u);
    EXPECT_EQ(j["bytes"].get<std::uint64_t>() + first_piece.load(), size);
    // Only what socket buffers hold went out while the handler paused.
    EXPECT_LT(sent_while_paused.load(), 24 * kMiB);
    EXPECT_GT(sent_while_paused.load(), 0u);
}

TEST(Uploads, ARouteMayTakeMoreOrLessThanTheServerWide413Limit) {
    web::Application app;
    app.router().add_post("/big", describe_body, {.client_max_size = 4 * kMiB});
    app.router().add_post("/tiny", describe_body, {.client_max_size = 10});
    app.router().add_post("/default", describe_body);  // ServerConfig::client_max_size, 1 MiB
    TestServer server(app);
    TestClient client(server);

    const std::string three_mib(3 * kMiB, 'x');
    auto r = client.post("/big", three_mib);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["bytes"], 3 * kMiB);
    EXPECT_LE(r.json()["largest_piece"].get<std::uint64_t>(), 64u << 10);
    EXPECT_EQ(client.post("/tiny", "0123456789").status, 200);

    // Over the route's limit, declared or chunked: a 413 the client gets to
    // read, though it was still sending.
    for (std::string target : {"/default", "/tiny"}) {
        TestClient fresh(server);
        r = fresh.post(target, three_mib);
        EXPECT_EQ(r.status, 413) << target;
        EXPECT_NE(r.body.find(target == "/tiny" ? "limit 10 bytes" : "limit 1048576 bytes"), std::string::npos)
            << r.body;
    }
    TestClient chunked(server);
    chunked.send_raw("POST /tiny HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n01234567\r\n8\r\n01234567\r\n");
    EXPECT_EQ(chunked.read_response().status, 413);

    // Past the largest limit of any route, the head alone is refused.
    TestClient huge(server);
    huge.send_raw("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(5 * kMiB) + "\r\n\r\n");
    auto answer = huge.read_response();
    EXPECT_EQ(answer.status, 413);
    EXPECT_NE(answer.body.find("limit 4194304 bytes"), std::string::npos) << answer.body;
}

TEST(Uploads, AnUnreadSmallBodyIsSkippedAndALargeOneClosesTheConnection) {
    web::Application app;
    app.router().add_post("/ignore", text_handler("ignored"), {.client_max_size = 8 * kMiB});
    TestServer server(app);
    TestClient client(server);
    EXPECT_EQ(client.post("/ignore", std::string(100'000, 'x')).body, "ignored");
    auto r = client.post("/ignore", "small");
    EXPECT_EQ(r.body, "ignored");
    EXPECT_TRUE(r.keep_alive);
    EXPECT_EQ(client.connections_opened(), 1u);

    // 4 MiB nobody reads is not worth receiving: answered, then closed.
    std::atomic<std::uint64_t> sent{0};
    const auto head = "POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(4 * kMiB) + "\r\n\r\n";
    const auto raw = upload(server.port(), head, "", 4 * kMiB, "", &sent);
    EXPECT_EQ(raw.rfind("HTTP/1.1 200", 0), 0u) << raw.substr(0, 200);
    EXPECT_NE(raw.find("Connection: close"), std::string::npos) << raw.substr(0, 300);
}

TEST(Uploads, AHundredMiBStreamedBodyLeavesTheServersMemoryFlat) {
    web::Application app;
    app.router().add_post("/stream", describe_body, {.client_max_size = 200 * kMiB});
    TestServer server(app);
    const std::uint64_t size = 100 * kMiB;
    const auto head = "POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n";
    const auto before = RssWatch::rss();
    std::string raw;
    std::uint64_t peak;
    {
        RssWatch watch;
        raw = upload(server.port(), head, "", size, "");
        peak = watch.peak();
    }
    ASSERT_EQ(raw.rfind("HTTP/1.1 200", 0), 0u) << raw.substr(0, 200);
    const auto j = body_of(raw);
    EXPECT_EQ(j["bytes"], size);
    EXPECT_EQ(j["sum"], upload_source::sum_of(size));
    EXPECT_LT(peak - std::min(peak, before), 32 * kMiB) << "RSS before " << before << ", peak " << peak;
}

TEST(Uploads, AHundredMiBMultipartFileIsSpooledToDiskNotMemory) {
    const auto dir = fs::temp_directory_path() / ("asiohttp-uploads-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    web::Application app;
    app.router().add_post(
        "/form",
        [&](web::Request& req) -> awaitable<web::Response> {
            web::PostOptions options{.upload_dir = dir};
            auto form = co_await req.post(options);
            auto* f = form.file("upload");
            if (!f) throw web::HTTPBadRequest("no upload");
            std::ifstream in(f->file->path(), std::ios::binary);
            std::string buf(1 << 20, '\0');
            std::uint64_t sum = 0;
            while (in.read(buf.data(), buf.size()) || in.gcount() > 0)
                sum = upload_source::add_bytes(std::string_view(buf.data(), std::size_t(in.gcount())), sum);
            co_return web::json_response({{"title", form.get("title", "")},
                                          {"filename", f->filename},
                                          {"size", f->size},
                                          {"on_disk", fs::file_size(f->file->path())},
                                          {"in_dir", f->file->path().parent_path() == dir},
                                          {"sum", sum}});
        },
        {.client_max_size = 200 * kMiB});
    TestServer server(app);
    const std::uint64_t size = 100 * kMiB;
    const std::string prefix =
        "--B0und\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nbig one\r\n"
        "--B0und\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"big.bin\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n";
    const std::string suffix = "\r\n--B0und--\r\n";
    const auto head = "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B0und\r\n"
                      "Content-Length: " + std::to_string(prefix.size() + size + suffix.size()) + "\r\n\r\n";
    const auto before = RssWatch::rss();
    std::string raw;
    std::uint64_t peak;
    {
        RssWatch watch;
        raw = upload(server.port(), head, prefix, size, suffix);
        peak = watch.peak();
    }
    ASSERT_EQ(raw.rfind("HTTP/1.1 200", 0), 0u) << raw.substr(0, 300);
    const auto j = body_of(raw);
    EXPECT_EQ(j["title"], "big one");
    EXPECT_EQ(j["filename"], "big.bin");
    EXPECT_EQ(j["size"], size);
    EXPECT_EQ(j["on_disk"], size);
    EXPECT_EQ(j["in_dir"], true);
    EXPECT_EQ(j["sum"], upload_source::sum_of(size));
    EXPECT_LT(peak - std::min(peak, before), 32 * kMiB) << "RSS before " << before << ", peak " << peak;
    // The spooled file goes with the request, just after its answer.
    for (int i = 0; i < 200 && !fs::is_empty(dir); ++i) std::this_thread::sleep_for(10ms);
    EXPECT_TRUE(fs::is_empty(dir));
    fs::remove_all(dir);
}

// Generated payload bytes as a client-side stream, `piece` bytes at a time.
asiohttp::Payload::Reader generated(std::uint64_t size, std::size_t piece = 256 << 10) {
    return [size, piece, done = std::uint64_t(0), out = std::string()]() mutable -> awaitable<std::string_view> {
        out.resize(std::size_t(std::min<std::uint64_t>(piece, size - done)));
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = upload_source::byte_at(done + i);
        done += out.size();
        co_return std::string_view(out);
    };
}

class ClientUploads : public ::testing::Test {
protected:
    ClientUploads() {
        app.router().add_post("/describe", describe_body, {.client_max_size = 200 * kMiB});
        app.router().add_post(
            "/form",
            [](web::Request& req) -> awaitable<web::Response> {
                auto form = co_await req.post();
                json files = json::array();
                for (auto& f : form.files)
                    files.push_back({{"name", f.name}, {"filename", f.filename}, {"type", f.content_type},
                                     {"content", f.file->read()}});
                json fields = json::object();
                for (auto& [k, v] : form.fields) fields[std::string(k)] = v;
                co_return web::json_response({{"fields", fields}, {"files", files}});
            },
            {.client_max_size = 8 * kMiB});
        app.router().add_post("/again", [](web::Request&) -> awaitable<web::Response> {
            throw web::HTTPTemporaryRedirect("/describe");
        });
        server.emplace(app);
    }
    std::string url(std::string_view path) const { return server->url(path); }

    web::Application app;
    std::optional<TestServer> server;
};

TEST_F(ClientUploads, AHundredMiBStreamGoesChunkedWithMemoryFlatOnBothSides) {
    const std::uint64_t size = 100 * kMiB;
    const auto before = RssWatch::rss();
    json j;
    std::uint64_t peak;
    {
        RssWatch watch;
        j = asiohttp::run([&]() -> awaitable<json> {
            asiohttp::ClientSession session;
            asiohttp::RequestOptions upload{.data = asiohttp::Payload::stream(generated(size))};
            auto r = co_await session.post(url("/describe"), upload);
            co_return co_await r.json();
        }());
        peak = watch.peak();
    }
    EXPECT_EQ(j["chunked"], true);
    EXPECT_EQ(j["bytes"], size);
    EXPECT_EQ(j["sum"], upload_source::sum_of(size));
    EXPECT_LT(peak - std::min(peak, before), 32 * kMiB) << "RSS before " << before << ", peak " << peak;
}

TEST_F(ClientUploads, AFileGoesWithItsLengthAndIsSentAgainAfterA307) {
    const auto path = fs::temp_directory_path() / ("asiohttp-upload-" + std::to_string(::getpid()) + ".bin");
    const std::uint64_t size = 5 * kMiB + 7;
    {
        std::ofstream out(path, std::ios::binary);
        for (std::uint64_t i = 0; i < size; ++i) out.put(upload_source::byte_at(i));
    }
    auto [direct, redirected] = asiohttp::run([&]() -> awaitable<std::pair<json, json>> {
        asiohttp::ClientSession session;
        asiohttp::RequestOptions upload{.data = asiohttp::Payload::file(path, "application/x-tar")};
        auto r = co_await session.post(url("/describe"), upload);
        auto first = co_await r.json();
        auto again = co_await session.post(url("/again"), upload);
        co_return std::pair{first, co_await again.json()};
    }());
    for (auto& j : {direct, redirected}) {
        EXPECT_EQ(j["chunked"], false);
        EXPECT_EQ(j["content_length"], std::to_string(size));
        EXPECT_EQ(j["type"], "application/x-tar");
        EXPECT_EQ(j["sum"], upload_source::sum_of(size));
    }
    fs::remove(path);
}

TEST_F(ClientUploads, AStreamIsSentOnceAndMustKeepToItsDeclaredSize) {
    asiohttp::run([&]() -> awaitable<void> {
        asiohttp::ClientSession session;
        asiohttp::RequestOptions once{.data = asiohttp::Payload::stream(generated(1000))};
        EXPECT_THROW(co_await session.post(url("/again"), once), asiohttp::ClientError);
        asiohttp::RequestOptions too_long{.data = asiohttp::Payload::stream(generated(1000), 999)};
        EXPECT_THROW(co_await session.post(url("/describe"), too_long), asiohttp::ClientPayloadError);
        asiohttp::RequestOptions too_short{.data = asiohttp::Payload::stream(generated(1000), 1001)};
        EXPECT_THROW(co_await session.post(url("/describe"), too_short), asiohttp::ClientPayloadError);
        // The session is still fine.
        asiohttp::RequestOptions exact{.data = asiohttp::Payload::stream(generated(1000, 7), 1000)};
        auto r = co_await session.post(url("/describe"), exact);
        auto j = co_await r.json();
        EXPECT_EQ(j["bytes"], 1000);
        EXPECT_EQ(j["content_length"], "1000");
    }());
}

TEST_F(ClientUploads, FormDataSendsFieldsAndFilesFromMemoryAndDisk) {
    const auto path = fs::temp_directory_path() / ("asiohttp-form-" + std::to_string(::getpid()) + ".txt");
    std::ofstream(path) << "from disk\n";
    auto j = asiohttp::run([&]() -> awaitable<json> {
        asiohttp::ClientSession session;
        asiohttp::FormData form;
        form.add_field("title", "a \"quoted\" title");
        form.add_field("notes", "in memory", "notes \"v2\".txt", "text/plain");
        form.add_file("doc", path, "", "text/markdown");
        asiohttp::RequestOptions upload{.data = form};
        auto r = co_await session.post(url("/form"), upload);
        co_return co_await r.json();
    }());
    fs::remove(path);
    EXPECT_EQ(j["fields"], json({{"title", "a \"quoted\" title"}}));
    ASSERT_EQ(j["files"].size(), 2u) << j.dump();
    EXPECT_EQ(j["files"][0], json({{"name", "notes"}, {"filename", "notes %22v2%22.txt"}, {"type", "text/plain"},
                                   {"content", "in memory"}}));
    EXPECT_EQ(j["files"][1], json({{"name", "doc"}, {"filename", path.filename().string()},
                                   {"type", "text/markdown"}, {"content", "from disk\n"}}));
}

}  // namespace
