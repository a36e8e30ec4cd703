#include "notes.hpp"

#include <ctime>
#include <map>
#include <mutex>

namespace demo {
namespace web = asiohttp::web;
using asiohttp::awaitable;
using nlohmann::json;

void to_json(json& j, const Note& n) {
    j = json{{"id", n.id}, {"title", n.title}, {"body", n.body}, {"created_at", n.created_at},
             {"updated_at", n.updated_at}};
}

namespace {

constexpr std::size_t kMaxTitle = 200;
constexpr std::size_t kMaxBody = 10'000;

std::string now_iso8601() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

class MemoryStore final : public NotesStore {
public:
    awaitable<std::vector<Note>> list() override {
        std::lock_guard lock(mutex_);
        std::vector<Note> out;
        out.reserve(notes_.size());
        for (auto& [id, n] : notes_) out.push_back(n);
        co_return out;
    }
    awaitable<std::optional<Note>> get(std::int64_t id) override {
        std::lock_guard lock(mutex_);
        auto it = notes_.find(id);
        co_return it == notes_.end() ? std::nullopt : std::optional<Note>(it->second);
    }
    awaitable<Note> create(std::string title, std::string body) override {
        std::lock_guard lock(mutex_);
        auto ts = now_iso8601();
        Note n{next_id_++, std::move(title), std::move(body), ts, ts};
        notes_[n.id] = n;
        co_return n;
    }
    awaitable<std::optional<Note>> update(std::int64_t id, std::string title, std::string body) override {
        std::lock_guard lock(mutex_);
        auto it = notes_.find(id);
        if (it == notes_.end()) co_return std::nullopt;
        it->second.title = std::move(title);
        it->second.body = std::move(body);
        it->second.updated_at = now_iso8601();
        co_return it->second;
    }
    awaitable<bool> remove(std::int64_t id) override {
        std::lock_guard lock(mutex_);
        co_return notes_.erase(id) != 0;
    }

private:
    std::mutex mutex_;
    std::map<std::int64_t, Note> notes_;
    std::int64_t next_id_ = 1;
};

web::Response json_error(int status, std::string message, json fields = nullptr) {
    json body{{"error", std::move(message)}};
    if (!fields.is_null()) body["fields"] = std::move(fields);
    return web::json_response(body, status);
}

// The request body as a JSON object, or the error response to send instead.
awaitable<std::variant<json, web::Response>> read_object(web::Request& req) {
    auto text = co_await req.text();
    json data = json::parse(text, nullptr, false);
    if (data.is_discarded()) co_return json_error(400, "malformed JSON body");
    if (!data.is_object()) co_return json_error(422, "expected a JSON object");
    co_return data;
}

// Validates title/body; `partial` (PATCH) allows either to be absent.
std::optional<web::Response> validate(const json& data, bool partial) {
    json fields = json::object();
    auto check = [&](const char* name, std::size_t max, bool required) {
        auto it = data.find(name);
        if (it == data.end()) {
            if (required) fields[name] = "required";
        } else if (!it->is_string()) {
            fields[name] = "must be a string";
        } else if (it->get_ref<const std::string&>().size() > max) {
            fields[name] = "at most " + std::to_string(max) + " characters";
        } else if (std::string_view(name) == "title" && it->get_ref<const std::string&>().empty()) {
            fields[name] = "must not be empty";
        }
    };
    check("title", kMaxTitle, !partial);
    check("body", kMaxBody, false);
    if (fields.empty()) return std::nullopt;
    return json_error(422, "validation failed", std::move(fields));
}

std::int64_t note_id(web::Request& req) {
    auto text = req.match_info("id");
    std::int64_t id = 0;
    for (char c : text) {
        if (id > (INT64_MAX - 9) / 10) throw web::HTTPNotFound();
        id = id * 10 + (c - '0');
    }
    return id;
}

NotesStore& store(web::Request& req) { return *req.app().get(notes_store_key); }

awaitable<web::Response> list_notes(web::Request& req) {
    co_return web::json_response(co_await store(req).list());
}

awaitable<web::Response> create_note(web::Request& req) {
    auto parsed = co_await read_object(req);
    if (auto* err = std::get_if<web::Response>(&parsed)) co_return std::move(*err);
    auto& data = std::get<json>(parsed);
    if (auto err = validate(data, false)) co_return std::move(*err);
    auto note = co_await store(req).create(data["title"].get<std::string>(), data.value("body", std::string()));
    auto resp = web::json_response(note, 201);
    resp.headers().set("Location", req.app().router().url_for("note", {{"id", std::to_string(note.id)}}));
    co_return resp;
}

awaitable<web::Response> get_note(web::Request& req) {
    auto note = co_await store(req).get(note_id(req));
    if (!note) co_return json_error(404, "note not found");
    co_return web::json_response(*note);
}

awaitable<web::Response> update_note(web::Request& req) {
    const bool partial = req.method() == "PATCH";
    auto parsed = co_await read_object(req);
    if (auto* err = std::get_if<web::Response>(&parsed)) co_return std::move(*err);
    auto& data = std::get<json>(parsed);
    if (auto err = validate(data, partial)) co_return std::move(*err);
    auto id = note_id(req);
    auto current = co_await store(req).get(id);
    if (!current) co_return json_error(404, "note not found");
    auto title = data.contains("title") ? data["title"].get<std::string>() : current->title;
    auto body = data.contains("body") ? data["body"].get<std::string>() : (partial ? current->body : std::string());
    auto note = co_await store(req).update(id, std::move(title), std::move(body));
    if (!note) co_return json_error(404, "note not found");
    co_return web::json_response(*note);
}

awaitable<web::Response> delete_note(web::Request& req) {
    // Named locals, not `if (!co_await ...)`: GCC 12 miscompiles that (SIGILL).
    const auto id = note_id(req);
    const bool removed = co_await store(req).remove(id);
    if (!removed) co_return json_error(404, "note not found");
    co_return web::Response(204);
}

}  // namespace

std::unique_ptr<NotesStore> make_memory_store() { return std::make_unique<MemoryStore>(); }

void add_notes_routes(web::Application& app) {
    if (!app.contains(notes_store_key)) app.set(notes_store_key, make_memory_store());
    auto& r = app.router();
    r.add_get("/api/notes", list_notes, {.name = "notes"});
    r.add_post("/api/notes", create_note);
    r.add_get(R"(/api/notes/{id:\d+})", get_note, {.name = "note"});
    r.add_put(R"(/api/notes/{id:\d+})", update_note);
    r.add_patch(R"(/api/notes/{id:\d+})", update_note);
    r.add_delete(R"(/api/notes/{id:\d+})", delete_note);
}

}  // namespace demo
