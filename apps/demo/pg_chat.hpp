// The chat shared by every replica on one PostgreSQL database: rooms' topics
// through pg::TopicBridge (messages in one order everywhere, history from its
// table), members in the table chat_members.
//
// Each replica marks its row in chat_instances every second; a replica not seen
// for four seconds (it crashed, or lost its network) has its members removed by
// whichever replica notices first, and their leave announced. A replica only
// judges others once its own connection has been up for that long, so a
// database restart does not make everyone look vanished.
#pragma once

#include <asiohttp/pg.hpp>

#include "chat.hpp"

namespace demo {

class PgChatMembers final : public ChatMembers {
public:
    static constexpr std::chrono::seconds kBeat{1}, kVanishAfter{4};

    PgChatMembers(std::shared_ptr<asiohttp::pg::Pool> pool, ChatHub& hub);

    asiohttp::awaitable<bool> add(const std::string& room, const std::string& name) override;
    asiohttp::awaitable<void> remove(const std::string& room, const std::string& name) override;
    asiohttp::awaitable<std::vector<std::string>> list(const std::string& room) override;

    // The tables, and this replica's row.
    asiohttp::awaitable<void> start();
    // Beats until cancelled.
    asiohttp::awaitable<void> keep_alive();
    // This replica's row and members go (a clean exit).
    asiohttp::awaitable<void> stop();

private:
    using Member = std::pair<std::string, std::string>;  // room, name
    asiohttp::awaitable<void> beat();
    asiohttp::awaitable<void> sweep();

    std::shared_ptr<asiohttp::pg::Pool> pool_;
    ChatHub& hub_;
    const std::string instance_;
    std::mutex mutex_;
    std::set<Member> here_;           // members connected to this replica
    std::set<Member> not_removed_;    // left while the database was away: removed at the next beat
    std::optional<std::chrono::steady_clock::time_point> up_since_;  // beating without a failure since
};

// Rooms on the database at `url` (after use_database has set up the pool).
void use_shared_chat(asiohttp::web::Application& app, const std::string& url);

}  // namespace demo
