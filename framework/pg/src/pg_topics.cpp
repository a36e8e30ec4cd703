// TopicBridge: two threads, each with its own connection. The publisher writes
// what was published as rows, in the order published, under an advisory lock
// that admits one publishing transaction at a time on the whole database: row
// ids are then in commit order, and the table is a log. Each commit NOTIFYs;
// the listener, woken, reads every row after the last one it delivered and
// hands them to Topics::deliver_local in id order. The same order in every
// process, and after a dropped connection it simply reads on from where it was.
// Every row carries its publisher (origin, a random id per bridge) and that
// publisher's sequence number: a retried commit that had in fact landed is
// delivered once, and a gap (rows removed by retention before this process
// read them) is a loss it reports.
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

// One transaction at a time holds it, across every connection to the database
// (the same lock Transaction::advisory_lock takes).
void advisory_xact_lock(pqxx::transaction_base& tx, const std::string& name) {
    tx.exec_params("select pg_advisory_xact_lock(hashtext($1))", name);
}

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
    std::int64_t last_id = 0;                                 // the newest row read
    std::thread listener;

    Impl(web::Topics& t, TopicBridgeOptions o) : topics(t), options(std::move(o)) {}

    void lost(std::size_t n) {
        if (n && options.on_lost) options.on_lost(n);
    }

    void create_table() {
        pqxx::connection c(options.dsn);
        pqxx::work tx(c);
        advisory_xact_lock(tx, options.table);  // as Pool::setup_schema does
        tx.exec("create table if not exists " + options.table +
                " (id bigserial primary key, origin text not null, seq bigint not null, topic text not null,"
                " is_binary boolean not null, key text not null, payload bytea not null,"
                " created_at timestamptz not null default now())");
        tx.exec("create index if not exists " + options.table + "_created on " + options.table + " (created_at)");
        tx.exec("create index if not exists " + options.table + "_topic on " + options.table + " (topic, id)");
        tx.commit();
    }

    // After a failure, before trying again: 200 ms, cut short by stop.
    void back_off() const {
        for (int i = 0; i < 4 && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }

    void set_ready(bool r) {
        {
            std::lock_guard lock(ready_mutex);
            ready = r;
        }
        ready_cv.notify_all();
    }

    // The ids of the rows a history rule keeps: the last `count` of each topic it covers.
    std::string kept_rows(pqxx::transaction_base& tx, const web::Topics::HistoryRule& rule) const {
        return "select id from (select id, row_number() over (partition by topic order by id desc) as n from " +
               options.table + " where starts_with(topic, " + tx.quote(rule.prefix) + ")) k where n <= " +
               std::to_string(rule.count);
    }

    // --- publisher ---

    static constexpr std::size_t kBatch = 256;  // rows per publishing transaction

    void publish_batch(pqxx::connection& conn, const std::vector<Pending>& batch) {
        pqxx::work tx(conn);
        advisory_xact_lock(tx, options.table + " publish");
        for (auto& item : batch)
            tx.exec_params("insert into " + options.table +
                               " (origin, seq, topic, is_binary, key, payload) values ($1, $2, $3, $4, $5, $6)",
                           origin, item.seq, item.topic, item.binary, item.key, pqxx::binarystring(item.payload));
        tx.exec_params("select pg_notify($1, '')", options.channel);
        tx.commit();
    }

    // Rows older than `retention`, but what history rules keep.
    void remove_old(pqxx::connection& conn, const std::vector<web::Topics::HistoryRule>& rules) {
        pqxx::nontransaction tx(conn);
        std::string sql = "delete from " + options.table + " where created_at < now() - interval '" +
                          std::to_string(options.retention.count()) + " seconds'";
        for (auto& rule : rules) sql += " and id not in (" + kept_rows(tx, rule) + ")";
        tx.exec(sql);
    }

    void run_publisher() {
        std::unique_ptr<pqxx::connection> conn;
        auto next_cleanup = Clock::now();
        const auto rules = topics.history_rules();
        while (!stop) {
            std::vector<Pending> batch;
            {
                std::unique_lock lock(pending_mutex);
                pending_cv.wait_for(lock, std::chrono::seconds(1), [&] { return stop || !pending.empty(); });
                if (stop) break;
                // They stay queued until committed.
                for (std::size_t i = 0; i < pending.size() && i < kBatch; ++i) batch.push_back(pending[i]);
            }
            try {
                if (!conn) conn = std::make_unique<pqxx::connection>(options.dsn);
                if (!batch.empty()) {
                    publish_batch(*conn, batch);
                    std::lock_guard lock(pending_mutex);
                    while (!pending.empty() && pending.front().seq <= batch.back().seq) pending.pop_front();
                }
                if (Clock::now() >= next_cleanup) {
                    remove_old(*conn, rules);
                    next_cleanup = Clock::now() + std::chrono::seconds(10);
                }
            } catch (const std::exception&) {
                // The database is away (or the commit's fate is unknown): try again on
                // a new connection. A message committed twice has one sequence number,
                // and listeners deliver it once.
                conn.reset();
                back_off();
            }
        }
    }

    // --- listener ---

    struct Receiver final : pqxx::notification_receiver {
        Receiver(pqxx::connection_base& c, const std::string& channel, bool& woken)
            : pqxx::notification_receiver(c, channel), woken(woken) {}
        void operator()(const std::string&, int) override { woken = true; }
        bool& woken;
    };

    // One row, unless it was delivered already; a gap in its origin's numbers is a loss.
    void deliver_row(const pqxx::row& r) {
        last_id = r[0].as<std::int64_t>();
        const auto row_origin = r[1].as<std::string>();
        const auto seq = r[2].as<std::int64_t>();
        const auto known = delivered.find(row_origin);
        if (known != delivered.end()) {
            if (seq <= known->second) return;
            lost(std::size_t(seq - known->second - 1));
        }
        delivered[row_origin] = seq;
        pqxx::binarystring payload(r[6]);
        topics.deliver_local(r[3].as<std::string>(), r[4].as<bool>(), payload.str(), r[5].as<std::string>());
    }

    // Everything committed since the last row delivered, in commit order.
    void read_on(pqxx::connection& c) {
        constexpr int kPage = 1000;
        for (;;) {
            pqxx::nontransaction tx(c);
            auto rows = tx.exec_params("select id, origin, seq, topic, is_binary, key, payload from " + options.table +
                                           " where id > $1 order by id limit " + std::to_string(kPage),
                                       last_id);
            for (const auto& r : rows) deliver_row(r);
            if (rows.size() < std::size_t(kPage)) return;
        }
    }

    // The first time: deliver from now on, with the history rules' rows as history.
    void start_from_now(pqxx::connection& c) {
        pqxx::nontransaction tx(c);
        last_id = tx.exec("select coalesce(max(id), 0) from " + options.table)[0][0].as<std::int64_t>();
        for (auto& rule : topics.history_rules()) {
            auto rows = tx.exec("select topic, is_binary, payload from " + options.table + " where id in (" +
                                kept_rows(tx, rule) + ") and id <= " + std::to_string(last_id) + " order by id");
            std::map<std::string, std::vector<web::TopicMessage>> by_topic;
            for (const auto& r : rows)
                by_topic[r[0].as<std::string>()].push_back({r[1].as<bool>(), pqxx::binarystring(r[2]).str()});
            for (auto& [topic, messages] : by_topic) topics.load_history(topic, std::move(messages));
        }
    }

    void run_listener() {
        bool started = false;
        while (!stop) {
            try {
                pqxx::connection conn(options.dsn);
                pqxx::nontransaction(conn).exec("set application_name = 'asiohttp-topics-listener'");
                bool woken = false;
                Receiver receiver(conn, options.channel, woken);
                conn.get_notifs();  // LISTEN is in effect from here
                if (!started) start_from_now(conn);
                started = true;
                read_on(conn);  // what was committed while we were away
                set_ready(true);
                while (!stop) {
                    conn.await_notification(0, 200'000);
                    if (!std::exchange(woken, false)) continue;
                    read_on(conn);
                }
            } catch (const std::exception&) {
                set_ready(false);
                back_off();
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
