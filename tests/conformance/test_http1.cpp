// HTTP/1.1 request parsing against RFC 9112, on a real server over a real
// socket: cases ported from public conformance suites (uNetworking/h1spec,
// nodejs/llhttp's test/request fixtures, the smuggling findings that
// narfindustries/http-garden lists) and from our own reports. Each case names
// the clause it checks; each is sent whole and again cut into pieces. A refused
// request gets exactly one answer and the connection closes, so nothing after
// it is read as a second request.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include "test_support.hpp"

namespace {

#define CRLF "\r\n"

constexpr int kWaits = 0;  // no answer yet, connection open: the request is incomplete

struct Case {
    const char* clause;
    const char* source;
    const char* name;
    std::string request;
    std::vector<int> statuses;  // exactly these answers, in order ({kWaits}: none yet)
    bool closes;                // and then the server closes the connection
    std::string body = {};      // the first answer's body, when it matters
};

// gtest prints a case by its name, not its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// What came back on one connection.
struct Outcome {
    std::vector<int> statuses;
    std::vector<std::string> bodies;
    bool closed = false;
    std::string raw;
};

// Splits raw bytes into responses (status line, headers, Content-Length body).
void parse_responses(Outcome& out) {
    std::string_view rest = out.raw;
    while (!rest.empty()) {
        const auto end = rest.find(CRLF CRLF);
        if (end == rest.npos || !rest.starts_with("HTTP/1.")) return;
        const auto head = rest.substr(0, end + 4);
        out.statuses.push_back(std::atoi(std::string(head.substr(9, 3)).c_str()));
        std::size_t length = 0;
        for (std::string_view name : {"\r\nContent-Length: ", "\r\ncontent-length: "})
            if (auto at = head.find(name); at != head.npos) length = std::stoul(std::string(head.substr(at + name.size())));
        rest.remove_prefix(head.size());
        out.bodies.emplace_back(rest.substr(0, std::min(length, rest.size())));
        rest.remove_prefix(std::min(length, rest.size()));
    }
}

// Sends the pieces (a short pause between them), then reads until the server
// closes or stays quiet for `quiet`.
Outcome exchange(std::uint16_t port, const std::vector<std::string_view>& pieces, std::chrono::milliseconds quiet) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("connect failed");
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Outcome out;
    auto read_available = [&](int wait_ms) {
        char buf[65536];
        for (pollfd p{fd, POLLIN, 0}; ::poll(&p, 1, wait_ms) > 0; p.revents = 0) {
            const auto n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) {
                out.closed = true;
                return;
            }
            out.raw.append(buf, std::size_t(n));
        }
    };
    for (std::size_t i = 0; i < pieces.size() && !out.closed; ++i) {
        if (i) read_available(20);
        for (std::string_view piece = pieces[i]; !piece.empty() && !out.closed;) {
            const auto n = ::send(fd, piece.data(), piece.size(), MSG_NOSIGNAL);
            if (n <= 0) break;  // the server stopped reading: what it answered is read below
            piece.remove_prefix(std::size_t(n));
        }
    }
    read_available(int(quiet.count()));
    ::close(fd);
    parse_responses(out);
    return out;
}

struct Http1Conformance : ::testing::TestWithParam<Case> {
    web::Application app;
    std::unique_ptr<TestServer> server;
    void SetUp() override {
        // Any method, any path: "<METHOD> <path>|<body>".
        app.router().add_route("*", "/{tail:.*}", [](web::Request& req) -> awaitable<web::Response> {
            auto body = co_await req.text();
            co_return web::Response::text(std::string(req.method()) + " " + std::string(req.path()) + "|" + std::string(body));
        });
        auto config = TestServer::default_config();
        config.threads = 1;
        config.body_timeout = 500ms;
        server = std::make_unique<TestServer>(app, config);
    }

