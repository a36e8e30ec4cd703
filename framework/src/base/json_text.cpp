#include "base/json_text.hpp"

#include <memory>

#include <nlohmann/json.hpp>

namespace asiohttp::detail {
namespace {

namespace nd = nlohmann::detail;

// Where the thread's serializer writes: the caller's buffer of the moment.
class BufferOutput final : public nd::output_adapter_protocol<char> {
public:
    void write_character(char c) override { out->push_back(c); }
    void write_characters(const char* s, std::size_t n) override { out->append(s, n); }
    std::string* out = nullptr;
};

// dump() builds a serializer per call: a shared output adapter, a 512-byte
// indent string and a localeconv() lookup, a third of a small object's cost.
// One per thread serves every call instead. Nothing in it outlives a call
// but the decimal point, read once: a program that changes LC_NUMERIC while
// serving (none should; the server never does) keeps the first one's.
struct ThreadSerializer {
    std::shared_ptr<BufferOutput> output = std::make_shared<BufferOutput>();
    nd::serializer<nlohmann::json> serializer{output, ' '};
    std::string buffer;  // keeps its capacity, so the text grows without reallocations
};

// A buffer that grew past this is given back after the call.
constexpr std::size_t kKeptCapacity = 64 << 10;

}  // namespace

std::string json_text(const nlohmann::json& data) {
    thread_local ThreadSerializer local;
    local.buffer.clear();
    local.output->out = &local.buffer;
    local.serializer.dump(data, false, false, 0);
    std::string text(local.buffer);  // one allocation of the exact size
    if (local.buffer.capacity() > kKeptCapacity) std::string().swap(local.buffer);
    return text;
}

}  // namespace asiohttp::detail
