// The encrypted session cookie: whatever a client sends is refused or opened,
// never a crash, and only what was sealed opens.
#include <asiohttp/session.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const asiohttp::web::EncryptedCookieStorage storage(std::string(32, 'k'));
    const std::string_view cookie(reinterpret_cast<const char*>(data), size);
    if (auto opened = storage.open(cookie)) {
        if (storage.open(storage.seal(*opened)) != opened) __builtin_trap();
    }
    const auto sealed = storage.seal(cookie);  // and what is sealed opens as it was
    if (storage.open(sealed) != std::optional<std::string>(cookie)) __builtin_trap();
    return 0;
}
