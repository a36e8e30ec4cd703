// Form bodies, through a mocked request (no socket).
#include <asiohttp/mocked_request.hpp>
#include <asiohttp/tasks.hpp>

#include "test_support.hpp"
#include "web/form.hpp"

namespace {

using asiohttp::test_utils::make_mocked_request;
namespace detail = asiohttp::detail;

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

TEST(Forms, MultipartFieldsAndFiles) {
    asiohttp::web::PostData data;
    detail::parse_multipart(kMultipart, "XyZ", data);
    EXPECT_EQ(data.get("title"), "Hello");
    ASSERT_EQ(data.files.size(), 1u);
    auto* f = data.file("upload");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->filename, "a.txt");
    EXPECT_EQ(f->content_type, "text/plain");
    EXPECT_EQ(f->content, "line 1\r\nline 2");
}

TEST(Forms, MultipartThroughRequestPostAndMalformedIs400) {
    auto req = make_mocked_request(
        "POST", "/f", {.headers = {{"Content-Type", "multipart/form-data; boundary=\"XyZ\""}}, .body = kMultipart});
    auto form = asiohttp::run(req->post());
    EXPECT_EQ(form.get("title"), "Hello");

    asiohttp::web::PostData data;
    EXPECT_THROW(detail::parse_multipart("--XyZ\r\nno end", "XyZ", data), web::HTTPBadRequest);
}

}  // namespace
