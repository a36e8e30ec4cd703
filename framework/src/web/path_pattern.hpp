// A compiled route path like "/users/{id}/posts/{post:\d+}". Variables without a
// regex match one non-empty segment by hand; a std::regex is built only when
// needed (custom patterns, or a variable followed by text in the same segment).
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "asiohttp/multidict.hpp"

namespace asiohttp::detail {

struct PathPattern {
    struct Part {
        std::string literal;  // literal text, or
        std::string var;      // a variable name
    };
    std::vector<Part> parts;
    std::optional<std::regex> regex;

    // Throws std::invalid_argument for a variable without a name or an unbalanced '{'.
    static PathPattern parse(std::string_view path);
    // Whether `path` (decoded) matches; adds the variables' values to `values`.
    bool match(std::string_view path, MultiDict& values) const;
    // The path with each variable replaced by its percent-encoded value.
    std::string format(const MultiDict& values) const;
};

}  // namespace asiohttp::detail
