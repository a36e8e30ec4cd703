// One HTTP/1.x connection: read a request head, run the application, write the
// response, repeat while keep-alive allows. Requests on a connection are handled
// one after another, so pipelined requests are answered in order.
#include "http1/http_host.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>

#include <array>
#include <cerrno>
#include <optional>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include "asiohttp/application.hpp"
#include "asiohttp/http_exceptions.hpp"
#include "asiohttp/server.hpp"
#include "asiohttp/tasks.hpp"
#include "base/chunk_frame.hpp"
#include "base/file_reads.hpp"
#include "base/log.hpp"
#include "base/nothrow.hpp"
#include "codec/codec.hpp"
#include "http1/head_rules.hpp"
#include "http1/body_parser.hpp"
#include "http1/response_head.hpp"
#include "metrics/http_metrics.hpp"
#include "net/io_now.hpp"
#include "net/transport.hpp"
#include "net/watched_executor.hpp"
#include "web/access_log.hpp"
#include "web/app_access.hpp"
#include "web/body_limit.hpp"
#include "web/error_response.hpp"
#include "web/exchange.hpp"
#include "web/forwarded.hpp"
#include "web/request_id.hpp"
#include "web/response_prepare.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto never = Clock::time_point::max();
// Up to this size a whole response's body is copied behind its head, in the
// buffer that a keep-alive connection keeps between requests.
constexpr std::size_t kJoinedBody = 1024;

// Errors that only mean "the peer went away".
bool is_disconnect(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == http::error::partial_message || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor;
}

// A request that asks for an upgrade is served in a coroutine of its own
// (HttpConnection::serve_upgradable); the connection's coroutine waits here
// until that request is answered, or until its handler takes the socket over.
struct UpgradeWait {
    explicit UpgradeWait(const asio::any_io_executor& executor) : wake(executor, Clock::time_point::max()) {}
    void finish(bool keep, std::exception_ptr e) {
        done = true;
        keep_alive = keep;
        failure = std::move(e);
        wake.cancel();
    }
    void taken() {
        taken_over = true;
        wake.cancel();
    }

    asio::steady_timer wake;
    bool done = false, taken_over = false, keep_alive = false;
    std::exception_ptr failure;
};

// What a request points into (its head, the peer's address, a request id made
// up for it): a block of its own, so that an upgraded request keeps it when
// its connection goes.
struct RequestData {
    RequestHead head;
    std::string remote;
    std::array<char, 32> request_id;
};

// Set up by serve_one for each request: take_over fills it in, and from then on
// the request is its own (the connection may be gone before the handler returns).
struct Handoff {
    Request* request;
    std::unique_ptr<RequestData> data;
    bool upgraded = false;
};

// The exchange of a request whose connection was taken over: nothing more goes through it.
class TakenOverExchange final : public Exchange {
public:
    static Exchange& instance() {
        static TakenOverExchange exchange;
        return exchange;
    }
    awaitable<void> read_body(std::size_t) override { gone(); }
    awaitable<bool> read_body_some(std::string&, std::size_t) override { gone(); }
    std::size_t client_max_size() const noexcept override { return 0; }
    awaitable<void> send_head(Response&, bool) override { gone(); }
    awaitable<void> send_data(std::string_view) override { gone(); }
    awaitable<void> send_eof() override { gone(); }
    TakenOver take_over() override { gone(); }

private:
    [[noreturn]] static void gone() {
        throw std::logic_error("the connection was taken over (WebSocket): no more HTTP goes through it");
    }
};

