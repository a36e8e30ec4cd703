// ClientSession against the framework's own server on 127.0.0.1.
#include <asiohttp/client.hpp>
#include <asiohttp/tasks.hpp>

#include <mutex>

#include <zlib.h>

#include "run_command.hpp"
#include "test_support.hpp"
#include "tls_fixture.hpp"

#include <boost/beast/websocket/stream.hpp>

namespace {

using asiohttp::ClientSession;
using asiohttp::ClientTimeoutError;
using Which = ClientTimeoutError::Which;

// Counts requests being handled at once, in all and per Host header.
struct Concurrency {
    std::mutex mutex;
    int now = 0, peak = 0;
    std::map<std::string, std::pair<int, int>> per_host;  // now, peak

    awaitable<web::Response> handle(web::Request& req) {
        const std::string host(req.headers().get("Host", ""));
        {
            std::lock_guard lock(mutex);
            peak = std::max(peak, ++now);
            auto& [n, p] = per_host[host];
            p = std::max(p, ++n);
        }
        co_await async_sleep(20ms);
        {
            std::lock_guard lock(mutex);
            --now;
            --per_host[host].first;
        }
        co_return web::Response::text("ok");
    }
};

std::string gzip(const std::string& data) {
    z_stream z{};
    deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&z, uLong(data.size())), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = uInt(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = uInt(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

// The routes the client tests use.
struct ClientTestApp {
    web::Application app;
    Concurrency concurrency;

    ClientTestApp() {
        auto& r = app.router();
        r.add_get("/", text_handler("hello"));
        r.add_get("/slow", [](web::Request& req) -> awaitable<web::Response> {
            co_await async_sleep(std::chrono::milliseconds(std::stoi(std::string(req.query().get("ms", "1000")))));
            co_return web::Response::text("late");
        });
        r.add_get("/concurrent", [this](web::Request& req) { return concurrency.handle(req); });
        r.add_get("/stall-body", [](web::Request& req) -> awaitable<web::Response> {
            web::StreamResponse resp;
            resp.headers().set("Content-Length", "10");
            co_await resp.prepare(req);
            co_await resp.write("hello");
            co_await async_sleep(1000ms);
            co_await resp.write("world");
            co_return resp;
        });
        r.add_route("*", "/echo", [](web::Request& req) -> awaitable<web::Response> {
            auto body = co_await req.text();
            co_return web::json_response({{"method", std::string(req.method())},
                                          {"query", std::string(req.query_string())},
                                          {"content_type", std::string(req.headers().get("Content-Type", ""))},
                                          {"authorization", std::string(req.headers().get("Authorization", ""))},
                                          {"cookie", std::string(req.headers().get("Cookie", ""))},
                                          {"x_test", std::string(req.headers().get("X-Test", ""))},
                                          {"body", body}});
        });
        r.add_post("/form", [](web::Request& req) -> awaitable<web::Response> {
            auto form = co_await req.post();
            co_return web::json_response({{"name", std::string(form.get("name", ""))},
                                          {"city", std::string(form.get("city", ""))}});
        });
        r.add_get("/redirect/{n:\\d+}", [](web::Request& req) -> awaitable<web::Response> {
            int n = std::stoi(std::string(*req.match_info().get("n")));
            if (n == 0) co_return web::Response::text("arrived");
            throw web::HTTPFound("/redirect/" + std::to_string(n - 1));
        });
        r.add_post("/see-other", [](web::Request&) -> awaitable<web::Response> { throw web::HTTPSeeOther("/echo"); });
        r.add_post("/temporary", [](web::Request&) -> awaitable<web::Response> {
            throw web::HTTPTemporaryRedirect("/echo");
        });
        r.add_get("/login", [](web::Request&) -> awaitable<web::Response> {
            auto resp = web::Response::text("in");
            resp.set_cookie("user", "ada");
            resp.set_cookie("scoped", "1", {.path = "/echo"});
            co_return resp;
        });
        r.add_get("/gzip", [](web::Request& req) -> awaitable<web::Response> {
            // 1 MiB of text, gzip-compressed when the client asks for it.
            std::string text;
            for (int i = 0; text.size() < (1 << 20); ++i) text += "line " + std::to_string(i) + "\n";
            text.resize(1 << 20);
            web::Response resp = web::Response::text(text);
            if (req.headers().get("Accept-Encoding", "").find("gzip") != std::string_view::npos) {
                resp.set_body(gzip(text));
                resp.headers().set("Content-Encoding", "gzip");
            }
            co_return resp;
        });
        r.add_get("/bad-gzip", [](web::Request&) -> awaitable<web::Response> {
            auto resp = web::Response::text("this is not gzip at all");
            resp.headers().set("Content-Encoding", "gzip");
            co_return resp;
        });
        r.add_get("/latin1", [](web::Request&) -> awaitable<web::Response> {
            web::Response resp;
            resp.set_body("caf\xe9");  // "café" in ISO-8859-1
            resp.headers().set("Content-Type", "text/plain; charset=iso-8859-1");
            co_return resp;
        });
        r.add_get("/status/{code}", [](web::Request& req) -> awaitable<web::Response> {
            co_return web::Response(std::stoi(std::string(*req.match_info().get("code"))));
        });
        r.add_get("/big", [](web::Request& req) -> awaitable<web::Response> {
            web::StreamResponse resp;
            co_await resp.prepare(req);  // chunked: the client does not know the size in advance
            std::string block(64 << 10, 'x');
            for (int i = 0; i < 128; ++i) co_await resp.write(block);  // 8 MiB
            co_await resp.write_eof();
            co_return resp;
        });
        r.add_get("/ws", [](web::Request& req) -> awaitable<web::Response> {
            web::WebSocketResponse ws({.protocols = {"chat"}});
            co_await ws.prepare(req);
            while (auto msg = co_await ws.receive()) {
                if (msg->is_text())
                    co_await ws.send_str(msg->text());
                else
                    co_await ws.send_bytes(msg->bytes());
            }
            co_return ws;
        });
    }
};

class Client : public ::testing::Test {
protected:
    ClientTestApp fixture;
    TestServer server{fixture.app};
    std::string url(std::string_view path) const { return server.url(path); }
};

TEST_F(Client, GetReadsStatusHeadersAndBody) {
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session;
        auto r = co_await session.get(url("/"));
        EXPECT_EQ(r.status(), 200);
        EXPECT_EQ(r.reason(), "OK");
        EXPECT_EQ(r.content_type(), "text/plain");
        EXPECT_EQ(r.headers().get("Server", ""), "asiohttp");
        EXPECT_EQ(co_await r.text(), "hello");
        auto h = co_await session.head(url("/"));
        EXPECT_EQ(h.status(), 200);
        EXPECT_EQ(co_await h.read(), "");
    }());
}

TEST_F(Client, PoolReusesOneConnectionWithLimitOne) {
    const auto before = server.server().connections_accepted();
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session({.limit = 1});
        for (int i = 0; i < 20; ++i) {
            auto r = co_await session.get(url("/"));
            EXPECT_EQ(co_await r.text(), "hello");
        }
        EXPECT_EQ(session.connections_opened(), 1u);
    }());
    EXPECT_EQ(server.server().connections_accepted() - before, 1u);
}

