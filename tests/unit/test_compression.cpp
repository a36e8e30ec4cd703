// Accept-Encoding negotiation and the codecs behind compression.
#include "codec/codec.hpp"
#include "sample_text.hpp"
#include "test_support.hpp"

namespace {

namespace detail = asiohttp::detail;
using web::ContentCoding;

const std::vector<ContentCoding> kOffered{ContentCoding::zstd, ContentCoding::br, ContentCoding::gzip,
                                          ContentCoding::deflate};

ContentCoding pick(std::string_view accept) { return web::negotiate_coding(accept, kOffered).coding; }

TEST(Negotiation, TheHighestQValueWinsAndTheServersOrderBreaksTies) {
    EXPECT_EQ(pick("gzip"), ContentCoding::gzip);
    EXPECT_EQ(pick("gzip, deflate, br"), ContentCoding::br);              // a tie: the server's order
    EXPECT_EQ(pick("br;q=0.5, gzip"), ContentCoding::gzip);
    EXPECT_EQ(pick("gzip;q=0.8, deflate;q=0.9"), ContentCoding::deflate);
    EXPECT_EQ(pick("GZip ; Q=0.3"), ContentCoding::gzip);                 // any case, spaces
    EXPECT_EQ(pick("x-gzip"), ContentCoding::gzip);
    EXPECT_EQ(pick("*"), ContentCoding::zstd);                            // anything: our first
    EXPECT_EQ(pick("*;q=0.5, zstd;q=0.1"), ContentCoding::br);            // named beats the wildcard
    EXPECT_EQ(pick("gzip, deflate, br, zstd"), ContentCoding::zstd);      // curl --compressed
}

TEST(Negotiation, NothingAcceptableMeansIdentity) {
    EXPECT_EQ(pick(""), ContentCoding::identity);
    EXPECT_EQ(pick("compress, exi, foo"), ContentCoding::identity);       // unknown codings
    EXPECT_EQ(pick("gzip;q=0"), ContentCoding::identity);
    EXPECT_EQ(pick("*;q=0"), ContentCoding::identity);
    EXPECT_EQ(pick("gzip;q=1.5, br;q=abc, zstd;q=0.0001"), ContentCoding::identity);  // malformed weights
    EXPECT_EQ(pick("identity;q=1, gzip;q=0.5"), ContentCoding::identity);  // identity preferred
    EXPECT_EQ(web::negotiate_coding("gzip", {ContentCoding::br}).coding, ContentCoding::identity);
}

TEST(Negotiation, IdentityRefusedIsReported) {
    EXPECT_TRUE(web::negotiate_coding("gzip, identity;q=0", kOffered).identity_refused);
    EXPECT_TRUE(web::negotiate_coding("*;q=0", kOffered).identity_refused);
    EXPECT_FALSE(web::negotiate_coding("*;q=0, identity", kOffered).identity_refused);
    EXPECT_FALSE(web::negotiate_coding("gzip", kOffered).identity_refused);
}

TEST(Codings, NamesRoundTrip) {
    for (auto c : {ContentCoding::gzip, ContentCoding::deflate, ContentCoding::br, ContentCoding::zstd})
        EXPECT_EQ(web::parse_content_coding(web::to_string(c)), c);
    EXPECT_FALSE(web::parse_content_coding("compress").has_value());
}


class EachCoding : public ::testing::TestWithParam<ContentCoding> {};

TEST_P(EachCoding, RoundTripsInPiecesAndFlushMakesEverythingSoFarReadable) {
    const web::CompressionOptions options;
    const auto text = sample_text(300'000);
    auto encoder = detail::make_encoder(GetParam(), options);
    auto decoder = detail::make_decoder(GetParam());
    std::string wire, decoded;
    std::size_t fed = 0;
    for (std::size_t at = 0; at < text.size(); at += 70'000) {
        encoder->write(std::string_view(text).substr(at, 70'000), wire);
        encoder->flush(wire);
        decoder->write(std::string_view(wire).substr(fed), decoded);
        fed = wire.size();
        // What was written so far decodes now, before the stream ends.
        EXPECT_EQ(decoded, text.substr(0, std::min(text.size(), at + 70'000)));
    }
    EXPECT_FALSE(decoder->done());
    encoder->finish(wire);
    decoder->write(std::string_view(wire).substr(fed), decoded);
    EXPECT_TRUE(decoder->done());
    EXPECT_EQ(decoded, text);
    EXPECT_LT(wire.size(), text.size() / 3);
}

TEST_P(EachCoding, ABombStopsAtTheLimitWithoutDecodingFurther) {
    auto encoder = detail::make_encoder(GetParam(), {});
    std::string zeros(64u << 20, '\0'), bomb;
    encoder->write(zeros, bomb);
    encoder->finish(bomb);
    ASSERT_LT(bomb.size(), 1u << 20);
    auto decoder = detail::make_decoder(GetParam(), 1u << 20);
    std::string out;
    EXPECT_THROW(decoder->write(bomb, out), detail::DecodedTooLarge);
    EXPECT_LE(out.size(), (1u << 20) + 1);
    // Exactly at the limit is fine.
    auto exact = detail::make_decoder(GetParam(), 64u << 20);
    std::string all;
    exact->write(bomb, all);
    EXPECT_EQ(all.size(), 64u << 20);
    EXPECT_TRUE(exact->done());
}

TEST_P(EachCoding, CorruptInputIsADecodeError) {
    auto decoder = detail::make_decoder(GetParam());
    std::string out;
    EXPECT_THROW(decoder->write(std::string(64, '\xff'), out), detail::DecodeError);
}

INSTANTIATE_TEST_SUITE_P(Compression, EachCoding,
                         ::testing::Values(ContentCoding::gzip, ContentCoding::deflate, ContentCoding::br,
                                           ContentCoding::zstd),
                         [](const auto& info) { return std::string(web::to_string(info.param)); });

}  // namespace
