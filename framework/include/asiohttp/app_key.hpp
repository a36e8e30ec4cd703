// Typed keys for application and request state, as aiohttp's `web.AppKey`:
//
//   inline const web::AppKey<Database> db_key{"db"};
//   app.set(db_key, Database{...});
//   Database& db = req.app().get(db_key);
//
// A key is identified by its address, so two keys with the same name never clash.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace asiohttp::web {

template <class T>
class AppKey {
public:
    using value_type = T;
    explicit constexpr AppKey(std::string_view name) : name_(name) {}
    AppKey(const AppKey&) = delete;
    AppKey& operator=(const AppKey&) = delete;
    constexpr std::string_view name() const noexcept { return name_; }

private:
    std::string_view name_;
};

// Per-request state uses the same kind of key.
template <class T>
using RequestKey = AppKey<T>;

// A heterogeneous map from typed keys to values.
class TypedState {
public:
    template <class T, class... Args>
    T& emplace(const AppKey<T>& key, Args&&... args) {
        auto value = std::make_shared<T>(std::forward<Args>(args)...);
        T& ref = *value;
        values_[&key] = std::move(value);
        return ref;
    }
    template <class T>
    T& set(const AppKey<T>& key, T value) {
        return emplace(key, std::move(value));
    }
    template <class T>
    T& get(const AppKey<T>& key) {
        auto it = values_.find(&key);
        if (it == values_.end()) throw std::out_of_range("no value for key '" + std::string(key.name()) + "'");
        return *static_cast<T*>(it->second.get());
    }
    template <class T>
    const T& get(const AppKey<T>& key) const {
        return const_cast<TypedState*>(this)->get(key);
    }
    template <class T>
    T* find(const AppKey<T>& key) noexcept {
        auto it = values_.find(&key);
        return it == values_.end() ? nullptr : static_cast<T*>(it->second.get());
    }
    template <class T>
    bool contains(const AppKey<T>& key) const noexcept {
        return values_.count(&key) != 0;
    }
    template <class T>
    bool erase(const AppKey<T>& key) {
        return values_.erase(&key) != 0;
    }
    void clear() noexcept { values_.clear(); }

private:
    // Keyed by the key's address; the key's type makes the cast back safe, and values need
    // not be copyable (pools, sockets).
    std::unordered_map<const void*, std::shared_ptr<void>> values_;
};

}  // namespace asiohttp::web
