// Chat rooms for /ws/chat. A room keeps its members (by name) and its last 50
// messages; everything a member is sent goes through its WebSocketHandle, so
// members on any server thread are served in one order.
//
// What a member receives (JSON text frames):
//   on joining: the last 50 {"type":"message"} events, then
//               {"type":"members","room":R,"members":[names]}
//   {"type":"join","room":R,"name":N,"ts":ms}     someone joined (itself included)
//   {"type":"leave","room":R,"name":N,"ts":ms}    someone left
//   {"type":"message","room":R,"name":N,"text":T,"ts":ms}
//   {"type":"error","error":"..."}                 its input was refused
// A member sends {"text":"..."} (or plain text), 1 to 2000 bytes.
//
// ChatHub is the seam for scale-out: each room is a topic of app.topics(), so a
// hub whose members and history live in PostgreSQL can reach every replica
// through pg::TopicBridge.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <asiohttp/web.hpp>
#include <nlohmann/json.hpp>

namespace demo {

class ChatHub {
public:
    static constexpr std::size_t kHistory = 50;
    virtual ~ChatHub() = default;
    // Adds a member: sends it the room's history and {"type":"members", ...},
    // then announces {"type":"join", ...} to everyone. False if the name is taken.
    virtual bool join(const std::string& room, const std::string& name, asiohttp::web::WebSocketHandle ws) = 0;
    // Removes the member and announces {"type":"leave", ...}.
    virtual void leave(const std::string& room, const std::string& name) = 0;
    // Delivers a message event to every member and keeps it in the history.
    virtual void publish(const std::string& room, nlohmann::json message) = 0;
    virtual std::size_t member_count(const std::string& room) = 0;
};

// Rooms in this process's memory; each room's members are subscribers of its topic.
class LocalChatHub final : public ChatHub {
public:
    explicit LocalChatHub(asiohttp::web::Topics& topics) : topics_(topics) {}
    bool join(const std::string& room, const std::string& name, asiohttp::web::WebSocketHandle ws) override;
    void leave(const std::string& room, const std::string& name) override;
    void publish(const std::string& room, nlohmann::json message) override;
    std::size_t member_count(const std::string& room) override;

private:
    struct Room {
        std::map<std::string, asiohttp::web::WebSocketHandle> members;
        std::deque<std::string> history;  // serialized message events, oldest first
    };
    static std::string topic_of(const std::string& room);
    void broadcast(const std::string& room, std::string text);  // with mutex_ held: one order per room
    nlohmann::json members_of(const Room& room) const;

    asiohttp::web::Topics& topics_;
    std::mutex mutex_;
    std::map<std::string, Room> rooms_;
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
