// Sessions in the style of aiohttp_session:
//
//   web::setup_sessions(app, std::make_shared<web::EncryptedCookieStorage>(key));
//
//   awaitable<web::Response> handler(web::Request& req) {
//       auto session = co_await web::get_session(req);
//       session->set("visits", session->get("visits", 0).get<int>() + 1);
//       ...
//   }
//
// A session is a JSON object, loaded when a request first asks for it and saved,
// if changed, into the request's answer after every middleware (also when the
// handler throws an HTTPException such as HTTPFound after a login). A route
// that never asks for its session pays nothing for sessions.
// A cookie that is tampered with, truncated or expired gives a fresh, empty
// session, never an error page.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "asiohttp/awaitable.hpp"

namespace asiohttp::web {

class Application;
class Request;
class Response;

class Session {
public:
    Session(std::string identity, nlohmann::json data, bool is_new, std::optional<std::chrono::seconds> max_age,
            std::int64_t created);

    bool is_new() const noexcept { return is_new_; }
    // True once anything was set, erased or invalidated: the session is saved then.
    bool changed() const noexcept { return changed_; }
    void mark_changed() noexcept { changed_ = true; }
    // The storage's id for this session ("" for cookie storages, which need none).
    const std::string& identity() const noexcept { return identity_; }
    // When the session was created, in seconds since the epoch.
    std::int64_t created() const noexcept { return created_; }
    std::optional<std::chrono::seconds> max_age() const noexcept { return max_age_; }
    void set_max_age(std::optional<std::chrono::seconds> max_age) {
        max_age_ = max_age;
        changed_ = true;
    }

    const nlohmann::json& data() const noexcept { return data_; }
    bool empty() const noexcept { return data_.empty(); }
    bool contains(std::string_view key) const { return data_.contains(key); }
    nlohmann::json get(std::string_view key, nlohmann::json fallback = nullptr) const;
    void set(std::string_view key, nlohmann::json value);
    void erase(std::string_view key);
    // Empties the session; the storage forgets it and the cookie is deleted.
    void invalidate();

    // Keys set or erased since loading, and whether it was emptied: what a
    // storage needs to merge concurrent writes instead of overwriting them.
    const std::vector<std::string>& touched_keys() const noexcept { return touched_; }
    bool cleared() const noexcept { return cleared_; }

private:
    friend class SessionStorage;
    void touch(std::string_view key);
    std::vector<std::string> touched_;
    bool cleared_ = false;
    std::string identity_;
    nlohmann::json data_;
    bool is_new_;
    bool changed_ = false;
    std::optional<std::chrono::seconds> max_age_;
    std::int64_t created_;
    std::string replaced_identity_;  // the id new_session() rotated away from
};

// The session cookie's attributes.
struct SessionCookie {
    std::string name = "AIOHTTP_SESSION";
    std::string domain;
    std::string path = "/";
    std::optional<std::chrono::seconds> max_age;  // unset: a browser-session cookie, no expiry
    bool secure = false;
    bool httponly = true;
    std::string samesite = "Lax";
};

// Where sessions live. Implementations: EncryptedCookieStorage, MemoryStorage.
class SessionStorage {
public:
    explicit SessionStorage(SessionCookie cookie) : cookie_(std::move(cookie)) {}
    virtual ~SessionStorage() = default;

    // The request's session, or a new empty one.
    virtual awaitable<std::shared_ptr<Session>> load_session(Request& req) = 0;
    // Saves a changed session and sets (or deletes) the cookie on the response.
    virtual awaitable<void> save_session(Request& req, Response& resp, Session& session) = 0;
    // A fresh session, replacing `old` (if any): a new identity, so a session id
    // learnt before a login is worthless after it.
    virtual std::shared_ptr<Session> fresh_session(const Session* old);

    const SessionCookie& cookie() const noexcept { return cookie_; }

protected:
    std::shared_ptr<Session> make_session(std::string identity, nlohmann::json data, bool is_new,
                                          std::int64_t created) const;
    void set_cookie(Response& resp, const std::string& value, const Session& session) const;
    void delete_cookie(Response& resp) const;
    // An identity no longer in use after new_session() (storages with ids forget it).
    static const std::string& replaced_identity(const Session& s) noexcept { return s.replaced_identity_; }
    static std::int64_t now_seconds();

private:
    SessionCookie cookie_;
};

// The session data itself in the cookie, sealed with AES-256-GCM (authenticated,
// so a changed byte is detected). The key is 32 bytes.
class EncryptedCookieStorage final : public SessionStorage {
public:
    explicit EncryptedCookieStorage(std::string_view key, SessionCookie cookie = {});
    awaitable<std::shared_ptr<Session>> load_session(Request& req) override;
    awaitable<void> save_session(Request& req, Response& resp, Session& session) override;
    std::shared_ptr<Session> fresh_session(const Session* old) override;

    std::string seal(std::string_view plaintext) const;
    std::optional<std::string> open(std::string_view sealed) const;

private:
    std::string key_;
};

// Sessions in this process's memory, keyed by a random id in the cookie: for
// development and tests (they do not survive a restart or cross processes).
class MemoryStorage final : public SessionStorage {
public:
    explicit MemoryStorage(SessionCookie cookie = {});
    ~MemoryStorage() override;
    awaitable<std::shared_ptr<Session>> load_session(Request& req) override;
    awaitable<void> save_session(Request& req, Response& resp, Session& session) override;
    std::size_t size() const;

private:
    struct Store;
    std::unique_ptr<Store> store_;
};

// Gives `app` and its sub-applications sessions kept in `storage`.
void setup_sessions(Application& app, std::shared_ptr<SessionStorage> storage);
// The request's session (loaded on first use).
awaitable<std::shared_ptr<Session>> get_session(Request& req);
// Replaces the request's session with a fresh one (call it on login).
awaitable<std::shared_ptr<Session>> new_session(Request& req);

// 32 random bytes, for a key (store it base64-encoded in config, say).
std::string generate_session_key();
// A random id: 32 hex digits.
std::string random_token();

}  // namespace asiohttp::web
