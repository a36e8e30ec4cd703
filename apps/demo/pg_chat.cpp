#include "pg_chat.hpp"

#include <random>

#include <asiohttp/pg_topics.hpp>
#include <asiohttp/tasks.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "world.hpp"

namespace demo {
namespace web = asiohttp::web;
using asiohttp::awaitable;
using Clock = std::chrono::steady_clock;

namespace {

std::string random_instance() {
    std::random_device rd;
    std::uniform_int_distribution<std::uint64_t> dist;
    return std::to_string(dist(rd));
}

constexpr const char* kRemoveMember = "delete from chat_members where room = $1 and name = $2 and instance = $3";

std::string seconds(std::chrono::seconds s) { return "interval '" + std::to_string(s.count()) + " seconds'"; }

}  // namespace

PgChatMembers::PgChatMembers(std::shared_ptr<asiohttp::pg::Pool> pool, ChatHub& hub)
    : pool_(std::move(pool)), hub_(hub), instance_(random_instance()) {}

awaitable<void> PgChatMembers::start() {
    co_await pool_->setup_schema("chat", [](asiohttp::pg::Transaction& tx) -> awaitable<void> {
        co_await tx.query("create table if not exists chat_instances (id text primary key, seen timestamptz not null)");
        co_await tx.query("create table if not exists chat_members (room text not null, name text not null,"
                          " instance text not null, primary key (room, name))");
    });
    co_await beat();
}

awaitable<bool> PgChatMembers::add(const std::string& room, const std::string& name) {
    auto rows = co_await pool_->query("insert into chat_members (room, name, instance) values ($1, $2, $3)"
                                      " on conflict do nothing returning name",
                                      room, name, instance_);
    if (rows.empty()) co_return false;
    std::lock_guard lock(mutex_);
    here_.emplace(room, name);
    co_return true;
}

awaitable<void> PgChatMembers::remove(const std::string& room, const std::string& name) {
    {
        std::lock_guard lock(mutex_);
        here_.erase({room, name});
    }
    bool removed = false;
    try {
        co_await pool_->query(kRemoveMember, room, name, instance_);
        removed = true;
    } catch (const std::exception&) {
    }
    if (removed) co_return;
    std::lock_guard lock(mutex_);
    not_removed_.emplace(room, name);
}

awaitable<std::vector<std::string>> PgChatMembers::list(const std::string& room) {
    auto rows = co_await pool_->query("select name from chat_members where room = $1 order by name", room);
    std::vector<std::string> names;
    for (const auto& r : rows) names.push_back(r[0].as<std::string>());
    co_return names;
}

// Marks this replica alive. If its row was gone (others took it for vanished
// while it could not reach the database), its members are put back.
awaitable<void> PgChatMembers::beat() {
    std::set<Member> here, gone;
    {
        std::lock_guard lock(mutex_);
        here = here_;
        gone = std::exchange(not_removed_, {});
    }
    auto mark = [&](asiohttp::pg::Transaction& tx) -> awaitable<void> {
        const auto r = co_await tx.query("insert into chat_instances (id, seen) values ($1, now())"
                                         " on conflict (id) do update set seen = now() returning xmax = 0",
                                         instance_);
        asiohttp::pg::Batch batch;
        if (r[0][0].as<bool>())
            for (auto& [room, name] : here)
                batch.query("insert into chat_members (room, name, instance) values ($1, $2, $3)"
                            " on conflict do nothing",
                            room, name, instance_);
        for (auto& [room, name] : gone) batch.query(kRemoveMember, room, name, instance_);
        if (batch.size() > 0) co_await tx.run(std::move(batch));
    };
    try {
        co_await pool_->transaction(mark);
        if (!up_since_) up_since_ = Clock::now();
    } catch (const std::exception&) {
        up_since_.reset();
        std::lock_guard lock(mutex_);
        not_removed_.merge(gone);
    }
}

// Removes the members of replicas not seen for kVanishAfter, and announces them gone.
awaitable<void> PgChatMembers::sweep() {
    if (!up_since_ || Clock::now() - *up_since_ < kVanishAfter) co_return;
    asiohttp::pg::Result gone;
    try {
        gone = co_await pool_->query(
            "with vanished as (delete from chat_instances where seen < now() - " + seconds(kVanishAfter) +
            " returning id) delete from chat_members where instance in (select id from vanished) returning room, name");
    } catch (const std::exception&) {
        co_return;  // the next beat says whether the database is away
    }
    for (const auto& r : gone) hub_.announce_leave(r[0].as<std::string>(), r[1].as<std::string>());
}

awaitable<void> PgChatMembers::keep_alive() {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    for (;;) {
        timer.expires_after(kBeat);
        co_await timer.async_wait(boost::asio::use_awaitable);
        co_await beat();
        co_await sweep();
    }
}

awaitable<void> PgChatMembers::stop() {
    auto forget = [this](asiohttp::pg::Transaction& tx) -> awaitable<void> {
        co_await tx.query("delete from chat_members where instance = $1", instance_);
        co_await tx.query("delete from chat_instances where id = $1", instance_);
    };
    try {
        co_await pool_->transaction(forget);
    } catch (const std::exception&) {  // the others will sweep them
    }
}

void use_shared_chat(web::Application& app, const std::string& url) {
    asiohttp::pg::TopicBridge::install(app, {.dsn = url});
    app.cleanup_ctx.append([](web::Application& app) -> awaitable<web::Hook> {
        auto members = std::make_shared<PgChatMembers>(app.get(db_key), *app.get(chat_hub_key));
        co_await members->start();
        app.get(chat_hub_key)->set_members(members);
        auto executor = co_await boost::asio::this_coro::executor;
        auto beating = asiohttp::create_task(executor, members->keep_alive());
        co_return [members, beating](web::Application&) -> awaitable<void> {
            beating.cancel();
            try {
                co_await beating.wait();
            } catch (const std::exception&) {  // cancelled
            }
            co_await members->stop();
        };
    });
}

}  // namespace demo
