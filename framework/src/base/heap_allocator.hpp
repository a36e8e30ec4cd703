// An allocator that is plain new and delete. Asio keeps a per-thread cache of
// freed operation blocks for handlers with std::allocator (any T), and hands a
// cached block to the next operation that fits, however much larger it is. A
// large one-off operation given this allocator goes back to the heap instead.
#pragma once

#include <cstddef>
#include <new>

namespace asiohttp::detail {

template <class T>
struct HeapAllocator {
    using value_type = T;
    HeapAllocator() = default;
    template <class U>
    HeapAllocator(const HeapAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
    void deallocate(T* p, std::size_t) noexcept { ::operator delete(p); }
    friend bool operator==(HeapAllocator, HeapAllocator) noexcept { return true; }
};

}  // namespace asiohttp::detail