template <class Stream>
class HttpConnection final : public Connection,
                             public Exchange,
                             public std::enable_shared_from_this<HttpConnection<Stream>> {
public:
    HttpConnection(Stream stream, HttpHost& host)
        : host_(host),
          stream_(std::move(stream)),
          data_(std::make_unique<RequestData>()),
          remote_(data_->remote),
          buffer_(buffer_limit(host.config())),
          head_(data_->head),
          request_id_(data_->request_id) {
        beast::error_code ec;
        auto ep = socket_of(stream_).remote_endpoint(ec);
        if (!ec) {
            remote_ = ep.address().to_string();
            auto* proxies = host_.trusted_proxies();
            proxy_peer_ = proxies && proxies->contains(ep.address());
        }
        host_.add(*this);
    }
    ~HttpConnection() override {
        if (ending_ != Ending::upgraded) host_.connection_closed();  // else the WebSocket's to say
    }

    awaitable<void> run();

    void check_deadline(Clock::time_point now) override {
        if (phase_ == Phase::idle && buffer_.size() > 0) {  // a new request started arriving
            phase_ = Phase::reading_head;
            deadline_ = now + config().header_timeout;
        }
        if (now >= deadline_ && !timed_out_) {
            timed_out_ = true;
            cancel(stream_);
        }
    }
    void begin_shutdown(Clock::time_point) override {
        end(Ending::shutdown);
        if ((phase_ == Phase::idle && buffer_.size() == 0) || lingering_) cancel(stream_);
    }
    void abort() override {
        end(Ending::broken);
        close(stream_);
    }

    awaitable<void> read_body(std::size_t limit) override;
    awaitable<bool> read_body_some(std::string& into, std::size_t limit) override;
    std::size_t client_max_size() const noexcept override { return config().client_max_size; }
    awaitable<void> send_head(Response& resp, bool hold) override;
    awaitable<void> send_data(std::string_view data) override;
    awaitable<void> send_eof() override;
    awaitable<bool> send_file(int fd, std::uint64_t offset, std::uint64_t length) override;
    TakenOver take_over() override {
        if (ending_ >= Ending::upgraded) throw std::logic_error("the connection was already taken over or closed");
        if (current_.started) throw std::logic_error("the connection cannot be taken over: a response already started");
        if (!handoff_) throw std::logic_error("the connection can only be taken over by a request's handler");
        end(Ending::upgraded);
        // Bytes sent before the 101 are dropped (a client must wait for it), and
        // the memory given back: the WebSocket has its own buffer.
        buffer_ = beast::flat_buffer();
        std::string().swap(out_);
        parser_ = nullptr;
        unlink();  // the WebSocket's connection meets deadlines and shutdown from now on
        // The request keeps what it points into; this connection may go first.
        // It keeps it for the socket's whole life: no room to spare.
        head_.headers.shrink_to_fit();
        handoff_->data = std::move(data_);
        handoff_->upgraded = true;
        RequestAccess::set_exchange(*handoff_->request, TakenOverExchange::instance());
        if (upgrade_wait_) upgrade_wait_->taken();  // this connection's coroutine can end
        return {AnyStream(std::move(stream_)), host_};
    }

private:
    enum class Phase { idle, reading_head, handling, io };
    // Why no further request will be read, in rising order of finality: after
    // the current response (shutdown, out_of_sync), or not at all (the stream
    // belongs to another protocol now, or failed).
    enum class Ending { none, shutdown, out_of_sync, upgraded, broken };
    // What one request and its response need; reset for each request.
    struct Current {
        bool head_only = false;      // HEAD: no body bytes
        bool continue_sent = false;  // "100 Continue" went out
        // A streamed response: its framing, whether it keeps the connection, its bytes.
        Framing framing = Framing::length;
        bool keep_alive = false;
        std::uint64_t declared = 0;
        std::uint64_t sent = 0;
        std::string_view request_id;  // ServerConfig::request_ids: for the response head
        bool head_held = false;       // the head in out_ waits for the first body bytes
        bool started = false;         // a streamed response's head was made
        // The request's client_max_size (its route's), once the body is first read.
        std::optional<std::size_t> body_limit;
    };

    void end(Ending why) noexcept { ending_ = std::max(ending_, why); }

    const ServerConfig& config() const noexcept { return host_.config(); }
    void set_deadline(Phase phase, std::chrono::milliseconds timeout) {
        phase_ = phase;
        deadline_ = host_.now() + timeout;
    }
    void clear_deadline() {
        phase_ = Phase::handling;
        deadline_ = never;
    }

    // A head may declare the largest body any route takes; the request's own
    // limit applies once it is routed (apply_body_limit).
    std::size_t head_body_limit() const noexcept {
        return std::max(config().client_max_size, AppAccess::largest_route_body_limit(host_.app()));
    }
    // Sets the request's body limit before its first body byte is read; false
    // when the declared length already passes it.
    bool apply_body_limit(std::size_t limit) {
        if (!current_.body_limit) {
            current_.body_limit = limit;
            parser_->body_limit(limit);
        }
        return head_.content_length.value_or(0) <= *current_.body_limit;
    }
    // Checks that a handler may read the body now: 413 when it is too large.
    void start_body(std::size_t limit) {
        if (!parser_) throw std::logic_error("Request body read after the response was sent");
        if (apply_body_limit(limit)) return;
        end(Ending::out_of_sync);
        throw body_too_large(*current_.body_limit);
    }
    // Why reading the body failed, as the handler's exception.
    [[noreturn]] void body_failed(const beast::error_code& ec);

    // The buffer holds at most a head and a read's worth: a chunk-size line or
    // trailer longer than that is refused, not buffered without end.
    static std::size_t buffer_limit(const ServerConfig& c) { return c.max_header_size + (64u << 10); }

    std::optional<beast::error_code> take_head(HeadReader& reader, BodyParser& parser);
    // Keeps why the head is refused, as "<status>: <reason phrase> (<why>)".
    beast::error_code refuse(Refusal r) {
        r.reason = std::to_string(r.status) + ": " + std::string(reason_phrase(r.status)) + " (" + r.reason + ")";
        refusal_ = std::move(r);
        return http::error::bad_value;
    }
    awaitable<bool> serve_one();
    awaitable<bool> serve_upgradable();
    awaitable<Response> run_handler(Request& req);
    awaitable<Response> run_cancellable(Request& req, std::shared_ptr<struct DisconnectWatch> gone);
    awaitable<bool> answer(Request& req, Response& resp, Clock::time_point started, bool error_answer = false);
    awaitable<bool> answer_failure(Request& req, std::exception_ptr failure, Clock::time_point started);
    std::shared_ptr<struct DisconnectWatch> watch_for_disconnect();
    awaitable<void> answer_read_error(const beast::error_code& ec, bool partial);
    // The one mapping from what the parser refused to its answer (431, 413, 400),
    // for a head answered before any handler and a body a handler reads alike;
    // null when the peer just went away.
    std::exception_ptr refusal_for(const beast::error_code& ec) const {
        if (refusal_) return std::make_exception_ptr(HTTPException(refusal_->status, refusal_->reason));
        if (ec == http::error::buffer_overflow)
            return std::make_exception_ptr(HTTPBadRequest("400: Bad Request (chunk line or trailer too long)"));
        if (ec == http::error::header_limit)
            return std::make_exception_ptr(HTTPRequestHeaderFieldsTooLarge(
                "431: Request Header Fields Too Large (limit " + std::to_string(config().max_header_size) + " bytes)"));
        if (ec == http::error::body_limit)
            return std::make_exception_ptr(body_too_large(current_.body_limit.value_or(head_body_limit())));
        if (!is_disconnect(ec) && ec.category() == http::make_error_code(http::error::bad_method).category())
            return std::make_exception_ptr(HTTPBadRequest("400: Bad Request (" + ec.message() + ")"));
        return nullptr;
    }
    // The access log line and the metrics of an answered request.
    static void record(HttpHost& host, const Request& req, const Response& resp, std::uint64_t body_bytes,
                       Clock::time_point started) {
        auto* log = host.access_log();
        auto* metrics = host.metrics();
        if (!log && !metrics) return;
        const auto elapsed = Clock::now() - started;
        if (log) log->log(req, resp, body_bytes, elapsed);
        if (metrics) metrics->observe(req.match_info().route(), req.method(), resp.status(), elapsed);
    }
    // Where the next bytes of a head are read to.
    asio::mutable_buffer read_space() {
        return buffer_.prepare(std::min<std::size_t>(64u << 10, buffer_.max_size() - buffer_.size()));
    }
    // After the loop's other work, a busy client has usually sent its next
    // request: reading it with one recv(2) spares an Asio operation and
    // another trip through the loop. A miss costs that recv, so the request
    // after a miss does not try (a client slower than the loop).
    bool read_now() {
        if (!std::exchange(try_read_now_, true)) return false;
        const auto got = receive_now(stream_, read_space());
        if (got == 0) {
            try_read_now_ = false;
            return false;
        }
        buffer_.commit(got);
        return true;
    }
    // Reads body bytes into the parser's sink: all of them, or only until some arrive.
    awaitable<beast::error_code> receive_body(bool some);
    awaitable<bool> skip_body(std::size_t limit);
    // The head (serialized into out_) and body of a whole response, for one gather write.
    std::array<asio::const_buffer, 2> whole_response(Response& resp, bool keep_alive, std::uint64_t& body_bytes);
    template <class Buffers>
    awaitable<bool> write(const Buffers& buffers);
    // Whether a write went out; one that failed breaks the connection.
    bool wrote(const beast::error_code& ec) noexcept {
        if (ec) end(Ending::broken);
        return !ec;
    }
    awaitable<void> send_held_head();
    awaitable<void> write_file(int fd, std::uint64_t offset, std::uint64_t length);
    awaitable<void> linger_close();
    HeadOptions head_options(Framing framing, std::uint64_t length, bool keep_alive) const {
        return {framing, length, keep_alive, head_.version, config().server_header, current_.request_id};
    }

    HttpHost& host_;
    WatchedConnection* watched_ = nullptr;  // the watchdog's view of this connection, when on
    // The loop's own executor, when the connection runs on it (not under the
    // watchdog's): what the yield after send_now posts through, for less than
    // the type-erased one costs.
    std::optional<asio::io_context::executor_type> loop_;
    Stream stream_;
    std::unique_ptr<RequestData> data_;  // until an upgrade hands it to the request
    std::string& remote_;
    bool proxy_peer_ = false;  // a trusted proxy: its Forwarded headers describe the client
    beast::flat_buffer buffer_;
    RequestHead& head_;
    BodyParser* parser_ = nullptr;
    std::optional<Refusal> refusal_;  // the rule the current head broke
    std::string out_;
    std::array<char, 32>& request_id_;  // a request id made up here

    // The timer: what the connection is waiting for, until when, and whether that passed.
    Phase phase_ = Phase::idle;
    Clock::time_point deadline_ = never;
    bool timed_out_ = false;
    bool lingering_ = false;  // the answer is out; only draining what the client still sends
    bool sent_now_ = false;  // the last answer went out without waiting (send_now)
    bool try_read_now_ = true;  // false after read_now missed
    Ending ending_ = Ending::none;
    Current current_;
    unsigned requests_ = 0;
    UpgradeWait* upgrade_wait_ = nullptr;  // while serve_upgradable waits
    Handoff* handoff_ = nullptr;           // while a handler runs
};

