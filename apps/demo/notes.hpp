// The /api/notes resource: a small JSON CRUD API over a NotesStore.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <variant>
#include <string>
#include <vector>

#include <asiohttp/web.hpp>
#include <nlohmann/json.hpp>

namespace demo {

struct Note {
    std::int64_t id = 0;
    std::string title;
    std::string body;
    std::string created_at;  // ISO 8601, UTC
    std::string updated_at;
};

void to_json(nlohmann::json& j, const Note& n);

// Where notes live. In memory here; a Postgres store can implement the same interface.
class NotesStore {
public:
    virtual ~NotesStore() = default;
    virtual asiohttp::awaitable<std::vector<Note>> list() = 0;
    virtual asiohttp::awaitable<std::optional<Note>> get(std::int64_t id) = 0;
    virtual asiohttp::awaitable<Note> create(std::string title, std::string body) = 0;
    virtual asiohttp::awaitable<std::optional<Note>> update(std::int64_t id, std::string title, std::string body) = 0;
    virtual asiohttp::awaitable<bool> remove(std::int64_t id) = 0;
};

// Thread-safe: handlers on every server thread share it.
std::unique_ptr<NotesStore> make_memory_store();

inline const asiohttp::web::AppKey<std::unique_ptr<NotesStore>> notes_store_key{"notes_store"};

// Registers GET/POST /api/notes and GET/PUT/PATCH/DELETE /api/notes/{id}.
void add_notes_routes(asiohttp::web::Application& app);

}  // namespace demo
