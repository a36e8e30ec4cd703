// Form bodies and streamed bodies, through a mocked request (no socket).
#include <filesystem>

#include <asiohttp/mocked_request.hpp>
#include <asiohttp/tasks.hpp>

#include "test_support.hpp"

namespace {

using asiohttp::test_utils::make_mocked_request;
namespace fs = std::filesystem;

TEST(Forms, UrlencodedFieldsInOrderWithPlusAndPercent) {
    auto req = make_mocked_request("POST", "/f",
                                   {.headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                                    .body = "name=Ann+Lee&tag=a&tag=b%26c&empty="});
    auto form = asiohttp::run(req->post());
    EXPECT_EQ(form.get("name"), "Ann Lee");
    EXPECT_EQ(form.fields.getall("tag"), (std::vector<std::string_view>{"a", "b&c"}));
    EXPECT_EQ(form.get("empty"), "");
    EXPECT_TRUE(form.files.empty());
}

const std::string kMultipart =
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
    "Hello\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"upload\"; filename=\"a.txt\"\r\n"
    "Content-Type: text/plain\r\n\r\n"
    "line 1\r\nline 2\r\n"
    "--XyZ--\r\n";

std::unique_ptr<asiohttp::test_utils::MockedRequest> multipart_request(std::string body) {
    return make_mocked_request("POST", "/f",
                               {.headers = {{"Content-Type", "multipart/form-data; boundary=\"XyZ\""}},
                                .body = std::move(body)});
}

TEST(Forms, MultipartFieldsInMemoryFilesSpooledToDiskAndRemovedWithTheForm) {
    fs::path spooled;
    {
        auto req = multipart_request(kMultipart);
        auto form = asiohttp::run(req->post());
        EXPECT_EQ(form.get("title"), "Hello");
        ASSERT_EQ(form.files.size(), 1u);
        auto* f = form.file("upload");
        ASSERT_NE(f, nullptr);
        EXPECT_EQ(f->filename, "a.txt");
        EXPECT_EQ(f->content_type, "text/plain");
        EXPECT_EQ(f->size, 14u);
        spooled = f->file->path();
        EXPECT_EQ(spooled.parent_path(), fs::temp_directory_path());
        EXPECT_EQ(f->file->read(), "line 1\r\nline 2");
        auto again = asiohttp::run(req->post());  // kept: the body is not read twice
        EXPECT_EQ(again.file("upload")->file->path(), spooled);
    }
    EXPECT_FALSE(fs::exists(spooled));
}

TEST(Forms, ASavedUploadIsKeptWhereItWasMoved) {
    const auto dir = fs::temp_directory_path() / ("asiohttp-forms-" + std::to_string(::getpid()));
    fs::create_directories(dir / "spool");
    fs::path spooled;
    {
        auto req = multipart_request(kMultipart);
        asiohttp::web::PostOptions options{.upload_dir = dir / "spool"};
        auto form = asiohttp::run(req->post(options));
        auto& file = *form.file("upload")->file;
        spooled = file.path();
        EXPECT_EQ(spooled.parent_path(), dir / "spool");
        file.save_as(dir / "kept.txt");
    }
    EXPECT_FALSE(fs::exists(spooled));
    EXPECT_EQ(fs::file_size(dir / "kept.txt"), 14u);
    fs::remove_all(dir);
}

TEST(Forms, FieldAndFileLimitsAre413AndMalformedIs400) {
    asiohttp::web::PostOptions small_fields{.max_field_size = 4};
    auto req = multipart_request(kMultipart);
    EXPECT_THROW(asiohttp::run(req->post(small_fields)), web::HTTPRequestEntityTooLarge);
    asiohttp::web::PostOptions small_files{.max_file_size = 10};
    req = multipart_request(kMultipart);
    EXPECT_THROW(asiohttp::run(req->post(small_files)), web::HTTPRequestEntityTooLarge);
    asiohttp::web::PostOptions one_part{.max_parts = 1};
    req = multipart_request(kMultipart);
    EXPECT_THROW(asiohttp::run(req->post(one_part)), web::HTTPRequestEntityTooLarge);

    req = multipart_request("--XyZ\r\nno end");
    EXPECT_THROW(asiohttp::run(req->post()), web::HTTPBadRequest);
    auto plain = make_mocked_request("POST", "/f", {.headers = {{"Content-Type", "text/plain"}}, .body = "x"});
    EXPECT_THROW(plain->multipart(), web::HTTPBadRequest);
}

TEST(Forms, MultipartReaderHandsOutPartsInPiecesAndSkipsUnreadOnes) {
    auto req = multipart_request(kMultipart);
    auto reader = req->multipart();
    auto parts = asiohttp::run([&]() -> awaitable<std::vector<std::string>> {
        std::vector<std::string> seen;
        for (;;) {
            web::BodyPartReader* part = co_await reader.next();
            if (!part) break;
            if (!part->filename()) continue;  // skipped unread
            std::string content;
            for (;;) {
                auto piece = co_await part->read_chunk(3);
                if (piece.empty()) break;
                EXPECT_LE(piece.size(), 3u);
                content.append(piece);
            }
            seen.push_back(std::string(part->name()) + "=" + content);
        }
        co_return seen;
    }());
    EXPECT_EQ(parts, (std::vector<std::string>{"upload=line 1\r\nline 2"}));
}

TEST(Streams, ContentInBoundedPiecesThenEofAndNoReadAfterIt) {
    std::string body(200'000, 'x');
    for (std::size_t i = 0; i < body.size(); ++i) body[i] = char('a' + i % 26);
    auto req = make_mocked_request("POST", "/s", {.body = body, .client_max_size = 1 << 20});
    auto got = asiohttp::run([&]() -> awaitable<std::string> {
        auto& content = req->content();
        std::string out = co_await content.readexactly(10);
        for (;;) {
            auto piece = co_await content.read_chunk(1000);
            if (piece.empty()) break;
            EXPECT_LE(piece.size(), 1000u);
            out.append(piece);
        }
        EXPECT_TRUE(content.at_eof());
        EXPECT_EQ(content.total_bytes(), out.size());
        co_return out;
    }());
    EXPECT_EQ(got, body);
    EXPECT_THROW(asiohttp::run(req->read()), std::logic_error);
}

TEST(Streams, ABodyReadWholeFirstIsStillHandedOutByContentAndLimitsHold) {
    auto req = make_mocked_request("POST", "/s", {.body = "hello"});
    auto got = asiohttp::run([&]() -> awaitable<std::string> {
        auto whole = co_await req->read();
        auto piece = co_await req->content().read_chunk();
        co_return std::string(whole) + "|" + std::string(piece);
    }());
    EXPECT_EQ(got, "hello|hello");

    auto big = make_mocked_request("POST", "/s", {.body = std::string(100, 'x'), .client_max_size = 10});
    EXPECT_THROW(asiohttp::run(big->content().read_chunk()), web::HTTPRequestEntityTooLarge);
    auto short_body = make_mocked_request("POST", "/s", {.body = "abc"});
    EXPECT_THROW(asiohttp::run(short_body->content().readexactly(4)), web::HTTPBadRequest);
}

}  // namespace