TEST_F(Client, LimitIsHonouredAndRequestsBeyondItWait) {
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session({.limit = 10});
        std::vector<awaitable<int>> requests;
        for (int i = 0; i < 200; ++i)
            requests.push_back([](ClientSession& s, std::string u) -> awaitable<int> {
                auto r = co_await s.get(u);
                co_await r.read();
                co_return r.status();
            }(session, url("/concurrent")));
        auto statuses = co_await asiohttp::gather(std::move(requests));
        EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 200);
        EXPECT_LE(session.connections_opened(), 10u);
    }());
    EXPECT_EQ(fixture.concurrency.peak, 10);
}

TEST_F(Client, LimitPerHostIsHonoured) {
    const std::vector<std::string> hosts = {"127.0.0.1", "localhost"};
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session({.limit = 0, .limit_per_host = 3});
        std::vector<awaitable<int>> requests;
        for (int i = 0; i < 200; ++i) {
            auto u = "http://" + hosts[i % 2] + ":" + std::to_string(server.port()) + "/concurrent";
            requests.push_back([](ClientSession& s, std::string u) -> awaitable<int> {
                auto r = co_await s.get(u);
                co_await r.read();
                co_return r.status();
            }(session, u));
        }
        auto statuses = co_await asiohttp::gather(std::move(requests));
        EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 200);
    }());
    for (auto& h : hosts) {
        auto key = h + ":" + std::to_string(server.port());
        EXPECT_EQ(fixture.concurrency.per_host[key].second, 3) << key;
    }
    EXPECT_EQ(fixture.concurrency.peak, 6);
}

