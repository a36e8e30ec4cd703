#include "asiohttp/server.hpp"

#include <condition_variable>
#include <mutex>
#include <system_error>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include "asiohttp/metrics.hpp"
#include "base/log.hpp"
#include "metrics/runtime_metrics.hpp"
#include "server/https_redirect.hpp"
#include "server/worker.hpp"
#include "web/forwarded.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

class ServerImpl {
public:
    ServerImpl(Application& app, ServerConfig config) : app_(app), config_(std::move(config)) {
        set_log_format(config_.log_format);
        if (config_.access_log) access_log_.emplace(config_.access_log_format);
        if (config_.tls.enabled()) tls_.emplace(config_.tls);  // a certificate that does not load throws here
        if (!config_.trusted_proxies.empty()) proxies_.emplace(config_.trusted_proxies);
        if (config_.tls.redirect_port) {
            if (!config_.tls.enabled()) throw std::invalid_argument("tls.redirect_port needs TLS certificates");
            redirect_app_ = make_https_redirect_app(port_);
        }
    }
    ~ServerImpl() { stop(); }

    void start() {
        std::lock_guard lock(mutex_);
        if (started_) throw std::logic_error("server already started");
        started_ = true;
        unsigned threads = config_.threads ? config_.threads : std::max(1u, std::thread::hardware_concurrency());
        for (unsigned i = 0; i < threads; ++i)
            workers_.push_back(std::make_unique<Worker>(Worker::Shared{
                app_, config_, access_log_ ? &*access_log_ : nullptr, tls_ ? &*tls_ : nullptr,
                proxies_ ? &*proxies_ : nullptr, drained_, redirect_app_.get()}));
        if (config_.metrics) register_metrics();
        bind_all();

        app_.set_debug(config_.debug);
        // Every worker's loop runs from here to the end of stop(). The lifecycle
        // hooks run on the first one, as aiohttp runs them on its serving loop:
        // what they create (client sessions, listeners) lives on a live loop.
        for (auto& w : workers_) w->start_thread();
        try {
            run_hook(app_.startup());
        } catch (...) {
            for (auto& w : workers_) w->close_acceptors();
            try {
                run_hook(app_.cleanup());
            } catch (const std::exception& e) {
                asiohttp::detail::server_logger().error("cleanup after failed startup: {}", e.what());
            }
            stop_threads();
            stopped_ = true;
            throw;
        }

        auto tick = std::min({config_.header_timeout, config_.keepalive_timeout, config_.body_timeout,
                              tls_ ? config_.tls.handshake_timeout : config_.header_timeout}) /
                    4;
        tick = std::clamp(tick, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
        on_each_worker([tick](Worker& w) {
            w.start_accepting();
            asio::co_spawn(w.ioc, w.tick_loop(tick), asio::detached);
        });
        running_ = true;
        app_.ready_.store(true, std::memory_order_release);
    }

    void stop() {
        {
            std::unique_lock lock(mutex_);
            if (!running_) return;
            if (stopping_) {
                done_.wait(lock, [&] { return stopped_; });
                return;
            }
            stopping_ = true;
        }
        auto& log = asiohttp::detail::server_logger();
        // 0. Not ready any more; keep serving through the drain delay.
        app_.ready_.store(false, std::memory_order_release);
        if (config_.drain_delay.count() > 0) {
            log.info("draining: not ready, serving {} ms more", config_.drain_delay.count());
            std::this_thread::sleep_for(config_.drain_delay);
        }
        const auto deadline = Clock::now() + config_.shutdown_timeout;

        // 1. Stop accepting; idle keep-alive connections close, busy ones after their response.
        on_each_worker([deadline](Worker& w) {
            w.stopping = true;
            w.close_acceptors();
            for (auto& c : w.connections) c.begin_shutdown(deadline);
        });
        // 2. on_shutdown (WebSockets get their 1001 here).
        try {
            run_hook(app_.shutdown());
        } catch (const std::exception& e) {
            log.error("on_shutdown failed: {}", e.what());
        }
        // 3. Let in-flight requests finish, up to shutdown_timeout.
        if (!drained_.wait_until(deadline, [&] { return total(&Worker::in_flight) == 0; }))
            log.warn("shutdown timeout: cancelling {} request(s) still in flight", total(&Worker::in_flight));
        // 4. Close whatever remains, and give the connections a moment to unwind.
        on_each_worker([](Worker& w) {
            for (auto& c : w.connections) c.abort();
            w.ticker.cancel();
        });
        drained_.wait_until(Clock::now() + std::chrono::milliseconds(200),
                            [&] { return total(&Worker::open_connections) == 0; });
        // 5. on_cleanup, on the same live loop, before the threads stop.
        try {
            run_hook(app_.cleanup());
        } catch (const std::exception& e) {
            log.error("on_cleanup failed: {}", e.what());
        }
        stop_threads();
        {
            std::lock_guard lock(mutex_);
            stopped_ = true;
            running_ = false;
        }
        done_.notify_all();
    }

    void wait() {
        std::unique_lock lock(mutex_);
        done_.wait(lock, [&] { return stopped_ || !started_; });
    }

    std::uint16_t port() const noexcept { return port_; }
    std::uint16_t redirect_port() const noexcept { return redirect_port_; }
    void reload_tls() {
        if (!tls_) throw std::logic_error("reload_tls: the server has no TLS certificates configured");
        tls_->reload();
    }
    const ServerConfig& config() const noexcept { return config_; }

    // One of the workers' counters, all threads together.
    std::size_t total(std::atomic<std::size_t> Worker::*counter) const noexcept {
        std::size_t n = 0;
        for (auto& w : workers_) n += ((*w).*counter).load();
        return n;
    }

private:
    // Runs a lifecycle coroutine on the first worker's loop; rethrows what it threw.
    void run_hook(awaitable<void> hook) {
        asio::co_spawn(workers_.front()->ioc, std::move(hook), asio::use_future).get();
    }

    void stop_threads() {
        for (auto& w : workers_) w->stop_thread();
    }

    // Runs `fn` on every worker's thread and waits until all have run it.
    template <class Fn>
    void on_each_worker(Fn fn) {
        std::mutex m;
        std::condition_variable cv;
        std::size_t pending = workers_.size();
        for (auto& w : workers_) {
            asio::post(w->ioc, [&, worker = w.get()] {
                fn(*worker);
                std::lock_guard lock(m);
                if (--pending == 0) cv.notify_one();
            });
        }
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return pending == 0; });
    }

    // Opens and binds; the error (if any) is left in ec and returned as true.
    static bool bind_acceptor(tcp::acceptor& a, const tcp::endpoint& ep, bool share_port,
                              boost::system::error_code& ec) {
        a.open(ep.protocol(), ec);
        if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec && share_port) a.set_option(reuse_port(true), ec);
        if (!ec) a.bind(ep, ec);
        return bool(ec);
    }

    void bind_all() {
        boost::system::error_code ec;
        auto address = asio::ip::make_address(config_.host, ec);
        if (ec) {
            tcp::resolver resolver(workers_.front()->ioc);
            auto results = resolver.resolve(config_.host, "", ec);
            if (ec || results.empty())
                throw std::system_error(ec, "cannot resolve host '" + config_.host + "'");
            address = results.begin()->endpoint().address();
        }
        port_ = listen_all(&Worker::acceptor, address, config_.port);
        if (config_.tls.redirect_port) {
            try {
                redirect_port_ = listen_all(&Worker::redirect_acceptor, address, *config_.tls.redirect_port);
            } catch (...) {
                for (auto& w : workers_) w->close_acceptors();
                throw;
            }
        }
    }

    // Binds and listens with every worker's `acceptor` on one port; returns it.
    std::uint16_t listen_all(tcp::acceptor Worker::*acceptor, const asio::ip::address& address, std::uint16_t port) {
        boost::system::error_code ec;
        auto cannot_listen = [&](const boost::system::error_code& e) {
            return std::system_error(e, "cannot listen on " + config_.host + ":" + std::to_string(port));
        };
        // SO_REUSEPORT would let us share a port another process already serves:
        // probe it without the option first, so "address in use" is reported.
        if (port != 0) {
            tcp::acceptor probe(workers_.front()->ioc);
            if (bind_acceptor(probe, {address, port}, false, ec)) throw cannot_listen(ec);
        }
        for (auto& w : workers_) {
            auto& a = (*w).*acceptor;
            if (!bind_acceptor(a, {address, port}, true, ec)) a.listen(config_.backlog, ec);
            if (ec) {
                for (auto& other : workers_) ((*other).*acceptor).close();
                throw cannot_listen(ec);
            }
            port = a.local_endpoint().port();  // port 0: the others join the port the first one got
        }
        return port;
    }

    void register_metrics() {
        for (auto& w : workers_) w->http_metrics.emplace();
        runtime_metrics();  // its families are there from the first scrape
        metrics_ = metrics::default_registry().add([this](metrics::Families& f) {
            for (auto& w : workers_) w->http_metrics->collect(f);
            f.gauge("asiohttp_http_requests_in_flight", "HTTP requests being handled.", {},
                    double(total(&Worker::in_flight)));
            f.gauge("asiohttp_http_connections", "HTTP connections open (upgraded ones count as WebSockets).", {},
                    double(total(&Worker::open_connections)));
        });
    }

    Application& app_;
    ServerConfig config_;
    std::optional<AccessLog> access_log_;
    std::optional<TlsSettings> tls_;
    std::optional<TrustedProxies> proxies_;
    std::uint16_t port_ = 0, redirect_port_ = 0;
    std::unique_ptr<Application> redirect_app_;  // reads port_
    asiohttp::detail::DrainSignal drained_;  // before the workers, which signal it
    std::vector<std::unique_ptr<Worker>> workers_;
    metrics::Registry::Handle metrics_;  // after the workers: unregistered before they go

    std::mutex mutex_;
    std::condition_variable done_;
    bool started_ = false, running_ = false, stopping_ = false, stopped_ = false;
};

}  // namespace asiohttp::detail

namespace asiohttp::web {

Server::Server(Application& app, ServerConfig config)
    : impl_(std::make_unique<detail::ServerImpl>(app, std::move(config))) {}
Server::~Server() = default;
void Server::start() { impl_->start(); }
std::uint16_t Server::port() const noexcept { return impl_->port(); }
std::uint16_t Server::redirect_port() const noexcept { return impl_->redirect_port(); }
const ServerConfig& Server::config() const noexcept { return impl_->config(); }
void Server::stop() { impl_->stop(); }
void Server::wait() { impl_->wait(); }
void Server::reload_tls() { impl_->reload_tls(); }
std::size_t Server::in_flight() const noexcept { return impl_->total(&detail::Worker::in_flight); }
std::size_t Server::connections_accepted() const noexcept { return impl_->total(&detail::Worker::accepted); }
std::size_t Server::open_connections() const noexcept { return impl_->total(&detail::Worker::open_connections); }

}  // namespace asiohttp::web
