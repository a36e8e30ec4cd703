// permessage-deflate (RFC 7692) on the demo's /ws/echo, in the shape of the
// Autobahn testsuite's sections 12 and 13: every offer (default; window bits
// 9 and 15; no context takeover in both directions) with messages of 16 bytes
// to 128 KiB, each echoed whole and in order; a client that offers nothing
// gets no extension. (Autobahn's own cases run 1,000 messages each; 20 here.)
#include <random>

#include "demo_app.hpp"
#include "test_support.hpp"

namespace {

using test_utils::WSClient;

struct Offer {
    int window_bits;
    bool no_context_takeover;
};

// Text like Autobahn's: words from a small vocabulary, so it compresses.
std::string text_of(std::size_t size, std::mt19937& rng) {
    static constexpr std::string_view words[] = {"lorem", "ipsum", "dolor", "sit", "amet", "consectetur",
                                                 "adipiscing", "elit", "sed", "do", "eiusmod", "tempor"};
    std::string out;
    while (out.size() < size) out.append(words[rng() % std::size(words)]).push_back(' ');
    out.resize(size);
    return out;
}

struct DeflateEcho : ::testing::TestWithParam<Offer> {
    DeflateEcho() { demo::setup_routes(app); }
    web::Application app;
};

TEST_P(DeflateEcho, EveryMessageSizeComesBackWhole) {
    const auto offer = GetParam();
    TestServer server(app);
    WSClient ws(server, "/ws/echo",
                {.compress = true, .deflate_window_bits = offer.window_bits,
                 .deflate_no_context_takeover = offer.no_context_takeover});
    const auto extensions = ws.extensions();
    ASSERT_NE(extensions.find("permessage-deflate"), std::string::npos) << extensions;
    if (offer.no_context_takeover) {  // RFC 7692 §7.1.1: granted as asked
        EXPECT_NE(extensions.find("server_no_context_takeover"), std::string::npos) << extensions;
        EXPECT_NE(extensions.find("client_no_context_takeover"), std::string::npos) << extensions;
    }
    if (offer.window_bits < 15) {  // §7.1.2: the server's window is no larger than asked
        EXPECT_NE(extensions.find("server_max_window_bits=" + std::to_string(offer.window_bits)), std::string::npos)
            << extensions;
    }
    std::mt19937 rng(offer.window_bits * 2 + offer.no_context_takeover);
    for (std::size_t size = 16; size <= (128u << 10); size *= 4) {
        for (int i = 0; i < 20; ++i) {
            const auto text = text_of(size, rng);
            if (i % 2) ws.send_binary(text);
            else ws.send_text(text);
            auto back = ws.receive();
            ASSERT_TRUE(back) << size;
            ASSERT_EQ(back->text, i % 2 == 0) << size;
            ASSERT_EQ(back->data, text) << size << " bytes, message " << i;
        }
    }
}

std::string offer_name(const ::testing::TestParamInfo<Offer>& info) {
    return "WindowBits" + std::to_string(info.param.window_bits) +
           (info.param.no_context_takeover ? "NoContextTakeover" : "ContextTakeover");
}

INSTANTIATE_TEST_SUITE_P(Autobahn12And13, DeflateEcho,
                         ::testing::Values(Offer{15, false}, Offer{9, false}, Offer{15, true}, Offer{9, true},
                                           Offer{12, true}),
                         offer_name);

TEST(DeflateOffer, AClientThatOffersNothingGetsNoExtension) {
    web::Application app;
    demo::setup_routes(app);
    TestServer server(app);
    for (auto path : {"/ws/echo", "/ws/chat?room=deflate&name=ann"}) {
        WSClient plain(server, path);
        EXPECT_EQ(plain.extensions(), "") << path;
        WSClient compressed(server, path, {.compress = true});
        EXPECT_NE(compressed.extensions().find("permessage-deflate"), std::string::npos) << path;
    }
}

}  // namespace
