// The client's insides: per-request deadlines, pooled connections and the
// connector that hands them out, and the state behind a ClientResponse.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <mutex>

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include "asiohttp/client.hpp"
#include "asiohttp/tasks.hpp"
#include "client/client_stream.hpp"
#include "codec/codec.hpp"
#include "metrics/runtime_metrics.hpp"
#include "tasks/notifier.hpp"

namespace asiohttp::detail {

using Clock = std::chrono::steady_clock;

// One request's ClientTimeout as deadlines, from the moment it started.
class Deadlines {
public:
    struct Limit {
        Deadline at;
        ClientTimeoutError::Which which = ClientTimeoutError::Which::total;
        std::chrono::milliseconds limit{0};
    };
    explicit Deadlines(const ClientTimeout& t) : t_(t), start_(Clock::now()) {}

    Limit pool_wait() const { return earliest({from_start(t_.total, W::total), from_start(t_.connect, W::connect)}); }
    Limit sock_connect() const {
        return earliest({from_start(t_.total, W::total), from_start(t_.connect, W::connect),
                         from_now(t_.sock_connect, W::sock_connect)});
    }
    Limit read() const { return earliest({from_start(t_.total, W::total), from_now(t_.sock_read, W::sock_read)}); }
    Limit write() const { return from_start(t_.total, W::total); }

    [[noreturn]] static void fail(const Limit& l, const std::string& during) {
        throw ClientTimeoutError(l.which, l.limit, during);
    }
    // Sets the stream's deadline for its next operation.
    static void arm(boost::beast::tcp_stream& s, const Limit& l) {
        if (l.at)
            s.expires_at(*l.at);
        else
            s.expires_never();
    }

private:
    using W = ClientTimeoutError::Which;
    Limit from_start(const std::optional<std::chrono::milliseconds>& d, W w) const {
        return d ? Limit{start_ + *d, w, *d} : Limit{};
    }
    Limit from_now(const std::optional<std::chrono::milliseconds>& d, W w) const {
        return d ? Limit{Clock::now() + *d, w, *d} : Limit{};
    }
    static Limit earliest(std::initializer_list<Limit> limits) {
        Limit best;
        for (auto& l : limits)
            if (l.at && (!best.at || *l.at < *best.at)) best = l;
        return best;
    }
    ClientTimeout t_;
    Clock::time_point start_;
};

struct PooledConnection {
    explicit PooledConnection(boost::asio::any_io_executor ex) : stream(std::move(ex)) {}
    ~PooledConnection() {
        if (counted) runtime_metrics().client_connections.add(-1);
    }
    PooledConnection(const PooledConnection&) = delete;
    bool counted = false;  // connected: in the open connections gauge
    ClientStream stream;
    boost::beast::flat_buffer buffer;
    std::string key, host_key;
    Clock::time_point idle_since;
    bool reused = false;  // came from the pool: the server may have closed it meanwhile
};

// Hands out connections: idle ones from the pool, new ones while under the limits;
// beyond them requests wait in order for a freed slot.
class Connector : public std::enable_shared_from_this<Connector> {
public:
    explicit Connector(const ClientSessionOptions& options);
    ~Connector();

    // Takes a slot and a connection to `url`'s origin (never a pooled one if `fresh`).
    awaitable<std::unique_ptr<PooledConnection>> acquire(const URL& url, const TLSConfig& tls, const Deadlines& d,
                                                         bool fresh);
    // Connects `s` to `url` (DNS, TCP, TLS) without taking a slot: WebSockets.
    awaitable<void> open(ClientStream& s, const URL& url, const TLSConfig& tls, const Deadlines& d);
    // Frees the connection's slot; pools it if `reusable`, else closes it.
    void release(std::unique_ptr<PooledConnection> c, bool reusable);
    void close();
    // An io_context is going away: its idle connections close now, while their
    // socket service still exists (see ContextWatch in connector.cpp).
    void forget(boost::asio::execution_context& ctx);