template <class Stream>
awaitable<void> HttpConnection<Stream>::run() {
    const auto executor = co_await asio::this_coro::executor;
    if (auto* ex = executor.template target<WatchedExecutor<asio::io_context::executor_type>>())
        watched_ = ex->watched().get();
    if (auto* io = executor.template target<asio::io_context::executor_type>()) loop_ = *io;
    for (;;) {
        if (ending_ != Ending::none && buffer_.size() == 0) break;
        BodyParser parser(head_);
        parser.header_limit(std::uint32_t(std::min<std::size_t>(config().max_header_size, UINT32_MAX)));
        parser.body_limit(head_body_limit());
        parser.extra_limit(config().max_header_size);
        parser_ = &parser;
        // The first request gets the header timeout from accept; later ones the
        // keep-alive timeout until their first byte arrives.
        if (requests_ == 0 || buffer_.size() > 0) set_deadline(Phase::reading_head, config().header_timeout);
        else set_deadline(Phase::idle, config().keepalive_timeout);

        current_ = {};  // nothing of the previous request in an error answer
        refusal_.reset();
        HeadReader reader(config().max_header_size, head_);
        beast::error_code ec;
        for (;;) {
            if (const auto taken = take_head(reader, parser)) {
                ec = *taken;
                break;
            }
            if (std::exchange(sent_now_, false)) {
                // The answer went out just now (send_now) and the client is
                // still reading it: a read now would find nothing (Asio tries
                // one before it waits), so the other connections go first.
                co_await asio::post(*loop_, asio::deferred);
                if (ending_ != Ending::none && buffer_.size() == 0) {  // shut down meanwhile: no read to cancel
                    ec = asio::error::operation_aborted;
                    break;
                }
                if (read_now()) continue;
            }
            auto [read_ec, n] = co_await stream_.async_read_some(read_space(), nothrow_for<Stream>);
            if (read_ec) {
                ec = read_ec;
                break;
            }
            buffer_.commit(n);
        }
        if (ec) {
            co_await answer_read_error(ec, parser.got_some() || buffer_.size() > 0);
            parser_ = nullptr;
            co_return;
        }
        ++requests_;
        bool keep_alive = false;
        if (head_.upgrade) keep_alive = co_await serve_upgradable();
        else keep_alive = co_await serve_one();
        parser_ = nullptr;
        if (!keep_alive) break;
    }
    if (ending_ == Ending::upgraded) co_return;
    // A body left unread may still be arriving: closing now would reset the
    // connection and could destroy the response before the client read it.
    if (ending_ == Ending::out_of_sync) co_await linger_close();
    else if (ending_ != Ending::broken) shutdown_send(stream_);
    close(stream_);
}

