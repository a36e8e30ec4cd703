// The notes store in PostgreSQL (when the demo has DATABASE_URL).
#pragma once

#include <memory>

#include <asiohttp/pg.hpp>

#include "notes.hpp"

namespace demo {

// Creates the notes table if it is missing.
asiohttp::awaitable<void> create_notes_schema(asiohttp::pg::Pool& pool);
std::unique_ptr<NotesStore> make_pg_store(std::shared_ptr<asiohttp::pg::Pool> pool);

}  // namespace demo
