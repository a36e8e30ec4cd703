// The kinds of router resource, as aiohttp's PlainResource, DynamicResource,
// StaticResource and PrefixedSubAppResource: each knows how it matches a path
// and how it builds its URL.
#pragma once

#include <filesystem>

#include "asiohttp/router.hpp"
#include "web/path_pattern.hpp"

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

// "/notes": found by the router's hash lookup before any other kind.
class PlainResource final : public Resource {
public:
    PlainResource(std::string path, std::string name) : Resource(std::move(path), std::move(name)) {}

private:
    const Route* resolve(std::string_view method, std::string_view path, MultiDict& values,
                         std::vector<std::string>& allowed) const override;
    std::string format(const MultiDict&) const override { return std::string(canonical()); }
    bool takes_routes_at(std::string_view path) const override { return path == canonical(); }
};

// "/notes/{id:\d+}": a PathPattern.
class DynamicResource final : public Resource {
public:
    DynamicResource(std::string path, std::string name)
        : Resource(std::move(path), std::move(name)), pattern_(PathPattern::parse(canonical())) {}

private:
    const Route* resolve(std::string_view method, std::string_view path, MultiDict& values,
                         std::vector<std::string>& allowed) const override;
    std::string format(const MultiDict& parts) const override { return pattern_.format(parts); }
    bool takes_routes_at(std::string_view path) const override { return path == canonical(); }

    PathPattern pattern_;
};

// A directory served under a prefix; the rest of the path is `filename`.
class StaticResource final : public Resource {
public:
    StaticResource(std::string prefix, std::filesystem::path directory, StaticOptions options);

private:
    const Route* resolve(std::string_view method, std::string_view path, MultiDict& values,
                         std::vector<std::string>& allowed) const override;
    std::string format(const MultiDict& parts) const override;

    std::filesystem::path directory_;
    StaticOptions options_;
};

// A sub-application mounted under a prefix: its own router resolves the rest.
class SubAppResource final : public Resource {
public:
    SubAppResource(std::string prefix, Application& subapp) : Resource(std::move(prefix), {}), subapp_(subapp) {}

private:
    const Route* resolve(std::string_view method, std::string_view path, MultiDict& values,
                         std::vector<std::string>& allowed) const override;
    std::string format(const MultiDict&) const override { return std::string(canonical()); }

    Application& subapp_;
};

}  // namespace asiohttp::detail