// The request head, once the buffer holds a whole one that follows RFC 9112's
// rules, parsed into head_; then the body parser learns its framing. Nullopt
// while more bytes are needed: run() reads them in its own frame (no coroutine
// frame per request), and calls this again.
template <class Stream>
std::optional<beast::error_code> HttpConnection<Stream>::take_head(HeadReader& reader, BodyParser& parser) {
    const auto status = reader.look({static_cast<const char*>(buffer_.data().data()), buffer_.size()});
    buffer_.consume(status.skip);
    if (status.kind == HeadReader::Status::refused) return refuse(std::move(*status.refusal));
    if (status.kind == HeadReader::Status::too_large) return http::error::header_limit;
    if (status.kind != HeadReader::Status::complete) return std::nullopt;  // more bytes, please
    buffer_.consume(status.size);
    beast::error_code ec;
    parser.start(ec);
    return ec;
}

template <class Stream>
awaitable<void> HttpConnection<Stream>::answer_read_error(const beast::error_code& ec, bool partial) {
    std::optional<Response> answer;
    if (timed_out_) {
        if (partial && ending_ == Ending::none) answer = Response::text("408: " + std::string(reason_phrase(408)), 408);
    } else if (auto refusal = refusal_for(ec)) {
        try {
            std::rethrow_exception(refusal);
        } catch (const HTTPException& e) {
            answer = Response::text(e.what(), e.status());
        }
    }
    if (!answer || ending_ == Ending::broken) {
        close(stream_);
        co_return;
    }
    Response& resp = *answer;
    out_.clear();
    serialize_head(out_, resp, head_options(Framing::length, resp.body().size(), false));
    std::array<asio::const_buffer, 2> bufs{asio::buffer(out_), asio::buffer(resp.body())};
    timed_out_ = false;
    set_deadline(Phase::io, config().body_timeout);
    const bool sent = co_await write(bufs);
    if (sent) co_await linger_close();
    close(stream_);
}

// handler_cancellation: while a handler runs, the socket is watched for its
// client closing it (a read wait, then a peek: EOF or a reset means gone, bytes
// mean a pipelined request and an end to watching).
struct DisconnectWatch {
    asio::cancellation_signal signal;
    bool stopped = false, fired = false;

    void stop(PlainStream& socket) {
        if (stopped) return;
        stopped = true;
        boost::system::error_code ignored;
        socket.cancel(ignored);  // the handler is over: nothing else waits on the socket
    }
};

