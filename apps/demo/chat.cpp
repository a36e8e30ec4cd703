#include "chat.hpp"

#include <chrono>

namespace demo {
namespace web = asiohttp::web;
using asiohttp::awaitable;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxText = 2000;

// Exactly what the JSON encoder accepts, so an accepted name always serializes.
bool valid_utf8(std::string_view s) {
    try {
        (void)json(std::string(s)).dump();
        return true;
    } catch (const json::type_error&) {
        return false;
    }
}

json error_event(std::string message) { return {{"type", "error"}, {"error", std::move(message)}}; }

}  // namespace

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::optional<std::string> invalid_name(std::string_view name) {
    if (name.empty()) return "name is required";
    if (name.size() > 32) return "name must be at most 32 bytes";
    if (!valid_utf8(name)) return "name must be UTF-8";
    if (name.front() == ' ' || name.back() == ' ') return "name must not start or end with a space";
    for (unsigned char c : name)
        if (c < 0x80 && !std::isalnum(c) && c != ' ' && c != '_' && c != '-' && c != '.')
            return "name may contain letters, digits, spaces, '_', '-' and '.'";
    return std::nullopt;
}

std::optional<std::string> invalid_room(std::string_view room) {
    if (room.empty() || room.size() > 64) return "room must be 1 to 64 characters";
    for (unsigned char c : room)
        if (!std::isalnum(c) && c != '_' && c != '-') return "room may contain letters, digits, '_' and '-'";
    return std::nullopt;
}

// --- LocalChatHub ---

json LocalChatHub::members_of(const Room& room) const {
    json names = json::array();
    for (auto& [name, ws] : room.members) names.push_back(name);
    return names;
}

// A room is a topic: one payload for all its members, in one order.
std::string LocalChatHub::topic_of(const std::string& room) { return "chat:" + room; }

void LocalChatHub::broadcast(const std::string& room, std::string text) {
    topics_.publish_str(topic_of(room), std::move(text));
}

bool LocalChatHub::join(const std::string& room_name, const std::string& name, web::WebSocketHandle ws) {
    std::lock_guard lock(mutex_);
    auto& room = rooms_[room_name];
    if (room.members.count(name)) return false;
    // All under the lock and through one mailbox: nothing newer can overtake these.
    for (auto& old : room.history) ws.send_str(old);
    room.members.emplace(name, ws);
    topics_.subscribe(ws, topic_of(room_name));
    ws.send_str(json{{"type", "members"}, {"room", room_name}, {"members", members_of(room)}}.dump());
    broadcast(room_name, json{{"type", "join"}, {"room", room_name}, {"name", name}, {"ts", now_ms()}}.dump());
    return true;
}

void LocalChatHub::leave(const std::string& room_name, const std::string& name) {
    std::lock_guard lock(mutex_);
    auto it = rooms_.find(room_name);
    if (it == rooms_.end()) return;
    auto member = it->second.members.find(name);
    if (member == it->second.members.end()) return;
    topics_.unsubscribe(member->second, topic_of(room_name));
    it->second.members.erase(member);
    auto& room = it->second;
    broadcast(room_name, json{{"type", "leave"}, {"room", room_name}, {"name", name}, {"ts", now_ms()}}.dump());
    if (room.members.empty() && room.history.empty()) rooms_.erase(it);
}

void LocalChatHub::publish(const std::string& room_name, json message) {
    auto text = message.dump();
    std::lock_guard lock(mutex_);
    auto& room = rooms_[room_name];
    room.history.push_back(text);
    if (room.history.size() > kHistory) room.history.pop_front();
    broadcast(room_name, std::move(text));
}

std::size_t LocalChatHub::member_count(const std::string& room) {
    std::lock_guard lock(mutex_);
    auto it = rooms_.find(room);
    return it == rooms_.end() ? 0 : it->second.members.size();
}

// --- the handler ---

awaitable<web::Response> chat_socket(web::Request& req) {
    web::WebSocketResponse ws({.heartbeat = std::chrono::seconds(30), .max_msg_size = 16 << 10});
    co_await ws.prepare(req);
    const std::string room(req.query().get("room", "lobby"));
    const std::string name(req.query().get("name", ""));
    auto problem = invalid_room(room);
    if (!problem) problem = invalid_name(name);
    auto& hub = *req.app().get(chat_hub_key);
    if (!problem && !hub.join(room, name, ws.handle())) problem = "name '" + name + "' is taken in this room";
    if (problem) {
        co_await ws.send_json(error_event(*problem));
        co_await ws.close(web::WSCloseCode::policy_violation, *problem);
        co_return ws;
    }
    struct Leave {
        ChatHub& hub;
        const std::string &room, &name;
        ~Leave() { hub.leave(room, name); }
    } leave{hub, room, name};

    while (auto msg = co_await ws.receive()) {
        std::string text;
        if (msg->is_text()) {
            // {"text": "..."} or plain text
            auto data = json::parse(msg->text(), nullptr, false);
            if (data.is_object() && data.contains("text") && data["text"].is_string()) text = data["text"];
            else if (data.is_discarded() || !data.is_object()) text = msg->text();
        }
        if (text.empty() || text.size() > kMaxText) {
            co_await ws.send_json(error_event(msg->is_text() ? "a message is 1 to 2000 bytes of text"
                                                             : "binary messages are not supported"));
            continue;
        }
        hub.publish(room, {{"type", "message"}, {"room", room}, {"name", name}, {"text", std::move(text)},
                           {"ts", now_ms()}});
    }
    co_return ws;
}

}  // namespace demo
