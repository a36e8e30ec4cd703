#include <sys/socket.h>

#include <set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

#include "client/client_core.hpp"
#include "base/nothrow.hpp"

namespace asiohttp::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

std::string host_key_of(const URL& url) {
    return (url.is_secure() ? "tls:" : "tcp:") + url.host() + ":" + std::to_string(url.port());
}
std::string pool_key_of(const URL& url, const TLSConfig& tls) {
    auto key = host_key_of(url);
    if (url.is_secure()) key += (tls.verify ? "|verify|" : "|noverify|") + tls.ca_file;
    return key;
}

bool is_ip_address(const std::string& host) {
    beast::error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

// An idle keep-alive connection the server has closed (or written to, which it
// should not have) is unusable: peek without blocking.
bool is_stale(PooledConnection& c) {
    if (c.buffer.size() > 0) return true;
    char byte;
    auto n = ::recv(c.stream.tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

std::string tls_error_text(const beast::error_code& ec) {
    auto text = ec.message();
    if (ec.category() == asio::error::get_ssl_category()) {
        // OpenSSL's reason string, e.g. "certificate verify failed".
        if (auto reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()))) text = reason;
    }
    return text;
}

// Tells connectors when an io_context shuts down, so that the idle connections
// it owns close while its socket service still exists: a session kept in app
// state may well outlive the server's worker io_contexts.
class ContextWatch : public asio::execution_context::service {
public:
    using key_type = ContextWatch;
    static inline asio::execution_context::id id;
    explicit ContextWatch(asio::execution_context& ctx) : asio::execution_context::service(ctx) {}

    void watch(const std::shared_ptr<Connector>& connector) {
        std::lock_guard lock(mutex_);
        std::erase_if(watched_, [](const std::weak_ptr<Connector>& w) { return w.expired(); });
        for (auto& w : watched_)
            if (w.lock() == connector) return;
        watched_.push_back(connector);
    }

private:
    void shutdown() override {
        std::vector<std::weak_ptr<Connector>> watched;
        {
            std::lock_guard lock(mutex_);
            watched.swap(watched_);
        }
        for (auto& w : watched)
            if (auto c = w.lock()) c->forget(context());
    }

    std::mutex mutex_;
    std::vector<std::weak_ptr<Connector>> watched_;
};

asio::execution_context& context_of(const asio::any_io_executor& ex) {
    return asio::query(ex, asio::execution::context);
}

}  // namespace

Connector::Connector(const ClientSessionOptions& o)
    : limit_(o.limit), limit_per_host_(o.limit_per_host), keepalive_(o.keepalive_timeout) {}

Connector::~Connector() { close(); }

bool Connector::has_room(const std::string& host_key) const {
    if (limit_ && in_use_ >= limit_) return false;
    if (limit_per_host_) {
        auto it = in_use_per_host_.find(host_key);
        if (it != in_use_per_host_.end() && it->second >= limit_per_host_) return false;
    }
    return true;
}

void Connector::take_slot(const std::string& host_key) {
    ++in_use_;
    ++in_use_per_host_[host_key];
}

void Connector::free_slot(const std::string& host_key) {
    --in_use_;
    if (auto it = in_use_per_host_.find(host_key); it != in_use_per_host_.end() && --it->second == 0)
        in_use_per_host_.erase(it);
    // The oldest waiter that now fits gets the slot outright (no barging).
    for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
        if (!has_room((*it)->host_key)) continue;
        auto w = *it;
        waiters_.erase(it);
        take_slot(w->host_key);
        w->granted = true;
        w->notifier->notify(0);
        break;
    }
}

std::unique_ptr<PooledConnection> Connector::pop_idle(const std::string& key, const asio::any_io_executor& ex) {
    Connections dropped;  // closed outside the lock
    std::unique_ptr<PooledConnection> found;
    {
        std::lock_guard lock(mutex_);
        auto it = idle_.find(key);
        if (it == idle_.end()) return nullptr;
        auto& list = it->second;
        const auto expired = Clock::now() - keepalive_;
        // Newest first: the most recently used connection is the likeliest alive.
        for (auto i = list.size(); i-- > 0;) {
            auto& c = list[i];
            if (c->idle_since < expired || is_stale(*c)) {
                dropped.push_back(std::move(c));
                list.erase(list.begin() + std::ptrdiff_t(i));
                continue;
            }
            // A connection does its I/O on the io_context that opened it: reuse it only there.
            if (c->stream.get_executor() == ex) {
                found = std::move(c);
                list.erase(list.begin() + std::ptrdiff_t(i));
                break;
            }
        }
        if (list.empty()) idle_.erase(it);
    }
    close_all(dropped);
    return found;
}