template <class Stream>
std::shared_ptr<DisconnectWatch> HttpConnection<Stream>::watch_for_disconnect() {
    if (!config().handler_cancellation || !parser_->is_done() || head_.headers.contains("Upgrade")) return nullptr;
    auto watch = std::make_shared<DisconnectWatch>();
    auto& socket = socket_of(stream_);
    socket.async_wait(asio::socket_base::wait_read, [watch, fd = socket.native_handle()](const auto& ec) {
        if (watch->stopped || ec) return;
        char byte;
        const auto n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n > 0 || (n < 0 && errno != ECONNRESET && errno != EPIPE)) return;
        watch->fired = true;
        watch->signal.emit(asio::cancellation_type::terminal);
    });
    return watch;
}

// A request asking for an upgrade (Connection: upgrade) runs in a coroutine of
// its own that holds this connection. If its handler takes the socket over (a
// WebSocket), the connection's coroutine ends here and its frames are freed
// while the handler goes on: an upgraded socket keeps no HTTP coroutine alive.
// If not, the connection waits for the answer and carries on as usual.
template <class Stream>
awaitable<bool> HttpConnection<Stream>::serve_upgradable() {
    auto executor = co_await asio::this_coro::executor;
    UpgradeWait wait(executor);
    upgrade_wait_ = &wait;
    // A completion handler, not a coroutine of its own: nothing but serve_one's
    // frame is kept while an upgraded handler runs.
    auto done = [weak = this->weak_from_this()](std::exception_ptr failure, bool keep_alive) {
        const auto self = weak.lock();  // gone once the socket was taken over
        if (self && self->upgrade_wait_) self->upgrade_wait_->finish(keep_alive, failure);
        else if (failure) server_logger().error("connection failed: {}", what_of(failure));
    };
    asio::co_spawn(executor, serve_one(), std::move(done));
    while (!wait.done && !wait.taken_over) {
        auto [ec] = co_await wait.wake.async_wait(nothrow);
        (void)ec;  // woken by cancel()
    }
    upgrade_wait_ = nullptr;
    if (wait.failure) std::rethrow_exception(wait.failure);
    co_return wait.done && wait.keep_alive;
}

template <class Stream>
awaitable<bool> HttpConnection<Stream>::serve_one() {
    const auto started = Clock::now();
    clear_deadline();
    current_ = {.head_only = head_.method == "HEAD"};
    host_.request_started();
    struct InFlight {
        HttpHost& host;
        ~InFlight() { host.request_finished(); }
    } in_flight{host_};

    Request req(head_, *this, host_.app(), remote_, is_secure_stream<Stream>);
    // The watchdog names this request while its handler runs.
    struct Watch {
        WatchedConnection* watched;
        ~Watch() {
            if (watched) watched->request = nullptr;
        }
    } watch{watched_};
    if (watched_) watched_->request = &req;
    if (proxy_peer_) apply_forwarded(req, *host_.trusted_proxies());
    if (config().request_ids) {
        const auto given = proxy_peer_ ? head_.headers.get("X-Request-ID") : std::nullopt;
        RequestAccess::set_request_id(req, given && valid_request_id(*given) ? *given : new_request_id(request_id_));
        current_.request_id = req.request_id();
    }
    // While the handler runs, its frames sit on this one (an upgraded
    // WebSocket's whole life): this frame holds the request and the one slot
    // its response comes back into; what follows has frames of its own.
    Handoff handoff{&req};
    handoff_ = &handoff;
    HttpHost& host = host_;
    bool answering = false;
    std::exception_ptr failure;
    try {
        Response resp = co_await run_handler(req);
        if (!handoff.upgraded && RequestAccess::has_ready_hooks(req)) co_await RequestAccess::run_ready_hooks(req, resp);
        answering = true;
        // Taken over: the socket is another protocol's and this connection may
        // be gone (`this` is not touched again); only the log hears of it.
        if (handoff.upgraded) {
            record(host, req, resp, 0, started);
            co_return false;
        }
        handoff_ = nullptr;
        co_return co_await answer(req, resp, started);
    } catch (...) {
        if (answering) throw;
        failure = std::current_exception();
    }
    if (handoff.upgraded) {  // the handler failed after taking the socket over
        try {
            record(host, req, error_response(req, failure, host.app().debug()), 0, started);
        } catch (const ClientDisconnectedError&) {
        }
        co_return false;
    }
    handoff_ = nullptr;
    co_return co_await answer_failure(req, failure, started);
}

template <class Stream>
awaitable<Response> HttpConnection<Stream>::run_handler(Request& req) {
    auto gone = watch_for_disconnect();
    if (!gone) return AppAccess::dispatch(host_.app(), req);  // no frame of its own
    return run_cancellable(req, std::move(gone));
}

// handler_cancellation: the handler in its own coroutine, cancelled through the
// watch's signal when its client goes away.
template <class Stream>
awaitable<Response> HttpConnection<Stream>::run_cancellable(Request& req, std::shared_ptr<DisconnectWatch> gone) {
    auto executor = co_await asio::this_coro::executor;
    auto handling = AppAccess::dispatch(host_.app(), req);
    auto cancel_on_disconnect = asio::bind_cancellation_slot(gone->signal.slot(), asio::use_awaitable);
    std::exception_ptr failure;
    try {
        Response resp = co_await asio::co_spawn(executor, std::move(handling), cancel_on_disconnect);
        gone->stop(socket_of(stream_));
        if (!gone->fired) co_return resp;
    } catch (...) {
        failure = std::current_exception();
    }
    gone->stop(socket_of(stream_));
    if (gone->fired) throw ClientDisconnectedError("the client went away; its handler was cancelled");
    std::rethrow_exception(failure);
}

