// Reading the demo's /ws/chat events in tests, one process or several.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "test_support.hpp"

using asiohttp::test_utils::WSClient;

// The next event of a type, skipping the others; null if none came within `wait`.
inline json next_of(WSClient& ws, std::string_view type, std::chrono::milliseconds wait = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) return nullptr;
        auto m = ws.receive_for(left);
        if (!m) return nullptr;
        auto j = m->json();
        if (j["type"] == type) return j;
    }
}

inline void say(WSClient& ws, const std::string& text) { ws.send_json({{"text", text}}); }

// The texts of the next n message events (fewer if one takes longer than `wait`).
inline std::vector<std::string> texts_of(WSClient& ws, std::size_t n, std::chrono::milliseconds wait = 10s) {
    std::vector<std::string> out;
    while (out.size() < n) {
        auto m = next_of(ws, "message", wait);
        if (m.is_null()) break;
        out.push_back(m["text"]);
    }
    return out;
}