awaitable<std::unique_ptr<PooledConnection>> Connector::acquire(const URL& url, const TLSConfig& tls,
                                                                const Deadlines& d, bool fresh) {
    auto ex = co_await asio::this_coro::executor;
    const auto key = pool_key_of(url, tls);
    const auto host_key = host_key_of(url);
    std::shared_ptr<Waiter> waiter;
    {
        std::lock_guard lock(mutex_);
        if (closed_) throw ClientClosedError("the session is closed");
        if (has_room(host_key)) {
            take_slot(host_key);
        } else {
            waiter = std::make_shared<Waiter>(Waiter{host_key, make_notifier(ex, 1)});
            waiters_.push_back(waiter);
        }
    }
    if (waiter) {
        const auto limit = d.pool_wait();
        co_await waiter->notifier->next(limit.at);  // granted, closed, or timed out
        std::lock_guard lock(mutex_);
        if (!waiter->granted) {
            std::erase(waiters_, waiter);
            if (closed_) throw ClientClosedError("the session is closed");
            Deadlines::fail(limit, "waiting for a free connection to " + url.origin());
        }
    }
    std::unique_ptr<PooledConnection> conn;
    if (!fresh) conn = pop_idle(key, ex);
    if (conn) {
        conn->reused = true;
    } else {
        make_room();
        conn = std::make_unique<PooledConnection>(ex);
        conn->key = key;
        conn->host_key = host_key;
        std::exception_ptr failed;
        try {
            co_await open(conn->stream, url, tls, d);
            conn->counted = true;
            runtime_metrics().client_connections.add(1);
        } catch (...) {
            failed = std::current_exception();
        }
        if (failed) {
            std::lock_guard lock(mutex_);
            free_slot(host_key);
            std::rethrow_exception(failed);
        }
    }
    co_return conn;
}

awaitable<void> Connector::open(ClientStream& s, const URL& url, const TLSConfig& tls, const Deadlines& d) {
    using namespace asio::experimental::awaitable_operators;
    auto ex = co_await asio::this_coro::executor;
    const auto limit = d.sock_connect();
    const auto where = url.host() + ":" + std::to_string(url.port());

    tcp::resolver::results_type endpoints;
    if (is_ip_address(url.host())) {
        endpoints = tcp::resolver::results_type::create(tcp::endpoint(asio::ip::make_address(url.host()), url.port()),
                                                        url.host(), std::to_string(url.port()));
    } else {
        tcp::resolver resolver(ex);
        asio::steady_timer timer(ex);
        if (limit.at)
            timer.expires_at(*limit.at);
        else
            timer.expires_at(Clock::time_point::max());
        auto resolving = resolver.async_resolve(url.host(), std::to_string(url.port()), nothrow_awaitable);
        auto expiring = timer.async_wait(nothrow_awaitable);
        auto first = co_await (std::move(resolving) || std::move(expiring));
        if (first.index() == 1) Deadlines::fail(limit, "resolving " + url.host());
        auto [ec, results] = std::get<0>(first);
        if (ec) throw ClientConnectorError("cannot resolve host " + url.host() + ": " + ec.message());
        endpoints = std::move(results);
    }

    Deadlines::arm(s.tcp(), limit);
    auto [ec, ep] = co_await s.tcp().async_connect(endpoints, nothrow_awaitable);
    if (ec == beast::error::timeout) Deadlines::fail(limit, "connecting to " + where);
    if (ec) throw ClientConnectorError("cannot connect to " + where + ": " + ec.message());
    beast::error_code ignored;
    s.tcp().socket().set_option(tcp::no_delay(true), ignored);

    if (url.is_secure()) {
        auto ctx = context_for(tls);
        auto& t = s.start_tls(*ctx);
        if (!is_ip_address(url.host())) SSL_set_tlsext_host_name(t.native_handle(), url.host().c_str());  // SNI
        if (tls.verify) t.set_verify_callback(ssl::host_name_verification(url.host()));
        Deadlines::arm(s.tcp(), limit);
        auto [hec] = co_await t.async_handshake(ssl::stream_base::client, nothrow);
        if (hec == beast::error::timeout) Deadlines::fail(limit, "TLS handshake with " + where);
        if (hec) throw ClientSSLError("TLS handshake with " + where + " failed: " + tls_error_text(hec));
    }
    s.tcp().expires_never();
    ++opened_;
    auto& ctx = context_of(s.get_executor());
    asio::use_service<ContextWatch>(ctx).watch(shared_from_this());
    std::lock_guard lock(mutex_);
    dead_contexts_.erase(&ctx);  // a new io_context may live where an old one did
}

