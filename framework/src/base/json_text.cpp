#include "base/json_text.hpp"

#include <memory>

#include <nlohmann/json.hpp>

namespace asiohttp::detail {
namespace {

namespace nd = nlohmann::detail;
using nlohmann::json;

// Where the thread's serializer writes: the caller's buffer of the moment.
class BufferOutput final : public nd::output_adapter_protocol<char> {
public:
    void write_character(char c) override { out->push_back(c); }
    void write_characters(const char* s, std::size_t n) override { out->append(s, n); }
    std::string* out = nullptr;
};

// A string JSON carries as it is: printable ASCII but '"' and '\'. Anything
// else goes through nlohmann's escaping, which also checks UTF-8.
bool plain(std::string_view s) noexcept {
    for (const unsigned char c : s)
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return false;
    return true;
}

// dump() builds a serializer per call: a shared output adapter, a 512-byte
// indent string and a localeconv() lookup, a third of a small object's cost.
// One per thread serves every call instead. Nothing in it outlives a call
// but the decimal point, read once: a program that changes LC_NUMERIC while
// serving (none should; the server never does) keeps the first one's.
//
// Objects, arrays and plain strings are written here: nlohmann's escaping
// decodes every character as UTF-8 (about 50 instructions each). Numbers,
// literals and other strings are the serializer's, so the text is dump()'s.
class ThreadWriter {
public:
    std::string text(const json& data) {
        buffer_.clear();
        output_->out = &buffer_;
        write(data);
        std::string text(buffer_);  // one allocation of the exact size
        if (buffer_.capacity() > kKeptCapacity) std::string().swap(buffer_);
        return text;
    }

private:
    // A buffer that grew past this is given back after the call.
    static constexpr std::size_t kKeptCapacity = 64 << 10;

    void write(const json& v) {
        switch (v.type()) {
            case json::value_t::object: {
                buffer_.push_back('{');
                const char* separator = "";
                for (const auto& [key, value] : v.get_ref<const json::object_t&>()) {
                    buffer_.append(separator);
                    separator = ",";
                    if (plain(key)) quote(key);
                    else serializer_.dump(json(key), false, false, 0);
                    buffer_.push_back(':');
                    write(value);
                }
                buffer_.push_back('}');
                return;
            }
            case json::value_t::array: {
                buffer_.push_back('[');
                const char* separator = "";
                for (const auto& item : v.get_ref<const json::array_t&>()) {
                    buffer_.append(separator);
                    separator = ",";
                    write(item);
                }
                buffer_.push_back(']');
                return;
            }
            case json::value_t::string:
                if (const auto& s = v.get_ref<const std::string&>(); plain(s)) return quote(s);
                break;
            default: break;
        }
        serializer_.dump(v, false, false, 0);
    }
    void quote(std::string_view s) {
        buffer_.push_back('"');
        buffer_.append(s);
        buffer_.push_back('"');
    }

    std::string buffer_;  // keeps its capacity, so the text grows without reallocations
    std::shared_ptr<BufferOutput> output_ = std::make_shared<BufferOutput>();
    nd::serializer<json> serializer_{output_, ' '};
};

}  // namespace

std::string json_text(const nlohmann::json& data) {
    thread_local ThreadWriter writer;
    return writer.text(data);
}

}  // namespace asiohttp::detail
