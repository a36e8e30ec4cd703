// TopicBridge: two threads, each with its own connection. The publisher writes
// each message as a row and a NOTIFY with its id, in one transaction, in the
// order published. The listener turns notifications into rows and hands them to
// Topics::deliver_local, in the order they arrive. Every row carries its
// publisher (origin, a random id per bridge) and that publisher's sequence
// number: a listener keeps the last number it delivered per origin, so a retry
// or a catch-up never delivers a message twice, and a gap is a loss it reports.
#include "asiohttp/pg_topics.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include <pqxx/binarystring>
#include <pqxx/result>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/notification>
#include <pqxx/transaction>

#include "asiohttp/application.hpp"
#include "asiohttp/pg.hpp"

namespace asiohttp::pg {

namespace {

using Clock = std::chrono::steady_clock;

struct Pending {
    std::int64_t seq;
    std::string topic, key, payload;
    bool binary;
};

std::string random_origin() {
    std::random_device rd;
    std::uniform_int_distribution<std::uint64_t> dist;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(dist(rd)));
    return buf;
}

}  // namespace

struct TopicBridge::Impl {
    web::Topics& topics;
    TopicBridgeOptions options;
    const std::string origin = random_origin();
    std::atomic<bool> stop{false};

    // Publisher side.
    std::mutex pending_mutex;
    std::condition_variable pending_cv;
    std::deque<Pending> pending;
    std::int64_t next_seq = 1;
    std::thread publisher;

    // Listener side (its thread only, but `ready`).
    mutable std::mutex ready_mutex;
    mutable std::condition_variable ready_cv;
    bool ready = false;
    std::unordered_map<std::string, std::int64_t> delivered;  // origin -> last sequence number delivered
    std::int64_t last_id = 0;                                 // the newest row delivered
    bool listened_before = false;
    std::thread listener;

    Impl(web::Topics& t, TopicBridgeOptions o) : topics(t), options(std::move(o)) {}

    void lost(std::size_t n) {
        if (n && options.on_lost) options.on_lost(n);
    }

    void create_table() {
        pqxx::connection c(options.dsn);
        pqxx::work tx(c);
        lock_schema(tx, options.table);
        tx.exec("create table if not exists " + options.table +
                " (id bigserial primary key, origin text not null, seq bigint not null, topic text not null,"
                " is_binary boolean not null, key text not null, payload bytea not null,"
                " created_at timestamptz not null default now())");
        tx.exec("create index if not exists " + options.table + "_created on " + options.table + " (created_at)");
        tx.commit();
    }

    void set_ready(bool r) {
        {
            std::lock_guard lock(ready_mutex);
            ready = r;
        }
        ready_cv.notify_all();
    }

    // --- publisher ---

