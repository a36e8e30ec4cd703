#include "asiohttp/session.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "asiohttp/application.hpp"
#include "asiohttp/request.hpp"
#include "asiohttp/response.hpp"
#include "base/json_text.hpp"

namespace asiohttp::web {

using nlohmann::json;

namespace {

// The storage lives in the application's state (set once; sub-applications see
// their parents'), not in each request's.
const AppKey<std::shared_ptr<SessionStorage>> storage_key{"asiohttp.session_storage"};
const RequestKey<std::shared_ptr<Session>> session_key{"asiohttp.session"};

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), int(n)) != 1)
        throw std::runtime_error("OpenSSL RAND_bytes failed");
    return out;
}

// base64url without padding: safe in a cookie value as it is.
std::string b64url_encode(std::string_view in) {
    std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(in.data()), int(in.size()));
    out.resize(std::size_t(n));
    while (!out.empty() && out.back() == '=') out.pop_back();
    for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
    return out;
}

std::optional<std::string> b64url_decode(std::string_view in) {
    std::string s(in);
    for (auto& c : s) {
        if (c == '-') c = '+';
        else if (c == '_') c = '/';
        else if (c == '+' || c == '/' || c == '=') return std::nullopt;
    }
    if (s.size() % 4 == 1) return std::nullopt;
    std::size_t pad = (4 - s.size() % 4) % 4;
    s.append(pad, '=');
    std::string out(s.size() / 4 * 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(s.data()), int(s.size()));
    if (n < 0) return std::nullopt;
    out.resize(std::size_t(n) - pad);
    return out;
}

struct CipherCtx {
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};

constexpr std::size_t kNonce = 12, kTag = 16;

bool expired(std::int64_t created, std::optional<std::chrono::seconds> max_age, std::int64_t now) {
    return max_age && created + max_age->count() <= now;
}

}  // namespace

// --- Session ---

Session::Session(std::string identity, json data, bool is_new, std::optional<std::chrono::seconds> max_age,
                 std::int64_t created)
    : identity_(std::move(identity)), data_(std::move(data)), is_new_(is_new), max_age_(max_age), created_(created) {
    if (!data_.is_object()) data_ = json::object();
}

json Session::get(std::string_view key, json fallback) const {
    auto it = data_.find(key);
    return it == data_.end() ? fallback : *it;
}

void Session::touch(std::string_view key) {
    changed_ = true;
    if (std::find(touched_.begin(), touched_.end(), key) == touched_.end()) touched_.emplace_back(key);
}

void Session::set(std::string_view key, json value) {
    data_[std::string(key)] = std::move(value);
    touch(key);
}

void Session::erase(std::string_view key) {
    if (data_.erase(std::string(key))) touch(key);
}

void Session::invalidate() {
    data_ = json::object();
    touched_.clear();
    cleared_ = true;
    changed_ = true;
}

// --- SessionStorage ---

std::int64_t SessionStorage::now_seconds() {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::shared_ptr<Session> SessionStorage::make_session(std::string identity, json data, bool is_new,
                                                      std::int64_t created) const {
    return std::make_shared<Session>(std::move(identity), std::move(data), is_new, cookie_.max_age, created);
}

std::shared_ptr<Session> SessionStorage::fresh_session(const Session* old) {
    auto s = make_session(random_token(), json::object(), true, now_seconds());
    if (old) s->replaced_identity_ = old->identity();
    s->changed_ = true;
    return s;
}

void SessionStorage::set_cookie(Response& resp, const std::string& value, const Session& session) const {
    CookieOptions o;
    o.max_age = session.max_age();
    o.domain = cookie_.domain;
    o.path = cookie_.path;
    o.secure = cookie_.secure;
    o.httponly = cookie_.httponly;
    o.samesite = cookie_.samesite;
    resp.set_cookie(cookie_.name, value, o);
}

void SessionStorage::delete_cookie(Response& resp) const { resp.del_cookie(cookie_.name, cookie_.domain, cookie_.path); }

// --- EncryptedCookieStorage ---

EncryptedCookieStorage::EncryptedCookieStorage(std::string_view key, SessionCookie cookie)
    : SessionStorage(std::move(cookie)), key_(key) {
    if (key_.size() != 32) throw std::invalid_argument("EncryptedCookieStorage needs a 32-byte key");
}

std::string EncryptedCookieStorage::seal(std::string_view plaintext) const {
    std::string out = random_bytes(kNonce);
    out.resize(kNonce + plaintext.size() + kTag);
    auto* dst = reinterpret_cast<unsigned char*>(out.data());
    CipherCtx c;
    int len = 0, fin = 0;
    if (!c.ctx || EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, int(kNonce), nullptr) != 1 ||
        EVP_EncryptInit_ex(c.ctx, nullptr, nullptr, reinterpret_cast<const unsigned char*>(key_.data()), dst) != 1 ||
        EVP_EncryptUpdate(c.ctx, dst + kNonce, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
                          int(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(c.ctx, dst + kNonce + len, &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, int(kTag), dst + kNonce + plaintext.size()) != 1)
        throw std::runtime_error("AES-256-GCM encryption failed");
    return b64url_encode(out);
}

std::optional<std::string> EncryptedCookieStorage::open(std::string_view sealed) const {
    auto raw = b64url_decode(sealed);
    if (!raw || raw->size() < kNonce + kTag) return std::nullopt;
    const auto* src = reinterpret_cast<const unsigned char*>(raw->data());
    const std::size_t n = raw->size() - kNonce - kTag;
    std::string out(n, '\0');
    CipherCtx c;
    int len = 0, fin = 0;
    std::string tag = raw->substr(kNonce + n);
    if (!c.ctx || EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, int(kNonce), nullptr) != 1 ||
        EVP_DecryptInit_ex(c.ctx, nullptr, nullptr, reinterpret_cast<const unsigned char*>(key_.data()), src) != 1 ||
        EVP_DecryptUpdate(c.ctx, reinterpret_cast<unsigned char*>(out.data()), &len, src + kNonce, int(n)) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, int(kTag), tag.data()) != 1 ||
        EVP_DecryptFinal_ex(c.ctx, reinterpret_cast<unsigned char*>(out.data()) + len, &fin) != 1)
        return std::nullopt;  // wrong key, or any byte changed
    return out;
}