// The handler failed: an HTTPException is its answer, anything else a logged 500.
template <class Stream>
awaitable<bool> HttpConnection<Stream>::answer_failure(Request& req, std::exception_ptr failure,
                                                       Clock::time_point started) {
    std::optional<Response> resp;
    try {
        resp.emplace(error_response(req, failure, host_.app().debug()));
    } catch (const ClientDisconnectedError&) {
        co_return false;  // nobody to answer
    }
    if (ending_ == Ending::broken) co_return false;
    if (RequestAccess::has_ready_hooks(req) && is_http_error(failure)) {
        std::exception_ptr hook_failure;
        try {
            co_await RequestAccess::run_ready_hooks(req, *resp);
        } catch (...) {
            hook_failure = std::current_exception();
        }
        if (hook_failure) co_return co_await answer_failure(req, hook_failure, started);  // the hooks ran: no loop
    }
    co_return co_await answer(req, *resp, started, true);
}

// Sends the handler's response and says whether the connection goes on. A body
// sent late (a file) goes out first; what that throws gets the handler's
// treatment (answer_failure), unless the head is already out: then the
// connection just ends. One coroutine frame for what every request goes through.
template <class Stream>
awaitable<bool> HttpConnection<Stream>::answer(Request& req, Response& resp, Clock::time_point started,
                                               bool error_answer) {
    std::exception_ptr failure;
    try {
        if (auto* deferred = ResponseAccess::deferred(resp); deferred && !resp.prepared())
            co_await deferred->send(req, resp);
        if (!resp.prepared()) {
            const auto encoder = prepare_whole(req, resp);
            if (encoder) co_await encode_whole(*encoder, resp);
        }
    } catch (const ClientDisconnectedError&) {
        co_return false;
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        if (error_answer) std::rethrow_exception(failure);  // even the error's answer failed
        if (resp.prepared() || ending_ == Ending::broken) {
            log_handler_error(req, what_of(failure));
            co_return false;
        }
        co_return co_await answer_failure(req, failure, started);
    }
    if (ending_ == Ending::broken) co_return false;

    // Keep the connection in sync when the handler left (part of) the body unread.
    if (!parser_->is_done() && ending_ < Ending::out_of_sync) {
        const bool skipped = co_await skip_body(req.client_max_size());
        if (!skipped) end(Ending::out_of_sync);
    }

    bool keep_alive = head_.keep_alive && ending_ == Ending::none && !resp.will_close();
    std::uint64_t body_bytes = 0;
    if (resp.prepared()) {
        if (!ResponseAccess::eof_sent(resp)) {
            try {
                co_await ResponseAccess::write_eof(resp);
            } catch (const ClientDisconnectedError&) {
                co_return false;
            }
        }
        body_bytes = current_.sent;
        const bool complete = current_.framing != Framing::length || current_.sent == current_.declared;
        keep_alive = keep_alive && current_.keep_alive && complete;
    } else {
        auto buffers = whole_response(resp, keep_alive, body_bytes);
        // At once only on the loop's own executor: under the watchdog's the
        // write is awaited, so that the step that blocked ends while its
        // request can still be named.
        bool sent = sent_now_ = loop_ && send_now(stream_, buffers);
        if (!sent) {
            auto [ec, n] = co_await asio::async_write(stream_, buffers, nothrow);
            sent = wrote(ec);
        }
        clear_deadline();
        if (!sent) co_return false;
    }
    record(host_, req, resp, body_bytes, started);
    co_return keep_alive && ending_ != Ending::broken;
}

template <class Stream>
std::array<asio::const_buffer, 2> HttpConnection<Stream>::whole_response(Response& resp, bool keep_alive,
                                                                          std::uint64_t& body_bytes) {
    const bool no_body = status_has_no_body(resp.status());
    std::uint64_t length = resp.body().size();
    // HEAD may answer with the length a GET would have, or (compressed) no length.
    bool length_unknown = false;
    if (current_.head_only && resp.body().empty()) {
        if (resp.content_length()) length = *resp.content_length();
        else length_unknown = resp.headers().contains("Content-Encoding");
    }
    out_.clear();
    const auto framing = no_body || length_unknown ? Framing::none : Framing::length;
    serialize_head(out_, resp, head_options(framing, length, keep_alive));
    body_bytes = (no_body || current_.head_only) ? 0 : resp.body().size();
    set_deadline(Phase::io, config().body_timeout);
    // A small body joins the head: one buffer is one send(2), which the kernel
    // takes for less than a sendmsg(2) of two.
    const std::string_view body(resp.body().data(), std::size_t(body_bytes));
    if (body.size() <= kJoinedBody) {
        out_.append(body);
        return {asio::buffer(out_), asio::const_buffer()};
    }
    return {asio::buffer(out_), asio::buffer(body)};
}

