// The open WebSockets of one application (Application::websockets()). Sessions
// add and remove themselves from their own threads; any thread may list.
#pragma once

#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

#include "asiohttp/application.hpp"
#include "asiohttp/topics.hpp"
#include "asiohttp/websocket.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

struct WebSocketMailbox;

class LiveWebSockets {
public:
    explicit LiveWebSockets(Application& app) : app_(app) {}

    void add(const std::shared_ptr<WebSocketMailbox>& m) {
        std::lock_guard lock(mutex_);
        sockets_.push_back(m);
    }
    void remove(const WebSocketMailbox* m) {
        closed(m);
        std::lock_guard lock(mutex_);
        std::erase_if(sockets_, [m](auto& s) { return s.get() == m; });
    }
    // The socket closed (it may linger until its handler returns): it leaves its topics.
    void closed(const WebSocketMailbox* m);
    std::vector<WebSocketHandle> list() const {
        std::lock_guard lock(mutex_);
        std::vector<WebSocketHandle> out;
        for (auto& s : sockets_) out.push_back(WebSocketHandle(s));
        return out;
    }

private:
    Application& app_;  // whose topics() a closing socket leaves
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<WebSocketMailbox>> sockets_;
};

}  // namespace asiohttp::detail
