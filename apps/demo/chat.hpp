// Chat rooms for /ws/chat. A room is two topics of app.topics(): "chat:<room>"
// carries its messages (the last 50 kept as its history) and
// "chat-members:<room>" its join and leave events. Who is in a room is kept by
// ChatMembers: in this process's memory, or in PostgreSQL with pg::TopicBridge
// carrying the topics (pg_chat.hpp), so that every replica on one database
// shares every room.
//
// What a member receives (JSON text frames):
//   on joining: the last 50 {"type":"message"} events, then
//               {"type":"members","room":R,"members":[names]}
//               (others' events may already come in between)
//   {"type":"join","room":R,"name":N,"ts":ms}     someone joined (itself included)
//   {"type":"leave","room":R,"name":N,"ts":ms}    someone left
//   {"type":"message","room":R,"name":N,"text":T,"ts":ms}
//   {"type":"error","error":"..."}                 its input was refused
// A member sends {"text":"..."} (or plain text), 1 to 2000 bytes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <asiohttp/web.hpp>
#include <nlohmann/json.hpp>

namespace demo {

// Who is in which room, by name.
class ChatMembers {
public:
    virtual ~ChatMembers() = default;
    // False if the name is taken in the room.
    virtual asiohttp::awaitable<bool> add(const std::string& room, const std::string& name) = 0;
    virtual asiohttp::awaitable<void> remove(const std::string& room, const std::string& name) = 0;
    // Everyone in the room, sorted by name.
    virtual asiohttp::awaitable<std::vector<std::string>> list(const std::string& room) = 0;
};

class LocalChatMembers final : public ChatMembers {
public:
    asiohttp::awaitable<bool> add(const std::string& room, const std::string& name) override;
    asiohttp::awaitable<void> remove(const std::string& room, const std::string& name) override;
    asiohttp::awaitable<std::vector<std::string>> list(const std::string& room) override;

private:
    std::mutex mutex_;
    std::map<std::string, std::set<std::string>> rooms_;
};

class ChatHub {
public:
    static constexpr std::size_t kHistory = 50;
    // Keeps every room's history in `topics`; members in memory until set_members.
    explicit ChatHub(asiohttp::web::Topics& topics);
    // Before serving.
    void set_members(std::shared_ptr<ChatMembers> members) { members_ = std::move(members); }

    // Adds a member: sends it the room's history and {"type":"members", ...},
    // then announces {"type":"join", ...} to everyone. False if the name is taken.
    asiohttp::awaitable<bool> join(const std::string& room, const std::string& name,
                                   asiohttp::web::WebSocketHandle ws);
    // Removes the member and announces {"type":"leave", ...}.
    asiohttp::awaitable<void> leave(const std::string& room, const std::string& name,
                                    asiohttp::web::WebSocketHandle ws);
    // Announces a leave for a member that is gone already (a vanished replica's).
    void announce_leave(const std::string& room, const std::string& name);
    // Delivers a message event to every member and keeps it in the history.
    void publish(const std::string& room, const nlohmann::json& message);
    // Members connected to this process.
    std::size_t member_count(const std::string& room) const;

private:
    static std::string messages_topic(const std::string& room);
    static std::string members_topic(const std::string& room);
    void unsubscribe(const std::string& room, const asiohttp::web::WebSocketHandle& ws);

    asiohttp::web::Topics& topics_;
    std::shared_ptr<ChatMembers> members_;
};

inline const asiohttp::web::AppKey<std::shared_ptr<ChatHub>> chat_hub_key{"chat_hub"};

// Milliseconds since the epoch, for "ts".
std::int64_t now_ms();
// Why a chat name or room is not acceptable, or nothing.
std::optional<std::string> invalid_name(std::string_view name);
std::optional<std::string> invalid_room(std::string_view room);

// GET /ws/chat?room=R&name=N
asiohttp::awaitable<asiohttp::web::Response> chat_socket(asiohttp::web::Request& req);

}  // namespace demo