template <class Stream>
template <class Buffers>
awaitable<bool> HttpConnection<Stream>::write(const Buffers& buffers) {
    auto [ec, n] = co_await asio::async_write(stream_, buffers, nothrow);
    co_return wrote(ec);
}

template <class Stream>
awaitable<beast::error_code> HttpConnection<Stream>::receive_body(bool some) {
    if (parser_->is_done()) co_return beast::error_code{};
    if (head_.expect_continue && !current_.continue_sent && head_.version == 11) {
        current_.continue_sent = true;
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        const bool sent = co_await write(asio::buffer(kContinue));
        if (!sent) co_return asio::error::broken_pipe;
    }
    set_deadline(Phase::io, config().body_timeout);
    beast::error_code ec;
    if (some) {
        // One socket read at a time: what the buffer holds is all that is read ahead.
        const auto before = parser_->body_bytes();
        while (!ec && !parser_->is_done() && parser_->body_bytes() == before) {
            auto [read_ec, n] = co_await http::async_read_some(stream_, buffer_, *parser_, nothrow);
            ec = read_ec;
        }
    } else {
        auto [read_ec, n] = co_await http::async_read(stream_, buffer_, *parser_, nothrow);
        ec = read_ec;
    }
    clear_deadline();
    co_return ec;
}

template <class Stream>
void HttpConnection<Stream>::body_failed(const beast::error_code& ec) {
    end(Ending::out_of_sync);
    if (timed_out_) {  // the declared body never came: say so, then close
        timed_out_ = false;
        throw HTTPRequestTimeout("408: Request Timeout (the body did not arrive within " +
                                 std::to_string(config().body_timeout.count()) + " ms)");
    }
    if (auto refusal = refusal_for(ec)) std::rethrow_exception(refusal);
    end(Ending::broken);
    throw ClientDisconnectedError("client went away while sending the body: " + ec.message());
}

template <class Stream>
awaitable<void> HttpConnection<Stream>::read_body(std::size_t limit) {
    start_body(limit);
    if (head_.content_length) head_.body.reserve(std::size_t(*head_.content_length));
    parser_->sink_to_head();
    const auto ec = co_await receive_body(false);
    if (ec) body_failed(ec);
    head_.body_complete = true;
}

template <class Stream>
awaitable<bool> HttpConnection<Stream>::read_body_some(std::string& into, std::size_t limit) {
    start_body(limit);
    const auto before = into.size();
    parser_->sink(into);
    const auto ec = co_await receive_body(true);
    parser_->sink_to_head();
    if (ec) body_failed(ec);
    co_return into.size() > before;
}

// Reads past the body a handler left unread, so that the next request can be
// read: up to a little, since a client sending much more is better stopped by
// closing the connection after the response. False when not skipped.
template <class Stream>
awaitable<bool> HttpConnection<Stream>::skip_body(std::size_t limit) {
    constexpr std::uint64_t kSkipAtMost = 1 << 20;
    if (head_.expect_continue && !current_.continue_sent) co_return false;  // the client waits: it never sent it
    if (!apply_body_limit(limit)) co_return false;
    const auto start = parser_->body_bytes();
    if (head_.content_length && *head_.content_length - start > kSkipAtMost) co_return false;
    std::string scratch;
    parser_->sink(scratch);
    beast::error_code ec;
    while (!ec && !parser_->is_done() && parser_->body_bytes() - start <= kSkipAtMost) {
        scratch.clear();
        ec = co_await receive_body(true);
    }
    parser_->sink_to_head();
    co_return !ec && parser_->is_done();
}

template <class Stream>
awaitable<void> HttpConnection<Stream>::send_head(Response& resp, bool hold) {
    const bool no_body = status_has_no_body(resp.status());
    current_.started = true;
    current_.sent = 0;
    current_.declared = resp.content_length().value_or(0);
    if (no_body) current_.framing = Framing::none;
    else if (resp.content_length()) current_.framing = Framing::length;
    else if (current_.head_only) current_.framing = Framing::none;
    else if (head_.version == 11) current_.framing = Framing::chunked;
    else current_.framing = Framing::close_delimited;
    current_.keep_alive =
        head_.keep_alive && ending_ == Ending::none && !resp.will_close() && current_.framing != Framing::close_delimited;
    out_.clear();
    serialize_head(out_, resp, head_options(current_.framing, current_.declared, current_.keep_alive));
    current_.head_held = true;
    if (!hold) co_await send_held_head();
}

template <class Stream>
awaitable<void> HttpConnection<Stream>::send_held_head() {
    if (!current_.head_held) co_return;
    current_.head_held = false;
    set_deadline(Phase::io, config().body_timeout);
    bool ok = co_await write(asio::buffer(out_));
    clear_deadline();
    if (!ok) throw ClientDisconnectedError("client went away before the response head was sent");
}