// Runs `request` and returns which timeout it reported (fails the test if none).
template <class F>
std::optional<Which> timeout_of(F request) {
    std::optional<Which> which;
    asiohttp::run([&]() -> awaitable<void> {
        try {
            co_await request();
            ADD_FAILURE() << "no timeout";
        } catch (const ClientTimeoutError& e) {
            which = e.which();
            EXPECT_EQ(e.kind(), "timeout");
        }
    }());
    return which;
}

TEST_F(Client, TotalTimeout) {
    auto t0 = std::chrono::steady_clock::now();
    auto which = timeout_of([&]() -> awaitable<void> {
        ClientSession session({.timeout = {.total = 200ms}});
        co_await session.get(url("/slow?ms=1500"));
    });
    EXPECT_EQ(which, Which::total);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST_F(Client, SockReadTimeoutOnHeadAndOnBody) {
    EXPECT_EQ(timeout_of([&]() -> awaitable<void> {
                  ClientSession session({.timeout = {.total = {}, .sock_read = 200ms}});
                  co_await session.get(url("/slow?ms=1500"));
              }),
              Which::sock_read);
    EXPECT_EQ(timeout_of([&]() -> awaitable<void> {
                  ClientSession session({.timeout = {.total = {}, .sock_read = 300ms}});
                  auto r = co_await session.get(url("/stall-body"));
                  EXPECT_EQ(r.status(), 200);
                  co_await r.read();
              }),
              Which::sock_read);
}

TEST_F(Client, ConnectTimeoutWhileWaitingForAPooledConnection) {
    EXPECT_EQ(timeout_of([&]() -> awaitable<void> {
                  ClientSession session({.limit = 1});
                  auto held = co_await session.get(url("/"));  // body unread: holds the only slot
                  asiohttp::RequestOptions quick{.timeout = asiohttp::ClientTimeout{.connect = 200ms}};
                  co_await session.get(url("/"), quick);
              }),
              Which::connect);
}

TEST_F(Client, SockConnectTimeoutOnAServerThatNeverAnswersTheTlsHandshake) {
    asio::io_context ioc;
    asio::ip::tcp::acceptor silent(ioc, {asio::ip::make_address("127.0.0.1"), 0});  // accepts (in the kernel), says nothing
    const auto port = silent.local_endpoint().port();
    EXPECT_EQ(timeout_of([&]() -> awaitable<void> {
                  ClientSession session({.timeout = {.sock_connect = 300ms}});
                  co_await session.get("https://127.0.0.1:" + std::to_string(port) + "/");
              }),
              Which::sock_connect);
}

TEST_F(Client, PerRequestTimeoutWinsOverTheSessions) {
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session({.timeout = {.total = 100ms}});
        asiohttp::RequestOptions patient{.timeout = asiohttp::ClientTimeout{.total = 5s}};
        auto r = co_await session.get(url("/slow?ms=300"), patient);
        EXPECT_EQ(co_await r.text(), "late");
    }());
}

TEST_F(Client, InvalidUrlsAreClearErrors) {
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session;
        const std::vector<std::string> bad_urls = {"htp://x/", "http://", "no scheme", "ftp://example.org/",
                                                   "http://host:99999/", "http://[::1/", "http://a b/"};
        for (auto& bad : bad_urls) {
            try {
                co_await session.get(bad);
                ADD_FAILURE() << bad;
            } catch (const asiohttp::InvalidURL& e) {
                EXPECT_NE(std::string(e.what()).find("invalid URL"), std::string::npos) << e.what();
            }
        }
    }());
}

TEST_F(Client, MethodsAreTokens) {
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session;
        auto r = co_await session.request("patch", url("/echo"));
        EXPECT_EQ((co_await r.json())["method"], "PATCH");
        EXPECT_THROW(co_await session.request("GET /evil HTTP/1.1\r\nX:", url("/")), asiohttp::ClientError);
    }());
}

TEST_F(Client, ConnectionRefused) {
    std::uint16_t port;
    {
        asio::io_context ioc;
        asio::ip::tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
    }
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session;
        try {
            co_await session.get("http://127.0.0.1:" + std::to_string(port) + "/");
            ADD_FAILURE();
        } catch (const asiohttp::ClientConnectorError& e) {
            EXPECT_EQ(e.kind(), "connection");
            EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
        }
    }());
}