void Connector::forget(asio::execution_context& ctx) {
    Connections dropped;
    {
        std::lock_guard lock(mutex_);
        dead_contexts_.insert(&ctx);
        dropped = take_idle_if([&](PooledConnection& c) { return &context_of(c.stream.get_executor()) == &ctx; });
    }
    close_all(dropped);
}

Connector::Connections Connector::take_idle_if(const std::function<bool(PooledConnection&)>& drop) {
    Connections taken;
    for (auto it = idle_.begin(); it != idle_.end();) {
        for (auto& c : it->second)
            if (drop(*c)) taken.push_back(std::move(c));
        std::erase(it->second, nullptr);
        it = it->second.empty() ? idle_.erase(it) : std::next(it);
    }
    return taken;
}

void Connector::close_all(Connections& connections) {
    for (auto& c : connections) c->stream.close();
}

std::shared_ptr<ssl::context> Connector::context_for(const TLSConfig& tls) {
    const auto key = (tls.verify ? "verify|" : "noverify|") + tls.ca_file;
    std::lock_guard lock(mutex_);
    auto& ctx = contexts_[key];
    if (!ctx) {
        auto c = std::make_shared<ssl::context>(ssl::context::tls_client);
        c->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3);
        beast::error_code ec;
        if (!tls.ca_file.empty()) {
            c->load_verify_file(tls.ca_file, ec);
            if (ec) throw ClientSSLError("cannot load CA file " + tls.ca_file + ": " + tls_error_text(ec));
        } else {
            c->set_default_verify_paths(ec);
        }
        c->set_verify_mode(tls.verify ? ssl::verify_peer : ssl::verify_none);
        ctx = std::move(c);
    }
    return ctx;
}

void Connector::make_room() {
    // Idle connections count against `limit` once a new one is needed: the
    // oldest goes (it may belong to another host or another thread's io_context),
    // so no more than `limit` sockets are ever open.
    std::unique_ptr<PooledConnection> oldest;
    {
        std::lock_guard lock(mutex_);
        if (!limit_) return;
        std::size_t idle_count = 0;
        std::vector<std::unique_ptr<PooledConnection>>* from = nullptr;
        std::size_t at = 0;
        for (auto& [key, list] : idle_) {
            idle_count += list.size();
            for (std::size_t i = 0; i < list.size(); ++i)
                if (!from || list[i]->idle_since < (*from)[at]->idle_since) from = &list, at = i;
        }
        if (!from || in_use_ + idle_count <= limit_) return;
        oldest = std::move((*from)[at]);
        from->erase(from->begin() + std::ptrdiff_t(at));
        std::erase_if(idle_, [](const auto& entry) { return entry.second.empty(); });
    }
    oldest->stream.close();
}

void Connector::release(std::unique_ptr<PooledConnection> c, bool reusable) {
    if (!c) return;
    Connections expired;  // closed outside the lock
    {
        std::lock_guard lock(mutex_);
        free_slot(c->host_key);
        const auto now = Clock::now();
        if (reusable && !closed_ && keepalive_.count() > 0 &&
            !dead_contexts_.contains(&context_of(c->stream.get_executor()))) {
            c->idle_since = now;
            c->buffer.clear();
            idle_[c->key].push_back(std::move(c));
        }
        // Now and then, close what has idled past keepalive_timeout on every host
        // (pop_idle only looks at the host it is asked for).
        if (now - last_sweep_ > std::chrono::seconds(1)) {
            last_sweep_ = now;
            expired = take_idle_if([&](PooledConnection& idle) { return now - idle.idle_since > keepalive_; });
        }
    }
    if (c) c->stream.close();
    close_all(expired);
}

void Connector::close() {
    Connections idle;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        idle = take_idle_if([](PooledConnection&) { return true; });
        for (auto& w : waiters_) w->notifier->notify(0);  // they see closed_ and fail
        waiters_.clear();
    }
    close_all(idle);
}

bool Connector::closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
}

std::size_t Connector::idle() {
    Connections dropped;  // closed outside the lock
    std::size_t n = 0;
    {
        std::lock_guard lock(mutex_);
        dropped = take_idle_if([](PooledConnection& c) { return is_stale(c); });
        for (auto& [key, list] : idle_) n += list.size();
    }
    close_all(dropped);
    return n;
}

}  // namespace asiohttp::detail