    bool closed() const;
    std::size_t opened() const noexcept { return opened_.load(); }
    // Idle pooled connections, after dropping those the server closed.
    std::size_t idle();

private:
    struct Waiter {
        std::string host_key;
        std::shared_ptr<Notifier> notifier;
        bool granted = false;
    };
    using Connections = std::vector<std::unique_ptr<PooledConnection>>;
    // Under mutex_: removes the idle connections `drop` picks; the caller closes
    // them (close_all) once the lock is released.
    Connections take_idle_if(const std::function<bool(PooledConnection&)>& drop);
    static void close_all(Connections& connections);
    bool has_room(const std::string& host_key) const;  // under mutex_
    void take_slot(const std::string& host_key);        // under mutex_
    void free_slot(const std::string& host_key);        // under mutex_; grants waiters
    std::unique_ptr<PooledConnection> pop_idle(const std::string& key, const boost::asio::any_io_executor& ex);
    void make_room();  // closes the oldest idle connection when in use + idle would pass `limit`
    std::shared_ptr<boost::asio::ssl::context> context_for(const TLSConfig& tls);

    std::size_t limit_, limit_per_host_;
    std::chrono::milliseconds keepalive_;
    mutable std::mutex mutex_;
    bool closed_ = false;
    std::size_t in_use_ = 0;
    std::map<std::string, std::size_t> in_use_per_host_;
    std::map<std::string, Connections> idle_;
    std::deque<std::shared_ptr<Waiter>> waiters_;
    std::map<std::string, std::shared_ptr<boost::asio::ssl::context>> contexts_;
    std::set<const boost::asio::execution_context*> dead_contexts_;  // shut down: never pool for them again
    std::atomic<std::size_t> opened_{0};
    Clock::time_point last_sweep_ = Clock::now();
};

class ClientCore : public std::enable_shared_from_this<ClientCore> {
public:
    explicit ClientCore(ClientSessionOptions o)
        : options(std::move(o)), connector(std::make_shared<Connector>(options)) {}
    ClientSessionOptions options;
    std::shared_ptr<Connector> connector;
    CookieJar jar;
    std::optional<URL> base_url;

    static awaitable<ClientResponse> request(std::shared_ptr<ClientCore> self, std::string method, std::string url,
                                             RequestOptions o);
    // One request and its response head, on a pooled connection (retried once
    // on a fresh one when a pooled connection turns out dead and that is safe).
    awaitable<ClientResponse> send(const std::string& method, const URL& url, const std::string& head,
                                   const Payload* body, const Deadlines& d, const TLSConfig& tls);

    URL resolve(std::string_view url) const;
    // The handshake/request headers every request gets: defaults, auth, cookies.
    CIMultiDict common_headers(const URL& url, const CIMultiDict& extra, const std::optional<BasicAuth>& auth,
                               const MultiDict& cookies) const;
};

struct ResponseState {
    std::shared_ptr<ClientCore> core;
    std::unique_ptr<PooledConnection> conn;
    std::optional<boost::beast::http::response_parser<boost::beast::http::buffer_body>> parser;
    Deadlines deadlines;
    std::string method;
    URL url;
    int status = 0;
    std::string reason;
    CIMultiDict headers;
    std::vector<ClientResponse> history;
    std::optional<std::string> body;  // once read()
    bool keep_alive = false;
    std::unique_ptr<Decoder> decoder;  // a compressed body, with auto_decompress
    bool decoded_some = false;
    std::string pending;                 // decompressed; handed out up to pending_at
    std::size_t pending_at = 0;

    ResponseState(std::shared_ptr<ClientCore> c, const ClientTimeout& t) : core(std::move(c)), deadlines(t) {}
    ~ResponseState() { release(false); }
    // Hands the connection back (reusable only when the body was read to its end).
    void release(bool body_done);
    // Appends at most `max` body bytes (decompressed) to `out`; false once the body has ended.
    awaitable<bool> read_some(std::string& out, std::size_t max);
    // The same for the bytes as they come on the wire.
    awaitable<bool> read_raw(std::string& out, std::size_t max);
};

}  // namespace asiohttp::detail