TEST_F(Client, FollowsRedirectsAndKeepsHistory) {
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session;
        auto r = co_await session.get(url("/redirect/3"));
        EXPECT_EQ(r.status(), 200);
        EXPECT_EQ(co_await r.text(), "arrived");
        EXPECT_EQ(r.url().path(), "/redirect/0");
        EXPECT_EQ(r.history().size(), 3u);
        if (!r.history().empty()) {
            EXPECT_EQ(r.history()[0].status(), 302);
            EXPECT_EQ(r.history()[0].url().path(), "/redirect/3");
        }

        asiohttp::RequestOptions stay{.allow_redirects = false};
        auto no = co_await session.get(url("/redirect/3"), stay);
        EXPECT_EQ(no.status(), 302);
        EXPECT_EQ(no.headers().get("Location", ""), "/redirect/2");

        try {
            asiohttp::RequestOptions two{.max_redirects = 2};
            co_await session.get(url("/redirect/5"), two);
            ADD_FAILURE();
        } catch (const asiohttp::TooManyRedirects& e) {
            EXPECT_EQ(e.status(), 302);
        }

        asiohttp::RequestOptions payload{.data = "payload"};
        auto see_other = co_await session.post(url("/see-other"), payload);
        auto j = co_await see_other.json();
        EXPECT_EQ(j["method"], "GET");
        EXPECT_EQ(j["body"], "");
        auto temporary = co_await session.post(url("/temporary"), payload);
        j = co_await temporary.json();
        EXPECT_EQ(j["method"], "POST");
        EXPECT_EQ(j["body"], "payload");
    }());
}

TEST_F(Client, CookiesAreKeptAcrossRequests) {
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session;
        auto login = co_await session.get(url("/login"));
        EXPECT_EQ(login.cookies().get("user", ""), "ada");
        asiohttp::RequestOptions with_cookie{.cookies = {{"extra", "1"}}};  // (named: see the GCC 12 note in client.hpp)
        auto r = co_await session.get(url("/echo"), with_cookie);
        auto j = co_await r.json();
        EXPECT_EQ(j["cookie"], "scoped=1; user=ada; extra=1");  // longer path first
        auto other = co_await session.get(url("/"));
        EXPECT_EQ(session.cookie_jar().filter_cookies(other.url()), "user=ada");
    }());
}

TEST_F(Client, JsonFormParamsHeadersAndAuth) {
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session({.headers = {{"X-Test", "session"}}, .auth = asiohttp::BasicAuth{"ada", "s3cret"}});
        asiohttp::RequestOptions put{.params = {{"q", "a b"}, {"n", "1"}}, .json = json{{"hello", "wörld"}}};
        auto r = co_await session.put(url("/echo"), put);
        auto j = co_await r.json();
        EXPECT_EQ(j["method"], "PUT");
        EXPECT_EQ(j["query"], "q=a%20b&n=1");
        EXPECT_EQ(j["content_type"], "application/json");
        EXPECT_EQ(json::parse(j["body"].get<std::string>())["hello"], "wörld");
        EXPECT_EQ(j["authorization"], "Basic YWRhOnMzY3JldA==");
        EXPECT_EQ(j["x_test"], "session");

        asiohttp::RequestOptions header{.headers = {{"X-Test", "request"}}};
        auto override = co_await session.get(url("/echo"), header);
        EXPECT_EQ((co_await override.json())["x_test"], "request");

        asiohttp::RequestOptions post{.form = asiohttp::MultiDict{{"name", "Ada L"}, {"city", "Zürich"}}};
        auto form = co_await session.post(url("/form"), post);
        auto f = co_await form.json();
        EXPECT_EQ(f["name"], "Ada L");
        EXPECT_EQ(f["city"], "Zürich");
    }());
}

TEST_F(Client, TextDecodesTheCharsetTheServerNamed) {
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session;
        auto r = co_await session.get(url("/latin1"));
        EXPECT_EQ(r.charset(), "iso-8859-1");
        EXPECT_EQ(co_await r.text(), "café");
        EXPECT_EQ(co_await r.read(), "caf\xe9");  // read() keeps the bytes
    }());
}

