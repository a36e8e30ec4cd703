// A value kept out of line, and only once something is set in it: for what few
// objects of a class need (an empty one costs a pointer; copies are deep).
#pragma once

#include <memory>

namespace asiohttp::detail {

template <class T>
class HeapOptional {
public:
    HeapOptional() = default;
    HeapOptional(const HeapOptional& other) : value_(other.value_ ? std::make_unique<T>(*other.value_) : nullptr) {}
    HeapOptional& operator=(const HeapOptional& other) {
        if (this != &other) value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
        return *this;
    }
    HeapOptional(HeapOptional&&) noexcept = default;
    HeapOptional& operator=(HeapOptional&&) noexcept = default;

    // Null until made.
    T* get() const noexcept { return value_.get(); }
    // Made (default-constructed) on first use.
    T& make() {
        if (!value_) value_ = std::make_unique<T>();
        return *value_;
    }

private:
    std::unique_ptr<T> value_;
};

}  // namespace asiohttp::detail