    void run_publisher() {
        std::unique_ptr<pqxx::connection> conn;
        auto next_cleanup = Clock::now();
        while (!stop) {
            std::optional<Pending> item;
            {
                std::unique_lock lock(pending_mutex);
                pending_cv.wait_for(lock, std::chrono::seconds(1), [&] { return stop || !pending.empty(); });
                if (stop) break;
                if (!pending.empty()) item = pending.front();  // stays queued until committed
            }
            try {
                if (!conn) conn = std::make_unique<pqxx::connection>(options.dsn);
                if (item) {
                    pqxx::work tx(*conn);
                    const auto id = tx.exec_params1("insert into " + options.table +
                                                        " (origin, seq, topic, is_binary, key, payload)"
                                                        " values ($1, $2, $3, $4, $5, $6) returning id",
                                                    origin, item->seq, item->topic, item->binary, item->key,
                                                    pqxx::binarystring(item->payload))[0]
                                        .as<std::int64_t>();
                    tx.exec_params("select pg_notify($1, $2)", options.channel, std::to_string(id));
                    tx.commit();
                    std::lock_guard lock(pending_mutex);
                    if (!pending.empty() && pending.front().seq == item->seq) pending.pop_front();
                }
                if (Clock::now() >= next_cleanup) {
                    pqxx::nontransaction tx(*conn);
                    tx.exec("delete from " + options.table + " where created_at < now() - interval '" +
                            std::to_string(options.retention.count()) + " seconds'");
                    next_cleanup = Clock::now() + std::chrono::seconds(10);
                }
            } catch (const std::exception&) {
                // The database is away (or the commit's fate is unknown): try again on
                // a new connection. A message committed twice has one sequence number,
                // and listeners deliver it once.
                conn.reset();
                for (int i = 0; i < 4 && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
    }

    // --- listener ---

    struct Receiver final : pqxx::notification_receiver {
        Receiver(pqxx::connection_base& c, const std::string& channel, std::vector<std::int64_t>& ids)
            : pqxx::notification_receiver(c, channel), ids(ids) {}
        void operator()(const std::string& payload, int) override {
            try {
                ids.push_back(std::stoll(payload));
            } catch (const std::exception&) {  // not one of ours
            }
        }
        std::vector<std::int64_t>& ids;
    };

    static constexpr const char* kColumns = "id, origin, seq, topic, is_binary, key, payload";

    // One row, unless it was delivered already; a gap in its origin's numbers is a loss.
    void deliver_row(const pqxx::row& r, bool catching_up) {
        const auto id = r[0].as<std::int64_t>();
        const auto row_origin = r[1].as<std::string>();
        const auto seq = r[2].as<std::int64_t>();
        const auto known = delivered.find(row_origin);
        if (known != delivered.end()) {
            if (seq <= known->second) return;
            lost(std::size_t(seq - known->second - 1));
        } else if (catching_up && id <= last_id) {
            return;  // a publisher first seen now: only what came after our last delivery
        }
        delivered[row_origin] = seq;
        last_id = std::max(last_id, id);
        pqxx::binarystring payload(r[6]);
        topics.deliver_local(r[3].as<std::string>(), r[4].as<bool>(), payload.str(), r[5].as<std::string>());
    }

    void deliver_ids(pqxx::connection& c, const std::vector<std::int64_t>& ids) {
        std::string array = "{";
        for (auto id : ids) array += (array.size() > 1 ? "," : "") + std::to_string(id);
        array += "}";
        pqxx::nontransaction tx(c);
        auto rows = tx.exec_params(std::string("select ") + kColumns + " from " + options.table +
                                       " where id = any($1::bigint[])",
                                   array);
        std::map<std::int64_t, pqxx::row> by_id;
        for (const auto& r : rows) by_id.emplace(r[0].as<std::int64_t>(), r);
        for (auto id : ids) {  // in the order the notifications came: commit order
            if (auto it = by_id.find(id); it != by_id.end()) deliver_row(it->second, false);
            else lost(1);  // removed by retention before we read it
        }
    }

    // Back after a dropped connection: what was committed meanwhile, once.
    void catch_up(pqxx::connection& c) {
        pqxx::nontransaction tx(c);
        auto rows = tx.exec(std::string("select ") + kColumns + " from " + options.table + " where id > " +
                            std::to_string(last_id) + " or created_at > now() - interval '" +
                            std::to_string(options.retention.count()) + " seconds' order by id");
        for (const auto& r : rows) deliver_row(r, true);
    }

    void run_listener() {
        while (!stop) {
            try {
                pqxx::connection conn(options.dsn);
                pqxx::nontransaction(conn).exec("set application_name = 'asiohttp-topics-listener'");
                std::vector<std::int64_t> ids;
                Receiver receiver(conn, options.channel, ids);
                conn.get_notifs();  // LISTEN is in effect from here
                if (listened_before) catch_up(conn);
                listened_before = true;
                set_ready(true);
                while (!stop) {
                    conn.await_notification(0, 200'000);
                    if (ids.empty()) continue;
                    auto batch = std::move(ids);
                    ids.clear();
                    deliver_ids(conn, batch);
                }
            } catch (const std::exception&) {
                set_ready(false);
                for (int i = 0; i < 4 && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
    }
};

TopicBridge::TopicBridge(web::Topics& topics, TopicBridgeOptions options)
    : impl_(std::make_unique<Impl>(topics, std::move(options))) {
    impl_->create_table();
    impl_->listener = std::thread([impl = impl_.get()] { impl->run_listener(); });
    impl_->publisher = std::thread([impl = impl_.get()] { impl->run_publisher(); });
}

TopicBridge::~TopicBridge() {
    impl_->stop = true;
    impl_->pending_cv.notify_all();
    impl_->publisher.join();
    impl_->listener.join();
}

void TopicBridge::publish(std::string_view topic, bool binary, std::string payload, std::string_view key) {
    std::size_t dropped = 0;
    {
        std::lock_guard lock(impl_->pending_mutex);
        impl_->pending.push_back({impl_->next_seq++, std::string(topic), std::string(key), std::move(payload), binary});
        while (impl_->pending.size() > impl_->options.max_pending) {
            impl_->pending.pop_front();
            ++dropped;
        }
    }
    impl_->pending_cv.notify_one();
    impl_->lost(dropped);
}

bool TopicBridge::wait_ready(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->ready_mutex);
    return impl_->ready_cv.wait_for(lock, timeout, [&] { return impl_->ready; });
}

void TopicBridge::install(web::Application& app, TopicBridgeOptions options) {
    app.cleanup_ctx.append([options = std::move(options)](web::Application& app) -> awaitable<web::Hook> {
        auto bridge = std::make_shared<TopicBridge>(app.topics(), options);
        if (!bridge->wait_ready(std::chrono::seconds(10)))
            throw std::runtime_error("topics: no LISTEN on channel '" + options.channel + "' within 10 s");
        app.topics().set_backend(bridge);
        co_return [](web::Application& app) -> awaitable<void> {
            app.topics().set_backend(nullptr);  // the bridge stops with its last reference
            co_return;
        };
    });
}

}  // namespace asiohttp::pg