TEST_F(Client, GzipBodiesAreDecompressedUnlessAskedNotTo) {
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session;
        auto r = co_await session.get(url("/gzip"));
        EXPECT_EQ(r.headers().get("Content-Encoding", ""), "gzip");
        EXPECT_LT(r.content_length().value_or(1u << 20), 400'000u);  // it came compressed
        std::size_t total = 0, largest = 0;
        for (;;) {
            auto chunk = co_await r.read_chunk(16 << 10);
            if (chunk.empty()) break;
            if (total == 0) {
                EXPECT_TRUE(chunk.starts_with("line 0\nline 1\n"));
            }
            total += chunk.size();
            largest = std::max(largest, chunk.size());
        }
        EXPECT_EQ(total, 1u << 20);
        EXPECT_LE(largest, 16u << 10);
        auto whole = co_await session.get(url("/gzip"));
        EXPECT_EQ((co_await whole.text()).size(), 1u << 20);

        auto bad = co_await session.get(url("/bad-gzip"));
        EXPECT_THROW(co_await bad.read(), asiohttp::ClientPayloadError);

        ClientSession raw({.auto_decompress = false});
        auto plain = co_await raw.get(url("/gzip"));  // no Accept-Encoding: the server does not compress
        EXPECT_EQ(plain.headers().get("Content-Encoding", ""), "");
        EXPECT_EQ((co_await plain.read()).size(), 1u << 20);
    }());
}

TEST_F(Client, RaiseForStatus) {
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session;
        auto r = co_await session.get(url("/status/404"));
        EXPECT_EQ(r.status(), 404);
        EXPECT_FALSE(r.ok());
        EXPECT_THROW(r.raise_for_status(), asiohttp::ClientResponseError);
        try {
            asiohttp::RequestOptions raising{.raise_for_status = true};
            co_await session.get(url("/status/503"), raising);
            ADD_FAILURE();
        } catch (const asiohttp::ClientResponseError& e) {
            EXPECT_EQ(e.status(), 503);
            EXPECT_EQ(e.kind(), "http");
        }
    }());
}

TEST_F(Client, LargeDownloadStreamsInChunksAndReadHasALimit) {
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session({.max_response_size = 1 << 20});
        auto r = co_await session.get(url("/big"));
        std::size_t total = 0, chunks = 0, largest = 0;
        for (;;) {
            auto chunk = co_await r.read_chunk(32 << 10);
            if (chunk.empty()) break;
            total += chunk.size();
            largest = std::max(largest, chunk.size());
            ++chunks;
        }
        EXPECT_EQ(total, 8u << 20);
        EXPECT_LE(largest, 32u << 10);
        EXPECT_GE(chunks, 256u);
        auto again = co_await session.get(url("/big"));
        EXPECT_THROW(co_await again.read(), asiohttp::ClientPayloadError);
        // The pool still works after a refused body.
        auto after = co_await session.get(url("/"));
        EXPECT_EQ(co_await after.text(), "hello");
    }());
}

TEST(ClientKeepAlive, ServerClosingAnIdleConnectionIsHandled) {
    ClientTestApp fixture;
    auto config = TestServer::default_config();
    config.keepalive_timeout = 200ms;
    TestServer server(fixture.app, config);
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session;
        auto first = co_await session.get(server.url("/"));
        EXPECT_EQ(co_await first.text(), "hello");
        EXPECT_EQ(session.idle_connections(), 1u);
        co_await async_sleep(600ms);  // the server closes the idle connection meanwhile
        auto second = co_await session.get(server.url("/"));
        EXPECT_EQ(co_await second.text(), "hello");
        EXPECT_EQ(session.connections_opened(), 2u);
    }());
}

TEST_F(Client, IdleConnectionsExpireOnTheClientSide) {
    const auto before = server.server().connections_accepted();
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session({.keepalive_timeout = 100ms});
        auto first = co_await session.get(url("/"));
        co_await first.read();
        auto second = co_await session.get(url("/"));  // within keepalive_timeout: reused
        co_await second.read();
        co_await async_sleep(300ms);  // the server would keep it 75 s; we do not
        auto third = co_await session.get(url("/"));
        EXPECT_EQ(co_await third.text(), "hello");
        EXPECT_EQ(session.connections_opened(), 2u);
    }());
    EXPECT_EQ(server.server().connections_accepted() - before, 2u);
}

