// Close codes a peer sends (RFC 6455 §7.4), as the Autobahn testsuite's
// section 7 sends them to the demo's /ws/echo: a valid code is answered with
// the same code (7.7.x), an invalid one with 1002 and never echoed (7.9.x,
// and 7.13.x for 5000 and 65535, which Beast alone would echo).
#include "demo_app.hpp"
#include "test_support.hpp"

namespace {

using test_utils::WSClient;

struct CloseCode {
    int sent;
    int answered;
};

struct PeerCloseCodes : ::testing::TestWithParam<CloseCode> {
    PeerCloseCodes() { demo::setup_routes(app); }
    web::Application app;
};

TEST_P(PeerCloseCodes, AreAnsweredAsRfc6455Says) {
    const auto [sent, answered] = GetParam();
    TestServer server(app);
    WSClient ws(server, "/ws/echo");
    ws.send_text("before");
    ASSERT_EQ(ws.receive()->data, "before");
    const std::string payload{char(sent >> 8), char(sent & 0xff), 'b', 'y', 'e'};
    ws.send_raw(test_utils::client_frame(0x8, payload));
    EXPECT_FALSE(ws.receive());
    EXPECT_EQ(ws.close_code(), answered) << "sent " << sent;
}

std::string code_name(const ::testing::TestParamInfo<CloseCode>& info) {
    return "Code" + std::to_string(info.param.sent);
}

INSTANTIATE_TEST_SUITE_P(Autobahn7, PeerCloseCodes,
                         ::testing::Values(  // 7.7.x: valid, echoed
                             CloseCode{1000, 1000}, CloseCode{1001, 1001}, CloseCode{1002, 1002},
                             CloseCode{1003, 1003}, CloseCode{1007, 1007}, CloseCode{1008, 1008},
                             CloseCode{1009, 1009}, CloseCode{1010, 1010}, CloseCode{1011, 1011},
                             CloseCode{3000, 3000}, CloseCode{3999, 3999}, CloseCode{4000, 4000},
                             CloseCode{4999, 4999},
                             // 7.9.x and 7.13.x: invalid, answered with 1002
                             CloseCode{0, 1002}, CloseCode{999, 1002}, CloseCode{1004, 1002},
                             CloseCode{1005, 1002}, CloseCode{1006, 1002}, CloseCode{1016, 1002},
                             CloseCode{1100, 1002}, CloseCode{2000, 1002}, CloseCode{2999, 1002},
                             CloseCode{5000, 1002}, CloseCode{65535, 1002}),
                         code_name);

}  // namespace
