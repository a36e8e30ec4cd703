// Topics: publish once to every WebSocket subscribed to a name (uWebSockets'
// subscribe/publish), from any thread and any handler.
//
//   co_await ws.prepare(req);
//   req.app().topics().subscribe(ws.handle(), "room:lobby");
//   ...
//   req.app().topics().publish_json("room:lobby", {{"text", "hi"}});
//
// A published message is encoded once and its one payload shared by every
// recipient's send queue; a socket leaves its topics when it closes. What happens
// when a subscriber reads too slowly for its queue (WebSocketOptions::max_queue_size)
// is chosen per subscription.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "asiohttp/websocket.hpp"

namespace asiohttp::web {

enum class SlowReader {
    close,        // close the socket with 1013 (Try Again Later), as a handler's own sends do
    drop_oldest,  // drop the oldest queued messages to make room
    keep_latest,  // a queued message with the same key is replaced by the newer one; then drop the oldest
};

struct SubscribeOptions {
    SlowReader slow_reader = SlowReader::close;
    // First the topic's kept messages (see Topics::keep_history), oldest first,
    // then what is published: nothing in between is missed or sent twice.
    bool history = false;
};

// A kept message.
struct TopicMessage {
    bool binary = false;
    std::string payload;
};

// Where publishes go. Without one, straight to this process's subscribers; a
// backend (pg::TopicBridge) carries every publish to every process sharing it,
// and each process hands what arrives to Topics::deliver_local.
class TopicBackend {
public:
    virtual ~TopicBackend() = default;
    virtual void publish(std::string_view topic, bool binary, std::string payload, std::string_view key) = 0;
};

class Topics {
public:
    Topics();
    ~Topics();
    Topics(const Topics&) = delete;
    Topics& operator=(const Topics&) = delete;

    // False if the socket is already closed. Subscribing again changes the options.
    bool subscribe(const WebSocketHandle& ws, std::string topic, SubscribeOptions options = {});
    // False if it was not subscribed.
    bool unsubscribe(const WebSocketHandle& ws, std::string_view topic);

    // Queues the message for every subscriber and returns how many there were in
    // this process. Publishes to one topic reach every subscriber in one order.
    // `key` names what the message updates, for keep_latest subscribers.
    std::size_t publish_str(std::string_view topic, std::string text, std::string_view key = {});
    std::size_t publish_bytes(std::string_view topic, std::string data, std::string_view key = {});
    std::size_t publish_json(std::string_view topic, const nlohmann::json& data, std::string_view key = {});

    // Keeps the last `count` messages of every topic whose name starts with
    // `prefix`, published while anyone is subscribed or not, for subscribers that
    // ask for history (Ably's rewind, Centrifugo's history). Call it before a
    // backend starts: pg::TopicBridge keeps these messages in its table and loads
    // them when it starts, so every process has the same history.
    void keep_history(std::string prefix, std::size_t count);
    struct HistoryRule {
        std::string prefix;
        std::size_t count;
    };
    std::vector<HistoryRule> history_rules() const;
    // A topic's kept messages, oldest first.
    std::vector<TopicMessage> history(std::string_view topic) const;
    // For a backend at start: what it kept from before this process (oldest first).
    void load_history(std::string_view topic, std::vector<TopicMessage> messages);

    // With a backend set, publishes go through it (nullptr: in this process again).
    void set_backend(std::shared_ptr<TopicBackend> backend);
    // A message for this process's subscribers only: what a backend calls with
    // what arrived. Returns how many there were.
    std::size_t deliver_local(std::string_view topic, bool binary, std::string payload, std::string_view key = {});

    std::size_t subscriber_count(std::string_view topic) const;
    std::vector<WebSocketHandle> subscribers(std::string_view topic) const;
    // The topics that have at least one subscriber.
    std::vector<std::string> names() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    friend class detail::LiveWebSockets;  // a closing socket leaves its topics
};

}  // namespace asiohttp::web