TEST(ClientTls, VerifiesAgainstAGivenCaAndRefusesUnknownCertificates) {
    auto cert = TestCertificate::make();
    TlsTestServer tls(cert);
    const auto ca = cert.write_cert("asiohttp-test-ca");
    const auto port = std::to_string(tls.port());
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession trusted({.tls = {.ca_file = ca}});
        const std::vector<std::string> hosts = {"127.0.0.1", "localhost"};
        for (auto& host : hosts) {
            auto r = co_await trusted.get("https://" + host + ":" + port + "/hi");
            EXPECT_EQ(co_await r.text(), "tls ok /hi");
        }
        auto again = co_await trusted.get("https://127.0.0.1:" + port + "/again");
        EXPECT_EQ(co_await again.text(), "tls ok /again");
        EXPECT_EQ(trusted.connections_opened(), 2u);  // one per host, reused

        ClientSession system_store;
        try {
            co_await system_store.get("https://127.0.0.1:" + port + "/");
            ADD_FAILURE();
        } catch (const asiohttp::ClientSSLError& e) {
            EXPECT_EQ(e.kind(), "tls");
            EXPECT_NE(std::string(e.what()).find("certificate verify failed"), std::string::npos) << e.what();
        }

        ClientSession unverified({.tls = {.verify = false}});
        auto r = co_await unverified.get("https://127.0.0.1:" + port + "/");
        EXPECT_EQ(r.status(), 200);
    }());
    std::filesystem::remove(ca);
}

TEST(ClientTls, HostNameMustMatchTheCertificate) {
    auto cert = TestCertificate::make("DNS:other.example");
    TlsTestServer tls(cert);
    const auto ca = cert.write_cert("asiohttp-test-ca-other");
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session({.tls = {.ca_file = ca}});
        EXPECT_THROW(co_await session.get("https://127.0.0.1:" + std::to_string(tls.port()) + "/"),
                     asiohttp::ClientSSLError);
    }());
    std::filesystem::remove(ca);
}

TEST_F(Client, WsConnectEcho) {
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session;
        asiohttp::WSConnectOptions options{.protocols = {"chat"}, .heartbeat = 1s};
        auto ws = co_await session.ws_connect("ws://127.0.0.1:" + std::to_string(server.port()) + "/ws", options);
        EXPECT_EQ(ws.protocol(), "chat");
        co_await ws.send_str("hello");
        auto m = co_await ws.receive();
        EXPECT_TRUE(m && m->is_text() && m->text() == "hello");
        co_await ws.send_bytes(std::string("\0\1\2", 3));
        m = co_await ws.receive();
        EXPECT_TRUE(m && m->is_binary() && m->bytes() == std::string("\0\1\2", 3));
        const json n{{"n", 1}};
        co_await ws.send_json(n);
        m = co_await ws.receive();
        EXPECT_EQ(m->json()["n"], 1);
        co_await ws.ping("p");
        co_await ws.close(asiohttp::WSCloseCode::going_away, "bye");
        EXPECT_TRUE(ws.closed());
        EXPECT_EQ(ws.close_code(), 1001);
        EXPECT_FALSE(co_await ws.receive());

        try {
            co_await session.ws_connect(url("/"));
            ADD_FAILURE();
        } catch (const asiohttp::ClientResponseError& e) {
            EXPECT_EQ(e.status(), 200);  // not a WebSocket endpoint
        }
    }());
}

// The common server-side use: handlers on several worker threads share one
// session (app state) to call an upstream service; connections are pooled per
// worker thread and the limit holds across threads.
TEST(ClientInHandlers, OneSessionServesHandlersOnEveryWorkerThread) {
    ClientTestApp upstream_app;
    TestServer upstream(upstream_app.app);
    const auto upstream_url = upstream.url("/concurrent");

    web::Application proxy_app;
    auto shared = std::make_shared<ClientSession>(asiohttp::ClientSessionOptions{.limit = 8});
    proxy_app.router().add_get("/proxy", [shared, upstream_url](web::Request&) -> awaitable<web::Response> {
        auto r = co_await shared->get(upstream_url);
        auto body = co_await r.text();
        co_return web::Response::text("via proxy: " + body);
    });
    auto config = TestServer::default_config();
    config.threads = 2;
    TestServer proxy(proxy_app, config);

    asiohttp::run([&]() -> awaitable<void> {
        ClientSession client;
        std::vector<awaitable<std::string>> calls;
        for (int i = 0; i < 200; ++i)
            calls.push_back([](ClientSession& s, std::string u) -> awaitable<std::string> {
                auto r = co_await s.get(u);
                auto text = co_await r.text();
                co_return text;
            }(client, proxy.url("/proxy")));
        auto bodies = co_await asiohttp::gather(std::move(calls));
        EXPECT_EQ(std::count(bodies.begin(), bodies.end(), "via proxy: ok"), 200);
    }());
    EXPECT_LE(upstream_app.concurrency.peak, 8);
    // A connection does its I/O on the thread that opened it, so each worker has
    // its own; together they never pass the limit.
    EXPECT_GE(shared->connections_opened(), 2u);
    EXPECT_LE(upstream.server().open_connections(), 8u);
}

