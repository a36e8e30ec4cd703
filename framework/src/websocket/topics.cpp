// The in-process topics: subscribers per name, each with its own slow-reader
// policy. Publishing happens under one lock, so every subscriber of a topic
// receives its messages in one order, whichever threads publish; the kept
// history is written under the same lock, so a subscriber asking for it gets
// the history and then the live messages with no gap and no overlap.
#include "asiohttp/topics.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/json_text.hpp"
#include "websocket/live_websockets.hpp"
#include "websocket/ws_connection.hpp"

namespace asiohttp::web {

using detail::OutgoingFrame;
using detail::WebSocketMailbox;

namespace {
// What a backend or the history calls binary or not, as a frame kind.
OutgoingFrame::Kind kind_of(bool binary) { return binary ? OutgoingFrame::Kind::binary : OutgoingFrame::Kind::text; }
}  // namespace

struct Topics::Impl {
    struct Subscriber {
        std::shared_ptr<WebSocketMailbox> mailbox;
        SubscribeOptions options;
    };

    using Kept = std::shared_ptr<const detail::SharedFrame>;

    mutable std::mutex mutex;  // guards everything below
    std::shared_ptr<TopicBackend> backend;
    std::map<std::string, std::vector<Subscriber>, std::less<>> topics;
    std::unordered_map<const WebSocketMailbox*, std::vector<std::string>> topics_of;  // to leave them all at close
    std::vector<HistoryRule> history_rules;
    std::map<std::string, std::deque<Kept>, std::less<>> history;

    // How many messages of `topic` to keep.
    std::size_t history_size(std::string_view topic) const {
        std::size_t n = 0;
        for (auto& rule : history_rules)
            if (topic.starts_with(rule.prefix)) n = std::max(n, rule.count);
        return n;
    }

    void keep(std::string_view topic, Kept message) {
        const auto limit = history_size(topic);
        if (!limit) return;
        auto it = history.find(topic);
        if (it == history.end()) it = history.emplace(std::string(topic), std::deque<Kept>{}).first;
        it->second.push_back(std::move(message));
        while (it->second.size() > limit) it->second.pop_front();
    }

    static OutgoingFrame frame_of(const Kept& message, const SubscribeOptions& options, std::string key = {}) {
        return {kind_of(message->binary()), {}, 1000, message, options.slow_reader, std::move(key)};
    }

    std::size_t publish(std::string_view topic, OutgoingFrame::Kind kind, std::string payload, std::string_view key) {
        std::shared_ptr<TopicBackend> through;
        std::size_t here = 0;
        {
            std::lock_guard lock(mutex);
            through = backend;
            if (const auto it = topics.find(topic); it != topics.end()) here = it->second.size();
        }
        if (!through) return deliver(topic, kind, std::move(payload), key);
        through->publish(topic, kind == OutgoingFrame::Kind::binary, std::move(payload), key);
        return here;
    }

    std::size_t deliver(std::string_view topic, OutgoingFrame::Kind kind, std::string payload, std::string_view key) {
        // The one copy, framed once (and deflated once per window size, if asked for).
        const auto shared = std::make_shared<const detail::SharedFrame>(kind == OutgoingFrame::Kind::binary, payload);
        std::lock_guard lock(mutex);
        keep(topic, shared);
        const auto it = topics.find(topic);
        if (it == topics.end()) return 0;
        std::string scoped_key;  // keys are per topic
        if (!key.empty()) scoped_key.append(topic).append(1, '\0').append(key);
        detail::DeliveryBatch batch;
        for (auto& s : it->second) batch.add(s.mailbox, frame_of(shared, s.options, scoped_key));
        batch.send();  // still under the lock: the next publish cannot overtake this one
        return it->second.size();
    }

    void leave_all(const WebSocketMailbox* m) {
        std::lock_guard lock(mutex);
        const auto it = topics_of.find(m);
        if (it == topics_of.end()) return;
        for (auto& name : it->second) remove(name, m);
        topics_of.erase(it);
    }

