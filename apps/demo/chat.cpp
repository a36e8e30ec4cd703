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

// --- LocalChatMembers ---

awaitable<bool> LocalChatMembers::add(const std::string& room, const std::string& name) {
    std::lock_guard lock(mutex_);
    co_return rooms_[room].insert(name).second;
}

awaitable<void> LocalChatMembers::remove(const std::string& room, const std::string& name) {
    std::lock_guard lock(mutex_);
    if (auto it = rooms_.find(room); it != rooms_.end() && it->second.erase(name) && it->second.empty())
        rooms_.erase(it);
    co_return;
}

awaitable<std::vector<std::string>> LocalChatMembers::list(const std::string& room) {
    std::lock_guard lock(mutex_);
    const auto it = rooms_.find(room);
    co_return it == rooms_.end() ? std::vector<std::string>{}
                                 : std::vector<std::string>(it->second.begin(), it->second.end());
}

// --- ChatHub ---

ChatHub::ChatHub(web::Topics& topics) : topics_(topics), members_(std::make_shared<LocalChatMembers>()) {
    topics_.keep_history("chat:", kHistory);
}

std::string ChatHub::messages_topic(const std::string& room) { return "chat:" + room; }
std::string ChatHub::members_topic(const std::string& room) { return "chat-members:" + room; }

awaitable<bool> ChatHub::join(const std::string& room, const std::string& name, web::WebSocketHandle ws) {
    const bool added = co_await members_->add(room, name);
    if (!added) co_return false;
    // Subscribed before the member list is read, so no join or leave after it is missed.
    topics_.subscribe(ws, messages_topic(room), {.history = true});
    topics_.subscribe(ws, members_topic(room));
    std::vector<std::string> names;
    std::exception_ptr failure;
    try {
        names = co_await members_->list(room);
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {  // not a member after all
        unsubscribe(room, ws);
        co_await members_->remove(room, name);
        std::rethrow_exception(failure);
    }
    ws.send_str(json{{"type", "members"}, {"room", room}, {"members", std::move(names)}}.dump());
    topics_.publish_json(members_topic(room), {{"type", "join"}, {"room", room}, {"name", name}, {"ts", now_ms()}});
    co_return true;
}

void ChatHub::unsubscribe(const std::string& room, const web::WebSocketHandle& ws) {
    topics_.unsubscribe(ws, messages_topic(room));
    topics_.unsubscribe(ws, members_topic(room));
}

awaitable<void> ChatHub::leave(const std::string& room, const std::string& name, web::WebSocketHandle ws) {
    unsubscribe(room, ws);
    co_await members_->remove(room, name);
    announce_leave(room, name);
}

void ChatHub::announce_leave(const std::string& room, const std::string& name) {
    topics_.publish_json(members_topic(room), {{"type", "leave"}, {"room", room}, {"name", name}, {"ts", now_ms()}});
}

void ChatHub::publish(const std::string& room, const json& message) {
    topics_.publish_json(messages_topic(room), message);
}

std::size_t ChatHub::member_count(const std::string& room) const {
    return topics_.subscriber_count(members_topic(room));
}

// --- the handler ---

namespace {

// Reads the member's messages until the socket closes.
awaitable<void> relay(web::WebSocketResponse& ws, ChatHub& hub, const std::string& room, const std::string& name) {
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
}

}  // namespace

awaitable<web::Response> chat_socket(web::Request& req) {
    web::WebSocketResponse ws({.heartbeat = std::chrono::seconds(30), .max_msg_size = 16 << 10, .compress = true});
    co_await ws.prepare(req);
    const std::string room(req.query().get("room", "lobby"));
    const std::string name(req.query().get("name", ""));
    auto problem = invalid_room(room);
    if (!problem) problem = invalid_name(name);
    auto& hub = *req.app().get(chat_hub_key);
    auto close_code = web::WSCloseCode::policy_violation;
    if (!problem) {
        bool joined = false;
        try {
            joined = co_await hub.join(room, name, ws.handle());
            if (!joined) problem = "name '" + name + "' is taken in this room";
        } catch (const std::exception&) {  // the members' database is away
            problem = "the chat is unavailable, try again";
            close_code = web::WSCloseCode::try_again_later;
        }
    }
    if (problem) {
        co_await ws.send_json(error_event(*problem));
        co_await ws.close(close_code, *problem);
        co_return ws;
    }
    std::exception_ptr failure;
    try {
        co_await relay(ws, hub, room, name);
    } catch (...) {
        failure = std::current_exception();
    }
    co_await hub.leave(room, name, ws.handle());
    if (failure) std::rethrow_exception(failure);
    co_return ws;
}

}  // namespace demo
