// Multi-valued dictionaries in the style of Python's `multidict`: headers, query
// strings and form fields may repeat a key, and order is kept.
//   MultiDict         owning, case-sensitive        (query, form fields)
//   CIMultiDict       owning, case-insensitive      (response headers)
//   CIMultiDictProxy  views, case-insensitive       (request headers, zero-copy)
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asiohttp {

// ASCII case-insensitive equality (HTTP field names are ASCII).
inline bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    auto lower = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? char(c | 0x20) : char(c); };
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

template <class String, bool CaseInsensitive>
class BasicMultiDict {
public:
    using value_type = std::pair<String, String>;
    using container = std::vector<value_type>;
    using const_iterator = typename container::const_iterator;

    BasicMultiDict() = default;
    BasicMultiDict(std::initializer_list<std::pair<std::string_view, std::string_view>> items) {
        for (auto& [k, v] : items) add(k, v);
    }

    // First value for `key`, if any.
    std::optional<std::string_view> get(std::string_view key) const noexcept {
        for (auto& [k, v] : items_)
            if (same(k, key)) return std::string_view(v);
        return std::nullopt;
    }
    std::string_view get(std::string_view key, std::string_view fallback) const noexcept {
        auto v = get(key);
        return v ? *v : fallback;
    }
    std::vector<std::string_view> getall(std::string_view key) const {
        std::vector<std::string_view> out;
        for (auto& [k, v] : items_)
            if (same(k, key)) out.emplace_back(v);
        return out;
    }
    bool contains(std::string_view key) const noexcept { return get(key).has_value(); }
    std::size_t count(std::string_view key) const noexcept {
        return std::size_t(std::count_if(items_.begin(), items_.end(),
                                         [&](auto& kv) { return same(kv.first, key); }));
    }

    // Appends, keeping existing values for the key.
    void add(std::string_view key, std::string_view value) { items_.emplace_back(String(key), String(value)); }
    // Replaces every value for the key with one value.
    void set(std::string_view key, std::string_view value) {
        for (auto it = items_.begin(); it != items_.end(); ++it) {
            if (same(it->first, key)) {
                it->second = String(value);
                items_.erase(std::remove_if(it + 1, items_.end(), [&](auto& kv) { return same(kv.first, key); }),
                             items_.end());
                return;
            }
        }
        add(key, value);
    }
    // Sets the value only when the key is absent.
    void setdefault(std::string_view key, std::string_view value) {
        if (!contains(key)) add(key, value);
    }
    std::size_t erase(std::string_view key) {
        auto before = items_.size();
        items_.erase(std::remove_if(items_.begin(), items_.end(), [&](auto& kv) { return same(kv.first, key); }),
                     items_.end());
        return before - items_.size();
    }

    const_iterator begin() const noexcept { return items_.begin(); }
    const_iterator end() const noexcept { return items_.end(); }
    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }
    void clear() noexcept { items_.clear(); }
    void reserve(std::size_t n) { items_.reserve(n); }
    void shrink_to_fit() { items_.shrink_to_fit(); }

private:
    static bool same(std::string_view a, std::string_view b) noexcept {
        if constexpr (CaseInsensitive) return iequals(a, b);
        else return a == b;
    }
    container items_;
};

using MultiDict = BasicMultiDict<std::string, false>;
using CIMultiDict = BasicMultiDict<std::string, true>;
using CIMultiDictProxy = BasicMultiDict<std::string_view, true>;

}  // namespace asiohttp