    // Under the mutex.
    bool remove(std::string_view name, const WebSocketMailbox* m) {
        const auto it = topics.find(name);
        if (it == topics.end()) return false;
        const auto removed = std::erase_if(it->second, [m](auto& s) { return s.mailbox.get() == m; });
        if (it->second.empty()) topics.erase(it);
        return removed > 0;
    }
};

Topics::Topics() : impl_(std::make_unique<Impl>()) {}
// The backend goes first: its threads may be delivering here until it stops.
Topics::~Topics() { set_backend(nullptr); }

bool Topics::subscribe(const WebSocketHandle& ws, std::string topic, SubscribeOptions options) {
    if (!ws.alive()) return false;
    std::lock_guard lock(impl_->mutex);
    auto& subscribers = impl_->topics[topic];
    const auto existing = std::find_if(subscribers.begin(), subscribers.end(),
                                       [&](auto& s) { return s.mailbox == ws.mailbox_; });
    if (existing != subscribers.end()) {
        existing->options = options;
        return true;
    }
    if (options.history) {
        if (const auto kept = impl_->history.find(topic); kept != impl_->history.end()) {
            detail::DeliveryBatch batch;
            for (auto& m : kept->second) batch.add(ws.mailbox_, Impl::frame_of(m, options));
            batch.send();
        }
    }
    subscribers.push_back({ws.mailbox_, options});
    impl_->topics_of[ws.mailbox_.get()].push_back(std::move(topic));
    return true;
}

bool Topics::unsubscribe(const WebSocketHandle& ws, std::string_view topic) {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->remove(topic, ws.mailbox_.get())) return false;
    auto& names = impl_->topics_of[ws.mailbox_.get()];
    std::erase(names, topic);
    if (names.empty()) impl_->topics_of.erase(ws.mailbox_.get());
    return true;
}

std::size_t Topics::publish_str(std::string_view topic, std::string text, std::string_view key) {
    return impl_->publish(topic, OutgoingFrame::Kind::text, std::move(text), key);
}

std::size_t Topics::publish_bytes(std::string_view topic, std::string data, std::string_view key) {
    return impl_->publish(topic, OutgoingFrame::Kind::binary, std::move(data), key);
}

std::size_t Topics::publish_json(std::string_view topic, const nlohmann::json& data, std::string_view key) {
    return impl_->publish(topic, OutgoingFrame::Kind::text, detail::json_text(data), key);
}

void Topics::set_backend(std::shared_ptr<TopicBackend> backend) {
    std::shared_ptr<TopicBackend> previous;
    {
        std::lock_guard lock(impl_->mutex);
        previous = std::exchange(impl_->backend, std::move(backend));
    }
    // Released outside the lock: a bridge's destructor waits for its listener,
    // which may be waiting for this lock to deliver.
}

void Topics::keep_history(std::string prefix, std::size_t count) {
    std::lock_guard lock(impl_->mutex);
    impl_->history_rules.push_back({std::move(prefix), count});
}

std::vector<Topics::HistoryRule> Topics::history_rules() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->history_rules;
}

std::vector<TopicMessage> Topics::history(std::string_view topic) const {
    std::vector<TopicMessage> out;
    std::lock_guard lock(impl_->mutex);
    if (const auto it = impl_->history.find(topic); it != impl_->history.end())
        for (auto& m : it->second) out.push_back({m->binary(), std::string(m->payload())});
    return out;
}

void Topics::load_history(std::string_view topic, std::vector<TopicMessage> messages) {
    std::lock_guard lock(impl_->mutex);
    if (const auto it = impl_->history.find(topic); it != impl_->history.end()) impl_->history.erase(it);
    for (auto& m : messages)
        impl_->keep(topic, std::make_shared<const detail::SharedFrame>(m.binary, m.payload));
}

std::size_t Topics::deliver_local(std::string_view topic, bool binary, std::string payload, std::string_view key) {
    return impl_->deliver(topic, kind_of(binary), std::move(payload), key);
}

std::size_t Topics::subscriber_count(std::string_view topic) const {
    std::lock_guard lock(impl_->mutex);
    const auto it = impl_->topics.find(topic);
    return it == impl_->topics.end() ? 0 : it->second.size();
}

std::vector<WebSocketHandle> Topics::subscribers(std::string_view topic) const {
    std::vector<WebSocketHandle> out;
    std::lock_guard lock(impl_->mutex);
    if (const auto it = impl_->topics.find(topic); it != impl_->topics.end())
        for (auto& s : it->second) out.push_back(WebSocketHandle(s.mailbox));
    return out;
}

std::vector<std::string> Topics::names() const {
    std::vector<std::string> out;
    std::lock_guard lock(impl_->mutex);
    for (auto& [name, subscribers] : impl_->topics) out.push_back(name);
    return out;
}

}  // namespace asiohttp::web

namespace asiohttp::detail {

void LiveWebSockets::closed(const WebSocketMailbox* m) { app_.topics().impl_->leave_all(m); }

}  // namespace asiohttp::detail