    void check(const Case& c) {
        const auto quiet = c.statuses == std::vector<int>{408} ? 1500ms : 300ms;
        // Whole, then cut in three at fixed places (a head arriving in pieces).
        std::vector<std::vector<std::string_view>> sendings{{c.request}};
        const std::string_view r = c.request;
        if (r.size() >= 6 && r.size() < 100'000)
            sendings.push_back({r.substr(0, r.size() / 3), r.substr(r.size() / 3, r.size() / 3),
                                r.substr(2 * (r.size() / 3))});
        for (std::size_t s = 0; s < sendings.size(); ++s) {
            SCOPED_TRACE(std::string(c.clause) + " [" + c.source + "] " + c.name + (s ? " (in pieces)" : " (whole)"));
            const auto out = exchange(server->port(), sendings[s], quiet);
            const auto expected = c.statuses == std::vector<int>{kWaits} ? std::vector<int>{} : c.statuses;
            EXPECT_EQ(out.statuses, expected) << out.raw;
            EXPECT_EQ(out.closed, c.closes) << out.raw;
            if (!c.body.empty() && !out.bodies.empty()) {
                EXPECT_EQ(out.bodies[0], c.body);
            }
        }
    }
};

const std::vector<Case>& cases() {
    static const std::vector<Case> all = {
        // --- the request line (§2, §3) ---
        {"RFC 9112 §3", "h1spec", "request without an HTTP version", "GET / " CRLF CRLF, {400}, true},
        {"RFC 9112 §3", "report", "trailing space in the request line: answered at once",
         "GET /plaintext " CRLF CRLF, {400}, true},
        {"RFC 9112 §2.3", "h1spec", "HTTP/9.9", "GET / HTTP/9.9" CRLF "Host: x" CRLF CRLF, {505}, true},
        {"RFC 9112 §2.3", "llhttp", "the HTTP name is case-sensitive", "GET / http/1.1" CRLF "Host: x" CRLF CRLF, {400},
         true},
        {"RFC 9112 §3", "h1spec", "text before the method", "Extra lineGET / HTTP/1.1" CRLF "Host: x" CRLF CRLF,
         {400}, true},
        {"RFC 9112 §3", "llhttp", "two spaces after the method", "GET  / HTTP/1.1" CRLF "Host: x" CRLF CRLF, {400},
         true},
        {"RFC 9112 §3.2", "llhttp", "a space inside the target", "GET /a b HTTP/1.1" CRLF "Host: x" CRLF CRLF, {400},
         true},
        {"RFC 9112 §3.2", "llhttp", "a control character in the target", "GET /\x01 HTTP/1.1" CRLF "Host: x" CRLF CRLF,
         {400}, true},
        {"RFC 9112 §3.1", "llhttp", "a method that is not a token", "G(T / HTTP/1.1" CRLF "Host: x" CRLF CRLF, {400},
         true},
        {"RFC 9112 §2.2", "report", "a blank line before the request line is ignored",
         CRLF "GET /a HTTP/1.1" CRLF "Host: x" CRLF CRLF, {200}, false, "GET /a|"},
        {"RFC 9112 §2.2", "h1spec", "an unfinished head waits", "GET /hello HTTP/1.1" CRLF "Host: localhost" CRLF,
         {kWaits}, false},
        {"RFC 9112 §3.2.2", "report", "absolute-form with Host",
         "GET http://x/abs HTTP/1.1" CRLF "Host: x" CRLF CRLF, {200}, false, "GET /abs|"},
        {"RFC 9112 §3.2", "report", "absolute-form without Host", "GET http://x/abs HTTP/1.1" CRLF CRLF, {400}, true},
        {"RFC 9112 §3.2", "report", "HTTP/1.0 needs no Host", "GET /old HTTP/1.0" CRLF CRLF, {200}, true},
        {"RFC 9112 §9.3", "h1spec", "two requests in one packet are answered in order",
         "GET /1 HTTP/1.1" CRLF "Host: x" CRLF CRLF "GET /2 HTTP/1.1" CRLF "Host: x" CRLF CRLF, {200, 200}, false},

        // --- field lines (§5) ---
        {"RFC 9112 §5.1", "h1spec", "invalid characters in a field name",
         "GET / HTTP/1.1" CRLF "Host: x" CRLF "X-Invalid[]: test" CRLF CRLF, {400}, true},
        {"RFC 9112 §5.1", "llhttp", "whitespace between a field name and its colon",
         "GET / HTTP/1.1" CRLF "Host : x" CRLF CRLF, {400}, true},
        {"RFC 9112 §5.2", "report", "obs-fold", "GET / HTTP/1.1" CRLF "Host: x" CRLF "X-A: a" CRLF " b" CRLF CRLF,
         {400}, true},
        {"RFC 9112 §5.2", "report", "Transfer-Encoding continued on a folded line",
         "POST / HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding: x" CRLF " chunked" CRLF CRLF "0" CRLF CRLF, {400},
         true},
        {"RFC 9110 §5.5", "h1spec", "a control character in a field value",
         "GET / HTTP/1.1" CRLF "Host: x" CRLF "X-Bad: test\x07" CRLF CRLF, {400}, true},
        {"RFC 9110 §5.5", "llhttp", "NUL in a field value",
         [] {
             static constexpr char request[] = "GET / HTTP/1.1" CRLF "Host: x" CRLF "X-Bad: a\0b" CRLF CRLF;
             return std::string(request, sizeof request - 1);
         }(), {400}, true},
        {"RFC 9112 §2.2", "h1spec", "a bare CR", "GET / HTTP/1.1" CRLF "Host: x" CRLF "\rSome-Header: Test" CRLF CRLF,
         {400}, true},
        {"RFC 9112 §2.2", "llhttp", "bare LF line endings", "GET / HTTP/1.1\nHost: x\n\n", {400}, true},
        {"RFC 9112 §5", "h1spec", "tab before a value and an empty field",
         "GET / HTTP/1.1" CRLF "hoSt:\texample.com" CRLF "empty:" CRLF CRLF, {200}, false},
        {"RFC 9112 §5", "h1spec", "an empty field value", "GET / HTTP/1.1" CRLF "Host: x" CRLF "X-Empty: " CRLF CRLF,
         {200}, false},

        // --- Host (§3.2) ---
        {"RFC 9112 §3.2", "h1spec", "no Host in HTTP/1.1", "GET / HTTP/1.1" CRLF "Content-Length: 5" CRLF CRLF "hello",
         {400}, true},
        {"RFC 9112 §3.2", "h1spec", "two different Host fields",
         "GET / HTTP/1.1" CRLF "Host: example.com" CRLF "Host: example.org" CRLF CRLF, {400}, true},
        {"RFC 9112 §3.2", "report", "two equal Host fields", "GET / HTTP/1.1" CRLF "Host: x" CRLF "Host: x" CRLF CRLF,
         {400}, true},
        {"RFC 9112 §3.2", "report", "an invalid Host", "GET / HTTP/1.1" CRLF "Host: a b" CRLF CRLF, {400}, true},
        {"RFC 9112 §3.2", "report", "Host with a port, and an IPv6 literal",
         "GET / HTTP/1.1" CRLF "Host: x:8080" CRLF CRLF "GET / HTTP/1.1" CRLF "Host: [::1]:80" CRLF CRLF, {200, 200},
         false},

        // --- Content-Length (§6.2, §6.3) ---
        {"RFC 9112 §6.3", "h1spec", "a negative Content-Length",
         "GET / HTTP/1.1" CRLF "Host: x" CRLF "Content-Length: -1234" CRLF CRLF, {400}, true},
        {"RFC 9112 §6.3", "h1spec", "an overflowing Content-Length",
         "GET / HTTP/1.1" CRLF "Host: x" CRLF "Content-Length: 123456789123456789123456789" CRLF CRLF, {400}, true},
        {"RFC 9112 §6.3", "h1spec", "a Content-Length that is not a number",
         "GET / HTTP/1.1" CRLF "Host: x" CRLF "Content-Length: abc" CRLF CRLF, {400}, true},
        {"RFC 9112 §6.3", "llhttp", "Content-Length with a sign", "POST / HTTP/1.1" CRLF "Host: x" CRLF
         "Content-Length: +5" CRLF CRLF "hello", {400}, true},
        {"RFC 9110 §8.6", "http-garden", "a Content-Length list",
         "POST / HTTP/1.1" CRLF "Host: x" CRLF "Content-Length: 5, 5" CRLF CRLF "hello", {400}, true},
        {"RFC 9110 §8.6", "http-garden", "two Content-Length fields",
         "POST / HTTP/1.1" CRLF "Host: x" CRLF "Content-Length: 5" CRLF "Content-Length: 5" CRLF CRLF "hello", {400},
         true},
        {"RFC 9112 §6.2", "h1spec", "a body of Content-Length bytes",
         "POST /p HTTP/1.1" CRLF "Host: x" CRLF "Content-Length: 5" CRLF CRLF "hello", {200}, false, "POST /p|hello"},

        // --- Transfer-Encoding (§6.1, §6.3, §7.1) ---
        {"RFC 9112 §6.3", "h1spec", "Transfer-Encoding and Content-Length together",
         "GET / HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding: chunked" CRLF "Content-Length: 5" CRLF CRLF, {400},
         true},
        {"RFC 9112 §6.3", "report", "chunked, then identity: no second request read from the body",
         "POST / HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding: chunked, identity" CRLF CRLF
         "1c" CRLF "GET /smuggled HTTP/1.1" CRLF "Host: x" CRLF CRLF CRLF "0" CRLF CRLF, {400}, true},
        {"RFC 9112 §6.3", "report", "a quoted chunked",
         "POST / HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding: \"chunked\"" CRLF CRLF "0" CRLF CRLF, {400}, true},
        {"RFC 9112 §6.3", "report", "a misspelled chunked",
         "POST / HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding: chunkedd" CRLF CRLF "0" CRLF CRLF, {400}, true},
        {"RFC 9112 §6.3", "llhttp", "an unknown coding alone",
         "PUT /url HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding: pigeons" CRLF CRLF, {400}, true},
        {"RFC 9112 §6.3", "report", "chunked behind a non-ASCII space",
         "POST / HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding:\xa0" "chunked" CRLF CRLF "0" CRLF CRLF, {400}, true},
        {"RFC 9112 §6.1", "report", "HTTP/1.0 with Transfer-Encoding and a request hidden in the body",
         "POST / HTTP/1.0" CRLF "Host: x" CRLF "Connection: keep-alive" CRLF "Transfer-Encoding: chunked" CRLF CRLF
         "0" CRLF CRLF "GET /smuggled HTTP/1.1" CRLF "Host: x" CRLF CRLF, {400}, true},
        {"RFC 9112 §6.1", "llhttp", "a coding we cannot decode", "POST / HTTP/1.1" CRLF "Host: x" CRLF
         "Transfer-Encoding: gzip, chunked" CRLF CRLF "0" CRLF CRLF, {501}, true},
        {"RFC 9112 §6.1", "report", "chunked applied twice, behind another coding",
         "POST / HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding: gzip, chunked, chunked" CRLF CRLF "0" CRLF CRLF,
         {400}, true},
        {"RFC 9112 §6.1", "llhttp", "an empty Transfer-Encoding",
         "POST / HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding:" CRLF CRLF "hello", {400}, true},
        {"RFC 9112 §7.1", "llhttp", "chunks, extensions and a zero-padded last chunk",
         "POST /c HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding: chunked" CRLF CRLF
         "5;ilovew3;somuchlove=aretheseparametersfor;another=withvalue" CRLF "hello" CRLF "6;blahblah;blah" CRLF
         " world" CRLF "000" CRLF CRLF, {200}, false, "POST /c|hello world"},
        {"RFC 9112 §7.1.1", "llhttp", "a quoted chunk extension",
         "POST /c HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding: chunked" CRLF CRLF
         "5;ilovew3=\"I \\\"love\\\"; \\\\extensions\\\\\";blah;foo=bar" CRLF "hello" CRLF "0" CRLF CRLF, {200}, false,
         "POST /c|hello"},
        {"RFC 9112 §7.1", "llhttp", "an upper-case chunk size",
         "PUT /c HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding: chunked" CRLF CRLF "A" CRLF "0123456789" CRLF
         "0" CRLF CRLF, {200}, false, "PUT /c|0123456789"},
        {"RFC 9112 §7.1.1", "llhttp", "a chunk extension without its semicolon",
         "POST / HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding: chunked" CRLF CRLF "2 erfrferferf" CRLF "aa" CRLF
         "0 rrrr" CRLF CRLF, {400}, true},
        {"RFC 9112 §7.1.1", "llhttp", "a semicolon and no extension",
         "POST / HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding: chunked" CRLF CRLF "2;" CRLF "aa" CRLF "0" CRLF CRLF,
         {400}, true},
        // Beast reads a quoted value on past the line's end, waiting for its quote;
        // it never accepts the line, so the body never completes: a 408, and
        // nothing after it is read as a request.
        {"RFC 9112 §7.1.1", "llhttp", "an unbalanced quote in a chunk extension",
         "POST / HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding: chunked" CRLF CRLF
         "5;a=\"abc\";b=\"def; ghi" CRLF "hello" CRLF "0" CRLF CRLF "GET /smuggled HTTP/1.1" CRLF "Host: x" CRLF CRLF,
         {408}, true},
        {"RFC 9112 §7.1", "llhttp", "a chunk size that overflows",
         "POST / HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding: chunked" CRLF CRLF "ffffffffffffffffff" CRLF "a" CRLF
         "0" CRLF CRLF, {400}, true},
        {"RFC 9112 §7.1.2", "llhttp", "trailer fields",
         "POST /t HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding: chunked" CRLF CRLF "5" CRLF "hello" CRLF "0" CRLF
         "Vary: *" CRLF "Content-Type: text/plain" CRLF CRLF, {200}, false, "POST /t|hello"},
        {"RFC 9112 §7.1.1", "report", "a 2 MiB chunk extension is refused, not buffered",
         "POST / HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding: chunked" CRLF CRLF "5;a=" + std::string(2 << 20, 'b') +
             CRLF "hello" CRLF "0" CRLF CRLF, {400}, true},
        {"RFC 9112 §7.1.1", "report", "many small chunk extensions count against the header limit", [] {
             std::string r = "POST / HTTP/1.1" CRLF "Host: x" CRLF "Transfer-Encoding: chunked" CRLF CRLF;
             for (int i = 0; i < 400; ++i) r += "1;ext=" + std::string(40, 'x') + CRLF "a" CRLF;
             return r + "0" CRLF CRLF;
         }(), {431}, true},

        // --- the body that never comes (RFC 9110 §15.5.9) ---
        {"RFC 9110 §15.5.9", "report", "a declared body that never arrives gets a 408",
         "POST / HTTP/1.1" CRLF "Host: x" CRLF "Content-Length: 10" CRLF CRLF "abc", {408}, true},
    };
    return all;
}

TEST_P(Http1Conformance, Case) { check(GetParam()); }

// "a blank line before ..." -> "ABlankLineBefore..." (gtest names are alphanumeric).
std::string case_name(const ::testing::TestParamInfo<Case>& info) {
    std::string out;
    bool upper = true;
    for (char c : std::string_view(info.param.name)) {
        if (std::isalnum(static_cast<unsigned char>(c))) {
            out += upper ? char(std::toupper(static_cast<unsigned char>(c))) : c;
            upper = false;
        } else {
            upper = true;
        }
    }
    return out;
}

INSTANTIATE_TEST_SUITE_P(Rfc9112, Http1Conformance, ::testing::ValuesIn(cases()), case_name);

// The server goes on serving everyone after all of the above, on one connection each.
TEST_F(Http1Conformance, TheServerKeepsServingAfterBadInput) {
    for (const auto& c : cases())
        if (c.closes) (void)exchange(server->port(), {c.request}, 50ms);
    TestClient client(*server);
    EXPECT_EQ(client.get("/still").status, 200);
}

}  // namespace
