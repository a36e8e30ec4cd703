#include <pqxx/connection>
#include <pqxx/notification>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "asiohttp/pg.hpp"

namespace asiohttp::pg {

struct Listener::Impl {
    std::string dsn, channel;
    std::function<void(const std::string&)> on_notify;
    std::atomic<bool> stop{false};
    mutable std::mutex mutex;
    mutable std::condition_variable ready_cv;
    bool ready = false;
    std::thread thread;

    struct Receiver final : pqxx::notification_receiver {
        Receiver(pqxx::connection_base& c, const std::string& ch, Impl& impl)
            : pqxx::notification_receiver(c, ch), impl(impl) {}
        void operator()(const std::string& payload, int) override { impl.on_notify(payload); }
        Impl& impl;
    };

    void set_ready(bool r) {
        {
            std::lock_guard lock(mutex);
            ready = r;
        }
        ready_cv.notify_all();
    }

    void run() {
        while (!stop) {
            try {
                pqxx::connection conn(dsn);
                Receiver receiver(conn, channel, *this);
                conn.get_notifs();  // makes sure LISTEN went out
                set_ready(true);
                while (!stop) conn.await_notification(0, 200'000);
            } catch (const std::exception&) {
                set_ready(false);
                for (int i = 0; i < 10 && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
    }
};

Listener::Listener(std::string dsn, std::string channel, std::function<void(const std::string&)> on_notify)
    : impl_(std::make_unique<Impl>()) {
    impl_->dsn = std::move(dsn);
    impl_->channel = std::move(channel);
    impl_->on_notify = std::move(on_notify);
    impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

Listener::~Listener() {
    impl_->stop = true;
    impl_->thread.join();
}

bool Listener::wait_ready(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->ready_cv.wait_for(lock, timeout, [&] { return impl_->ready; });
}

}  // namespace asiohttp::pg