std::shared_ptr<Session> EncryptedCookieStorage::fresh_session(const Session*) {
    auto s = make_session({}, json::object(), true, now_seconds());
    s->mark_changed();
    return s;
}

awaitable<std::shared_ptr<Session>> EncryptedCookieStorage::load_session(Request& req) {
    const auto now = now_seconds();
    if (auto cookie = req.cookies().get(this->cookie().name)) {
        if (auto plain = open(*cookie)) {
            auto doc = json::parse(*plain, nullptr, false);
            if (doc.is_object() && doc.contains("created") && doc["created"].is_number_integer() &&
                doc.contains("session") && doc["session"].is_object()) {
                auto created = doc["created"].get<std::int64_t>();
                if (!expired(created, this->cookie().max_age, now))
                    co_return make_session({}, std::move(doc["session"]), false, created);
            }
        }
    }
    co_return make_session({}, json::object(), true, now);
}

awaitable<void> EncryptedCookieStorage::save_session(Request&, Response& resp, Session& session) {
    if (session.empty()) {
        delete_cookie(resp);
        co_return;
    }
    const json sealed{{"created", session.created()}, {"session", session.data()}};
    set_cookie(resp, seal(detail::json_text(sealed)), session);
}

// --- MemoryStorage ---

struct MemoryStorage::Store {
    struct Entry {
        json data;
        std::int64_t created;
    };
    mutable std::mutex mutex;
    std::unordered_map<std::string, Entry> sessions;
};

MemoryStorage::MemoryStorage(SessionCookie cookie)
    : SessionStorage(std::move(cookie)), store_(std::make_unique<Store>()) {}
MemoryStorage::~MemoryStorage() = default;

std::size_t MemoryStorage::size() const {
    std::lock_guard lock(store_->mutex);
    return store_->sessions.size();
}

awaitable<std::shared_ptr<Session>> MemoryStorage::load_session(Request& req) {
    const auto now = now_seconds();
    if (auto id = req.cookies().get(cookie().name)) {
        std::lock_guard lock(store_->mutex);
        auto it = store_->sessions.find(std::string(*id));
        if (it != store_->sessions.end()) {
            if (!expired(it->second.created, cookie().max_age, now))
                co_return make_session(it->first, it->second.data, false, it->second.created);
            store_->sessions.erase(it);
        }
    }
    co_return make_session(random_token(), json::object(), true, now);
}

awaitable<void> MemoryStorage::save_session(Request&, Response& resp, Session& session) {
    {
        std::lock_guard lock(store_->mutex);
        if (auto& old = replaced_identity(session); !old.empty()) store_->sessions.erase(old);
        if (session.empty()) store_->sessions.erase(session.identity());
        else store_->sessions[session.identity()] = {session.data(), session.created()};
    }
    if (session.empty()) delete_cookie(resp);
    else set_cookie(resp, session.identity(), session);
    co_return;
}

// --- setup and accessors ---

namespace {

// Saves the session a handler changed into what the request answers, after
// every middleware: no middleware frame on any route, and nothing at all for
// a request that never loads its session. An HTTPException is an answer too (a
// redirect after login keeps the session). A response whose head is gone (a
// WebSocket's 101, a stream) cannot take the cookie.
awaitable<void> save_changed(SessionStorage& storage, Request& req, Response& resp) {
    auto* session = req.state().find(session_key);
    if (!session || !*session || !(*session)->changed() || resp.prepared() || resp.status() == 101) co_return;
    co_await storage.save_session(req, resp, **session);
}

}  // namespace

void setup_sessions(Application& app, std::shared_ptr<SessionStorage> storage) {
    if (!storage) throw std::invalid_argument("setup_sessions: no storage");
    app.set(storage_key, std::move(storage));
}

awaitable<std::shared_ptr<Session>> get_session(Request& req) {
    if (auto* s = req.state().find(session_key)) co_return *s;
    auto* storage = req.app().find(storage_key);
    if (!storage) throw std::logic_error("get_session: setup_sessions() was not called for this application");
    auto session = co_await (*storage)->load_session(req);
    req.state().set(session_key, session);
    req.on_response_ready([storage = storage->get()](Request& r, Response& resp) { return save_changed(*storage, r, resp); });
    co_return session;
}

awaitable<std::shared_ptr<Session>> new_session(Request& req) {
    auto old = co_await get_session(req);
    auto session = req.app().get(storage_key)->fresh_session(old.get());
    req.state().set(session_key, session);
    co_return session;
}

std::string generate_session_key() { return random_bytes(32); }

std::string random_token() {
    static constexpr char hex[] = "0123456789abcdef";
    auto raw = random_bytes(16);
    std::string out;
    for (unsigned char c : raw) {
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 15]);
    }
    return out;
}

}  // namespace asiohttp::web