// A WebSocket peer that completes the handshake and then never reads again,
// so it never answers a ping: the client's heartbeat has to notice.
TEST(ClientWebSocket, HeartbeatGivesUpOnASilentServer) {
    asio::io_context server_ioc;
    asio::ip::tcp::acceptor acceptor(server_ioc, {asio::ip::make_address("127.0.0.1"), 0});
    std::thread silent([&] {
        boost::beast::websocket::stream<asio::ip::tcp::socket> ws(acceptor.accept());
        ws.accept();
        std::this_thread::sleep_for(1500ms);  // holds the socket open, reads nothing
    });
    auto t0 = std::chrono::steady_clock::now();
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session;
        asiohttp::WSConnectOptions options{.heartbeat = 200ms};
        auto ws = co_await session.ws_connect("ws://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()),
                                              options);
        auto msg = co_await ws.receive();
        EXPECT_FALSE(msg);
        EXPECT_EQ(ws.close_code(), 1006);
    }());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1200ms);  // well before the server lets go
    silent.join();
}

TEST_F(Client, ClosedSessionIsAClearError) {
    asiohttp::run([&]() -> awaitable<void> {
        ClientSession session;
        co_await session.get(url("/"));
        session.close();
        EXPECT_TRUE(session.closed());
        EXPECT_THROW(co_await session.get(url("/")), asiohttp::ClientClosedError);
    }());
}

}  // namespace

#ifdef ASIOHTTP_FETCH  // the fetch tool is built with the apps (ASIOHTTP_BUILD_APPS)
namespace {

// Runs the fetch tool; returns its exit status and what it printed on stdout.
std::pair<int, std::string> run_fetch(const std::string& args) {
    auto r = run_command(std::string(ASIOHTTP_FETCH) + " " + args, false);
    return {r.status, r.output};
}

TEST_F(Client, FetchToolReportsEveryRequestInOrder) {
    auto [code, out] = run_fetch("--json --repeat 2 " + url("/") + " htp://bad " + url("/status/404"));
    EXPECT_EQ(code, 1);  // the bad URL got no response
    auto j = json::parse(out);
    EXPECT_GT(j["total_ms"].get<double>(), 0);
    auto& results = j["results"];
    ASSERT_EQ(results.size(), 6u);
    EXPECT_EQ(results[0]["url"], url("/"));
    EXPECT_EQ(results[0]["status"], 200);
    EXPECT_EQ(results[0]["bytes"], 5);
    EXPECT_TRUE(results[0]["error"].is_null());
    EXPECT_TRUE(results[2]["status"].is_null());
    EXPECT_NE(results[2]["error"].get<std::string>().find("invalid URL"), std::string::npos);
    EXPECT_EQ(results[5]["status"], 404);

    auto [ok_code, text] = run_fetch("--sequential " + url("/") + " " + url("/status/404"));
    EXPECT_EQ(ok_code, 0);  // every request got a response, a 404 included
    EXPECT_NE(text.find("total:"), std::string::npos);
}

TEST_F(Client, FetchToolRunsConcurrentlyUnlessSequential) {
    const auto slow = url("/slow?ms=200");
    auto [c1, concurrent] = run_fetch("--json --repeat 10 " + slow);
    auto [c2, sequential] = run_fetch("--json --sequential --repeat 10 " + slow);
    EXPECT_EQ(c1, 0);
    EXPECT_EQ(c2, 0);
    EXPECT_LT(json::parse(concurrent)["total_ms"].get<double>(), 1000);
    EXPECT_GE(json::parse(sequential)["total_ms"].get<double>(), 2000);
}

}  // namespace
#endif