template <class Stream>
awaitable<void> HttpConnection<Stream>::send_data(std::string_view data) {
    if (current_.head_held) co_await send_held_head();
    if (current_.head_only || current_.framing == Framing::none || data.empty()) co_return;
    if (current_.framing == Framing::length && current_.sent + data.size() > current_.declared)
        throw std::logic_error("StreamResponse wrote more than its Content-Length");
    set_deadline(Phase::io, config().body_timeout);
    bool ok;
    if (current_.framing == Framing::chunked) {
        const ChunkFrame frame(data);
        ok = co_await write(frame.buffers());
    } else {
        ok = co_await write(asio::buffer(data));
    }
    clear_deadline();
    if (!ok) throw ClientDisconnectedError("client went away during a streamed response");
    current_.sent += data.size();
}

template <class Stream>
awaitable<bool> HttpConnection<Stream>::send_file(int fd, std::uint64_t offset, std::uint64_t length) {
    bool sent = false;
    if constexpr (std::is_same_v<Stream, PlainStream>) {  // TLS encrypts in user space: it copies anyway
        if (current_.framing == Framing::length && !current_.head_only) {
            if (current_.sent + length > current_.declared)
                throw std::logic_error("StreamResponse wrote more than its Content-Length");
            co_await write_file(fd, offset, length);
            sent = true;
        }
    }
    co_return sent;
}

// sendfile(2) from the page cache straight to the socket, a step at a time,
// each step read into the cache first off this thread when it is not there.
template <class Stream>
awaitable<void> HttpConnection<Stream>::write_file(int fd, std::uint64_t offset, std::uint64_t length) {
    constexpr std::uint64_t kStep = 1 << 20;
    auto& socket = socket_of(stream_);
    beast::error_code ec;
    if (!socket.native_non_blocking()) socket.native_non_blocking(true, ec);
    set_deadline(Phase::io, config().body_timeout);
    // Corked: the head and the file's first bytes share segments, and no part
    // of the file leaves in a small one (nginx's tcp_nopush).
    const int fd_out = socket.native_handle(), on = 1, off = 0;
    ::setsockopt(fd_out, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
    co_await send_held_head();
    bool ok = !ec, shrank = false;
    while (ok && !shrank && length > 0) {
        const auto step = std::min(length, kStep);
        co_await cache_file_range(fd, offset, step);
        auto left = step;
        while (ok && !shrank && left > 0) {
            off_t from = off_t(offset);
            const auto n = ::sendfile(socket.native_handle(), fd, &from, std::size_t(left));
            if (n > 0) {
                offset += std::uint64_t(n);
                left -= std::uint64_t(n);
                length -= std::uint64_t(n);
                current_.sent += std::uint64_t(n);
            } else if (n == 0) {
                shrank = true;
            } else if (errno == EAGAIN) {
                auto [wait_ec] = co_await socket.async_wait(asio::socket_base::wait_write, nothrow);
                ok = !wait_ec;
            } else if (errno != EINTR) {
                ok = false;  // EPIPE, ECONNRESET
            }
        }
    }
    ::setsockopt(fd_out, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
    clear_deadline();
    if (!ok || shrank) end(Ending::broken);  // the response cannot be finished: the connection ends
    if (shrank) throw std::runtime_error("a file shrank while it was being sent");
    if (!ok) throw ClientDisconnectedError("client went away during a file");
}

template <class Stream>
awaitable<void> HttpConnection<Stream>::send_eof() {
    if (current_.head_held) co_await send_held_head();
    if (current_.framing != Framing::chunked || current_.head_only) co_return;
    set_deadline(Phase::io, config().body_timeout);
    bool ok = co_await write(asio::buffer(kLastChunk));
    clear_deadline();
    if (!ok) throw ClientDisconnectedError("client went away during a streamed response");
}

// After an error answer the client may still be sending: stop writing and read
// what it sends for a while, so that closing does not reset the connection and
// destroy our response before the client has read it (nginx's lingering close,
// bounded in time and bytes).
template <class Stream>
awaitable<void> HttpConnection<Stream>::linger_close() {
    constexpr std::uint64_t kLingerAtMost = 64 << 20;
    shutdown_send(stream_);
    timed_out_ = false;
    lingering_ = true;
    set_deadline(Phase::io, std::chrono::milliseconds(5000));
    std::array<char, 16384> scratch;
    std::uint64_t total = 0;
    while (total < kLingerAtMost) {
        auto [rec, n] = co_await stream_.async_read_some(asio::buffer(scratch), nothrow_for<Stream>);
        if (rec) break;
        total += n;
    }
}

}  // namespace

}  // namespace asiohttp::detail

namespace asiohttp::detail {

template <class Stream>
awaitable<void> serve_http(Stream stream, HttpHost& host) {
    // Not make_shared: the weak reference an upgraded request's handler keeps
    // (serve_upgradable) would keep the whole object's memory.
    std::shared_ptr<HttpConnection<Stream>> connection(new HttpConnection<Stream>(std::move(stream), host));
    co_await connection->run();
}

template awaitable<void> serve_http(PlainStream, HttpHost&);
template awaitable<void> serve_http(TlsStream, HttpHost&);

}  // namespace asiohttp::detail
