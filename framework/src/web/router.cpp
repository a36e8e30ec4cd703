#include "asiohttp/router.hpp"

#include <regex>
#include <stdexcept>

#include "asiohttp/application.hpp"
#include "asiohttp/file_response.hpp"
#include "asiohttp/http_exceptions.hpp"
#include "web/static_files.hpp"
#include "base/url_codec.hpp"

namespace asiohttp::web {
namespace detail {

// A compiled path like "/users/{id}/posts/{post:\d+}". Variables without a regex
// match one non-empty segment by hand; a std::regex is built only when needed
// (custom patterns, or a variable followed by text in the same segment).
struct PathPattern {
    struct Part {
        std::string literal;  // literal text, or
        std::string var;      // a variable name
    };
    std::vector<Part> parts;
    std::optional<std::regex> regex;

    static PathPattern parse(std::string_view path) {
        PathPattern p;
        std::string regex_src;
        bool needs_regex = false;
        std::size_t i = 0;
        while (i < path.size()) {
            auto open = path.find('{', i);
            auto literal = path.substr(i, open == std::string_view::npos ? std::string_view::npos : open - i);
            if (!literal.empty()) {
                p.parts.push_back({std::string(literal), {}});
                regex_src += escape(literal);
            }
            if (open == std::string_view::npos) break;
            auto close = find_closing(path, open);
            auto inner = path.substr(open + 1, close - open - 1);
            auto colon = inner.find(':');
            auto name = inner.substr(0, colon);
            if (name.empty()) throw std::invalid_argument("route variable without a name in '" + std::string(path) + "'");
            std::string var_regex = "[^{}/]+";
            if (colon != std::string_view::npos) {
                var_regex = std::string(inner.substr(colon + 1));
                needs_regex = true;
            }
            p.parts.push_back({{}, std::string(name)});
            regex_src += "(" + var_regex + ")";
            i = close + 1;
            if (i < path.size() && path[i] != '/') needs_regex = true;
        }
        if (needs_regex) p.regex.emplace(regex_src, std::regex::ECMAScript | std::regex::optimize);
        return p;
    }

    bool match(std::string_view path, MultiDict& values) const {
        if (regex) {
            std::match_results<std::string_view::const_iterator> m;
            if (!std::regex_match(path.begin(), path.end(), m, *regex)) return false;
            std::size_t group = 1;
            for (auto& part : parts)
                if (!part.var.empty()) values.add(part.var, m[group++].str());
            return true;
        }
        std::size_t pos = 0;
        for (auto& part : parts) {
            if (part.var.empty()) {
                if (path.compare(pos, part.literal.size(), part.literal) != 0) return false;
                pos += part.literal.size();
            } else {
                auto end = std::min(path.find('/', pos), path.size());
                if (end == pos) return false;
                values.add(part.var, path.substr(pos, end - pos));
                pos = end;
            }
        }
        return pos == path.size();
    }

    std::string format(const MultiDict& values) const {
        std::string out;
        for (auto& part : parts) {
            if (part.var.empty()) {
                out += part.literal;
            } else {
                auto v = values.get(part.var);
                if (!v) throw std::invalid_argument("url_for: missing value for '" + part.var + "'");
                out += asiohttp::detail::percent_encode(*v, "@:!$&'()*+,;=");
            }
        }
        return out;
    }

private:
    static std::size_t find_closing(std::string_view path, std::size_t open) {
        int depth = 0;
        for (std::size_t i = open; i < path.size(); ++i) {
            if (path[i] == '{') ++depth;
            else if (path[i] == '}' && --depth == 0) return i;
        }
        throw std::invalid_argument("unbalanced '{' in route '" + std::string(path) + "'");
    }
    static std::string escape(std::string_view s) {
        std::string out;
        for (char c : s) {
            if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out.push_back('\\');
            out.push_back(c);
        }
        return out;
    }
};

}  // namespace detail

namespace {

bool is_dynamic(std::string_view path) { return path.find('{') != std::string_view::npos; }

void check_path(std::string_view path) {
    if (path.empty() || path.front() != '/') throw std::invalid_argument("route path must start with '/': '" + std::string(path) + "'");
}

std::string normalize_prefix(std::string_view prefix) {
    std::string p(prefix);
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    check_path(p);
    return p;
}

}  // namespace

Resource::~Resource() = default;

std::string Resource::url_for(const MultiDict& parts, const MultiDict& query) const {
    std::string url = router_ ? router_->full_prefix() : std::string();
    switch (kind_) {
        case Kind::plain: url += path_; break;
        case Kind::dynamic: url += pattern_->format(parts); break;
        case Kind::static_files: {
            auto filename = parts.get("filename");
            if (!filename) throw std::invalid_argument("url_for: static resource needs 'filename'");
            url += path_ + "/" + asiohttp::detail::percent_encode(*filename, "/@:!$&'()*+,;=");
            break;
        }
        case Kind::subapp: url += path_; break;
    }
    if (!query.empty()) url += "?" + asiohttp::detail::encode_query(query);
    return url;
}

Router::Router(Application& app) : app_(&app) {}
Router::~Router() = default;

void Router::check_not_frozen() const {
    if (frozen_) throw std::logic_error("cannot add routes to a frozen (started or mounted) application");
}

std::string Router::full_prefix() const {
    std::string out;
    for (auto* app = app_; app; app = app->parent()) out.insert(0, app->router().prefix_);
    return out;
}

Resource& Router::register_resource(std::unique_ptr<Resource> resource) {
    check_not_frozen();
    resource->router_ = this;
    if (!resource->name_.empty()) {
        if (named_.count(resource->name_))
            throw std::invalid_argument("duplicate route name '" + resource->name_ + "'");
        named_[resource->name_] = resource.get();
    }
    Resource& r = *resource;
    if (r.kind_ == Resource::Kind::plain) plain_.emplace(r.path_, &r);
    else ordered_.push_back(&r);
    resources_.push_back(std::move(resource));
    return r;
}

Resource& Router::resource_for(std::string_view path, std::string_view name) {
    check_path(path);
    // Reuse the resource of the same path (one resource, several methods), as aiohttp does.
    for (auto& r : resources_) {
        if ((r->kind_ == Resource::Kind::plain || r->kind_ == Resource::Kind::dynamic) && r->path_ == path &&
            (name.empty() || r->name_ == name || r->name_.empty())) {
            if (!name.empty() && r->name_.empty()) {
                if (named_.contains(name))
                    throw std::invalid_argument("duplicate route name '" + std::string(name) + "'");
                r->name_ = name;
                named_[r->name_] = r.get();
            }
            return *r;
        }
    }
    auto res = std::make_unique<Resource>();
    res->path_ = path;
    res->name_ = name;
    if (is_dynamic(path)) {
        res->kind_ = Resource::Kind::dynamic;
        res->pattern_ = std::make_unique<detail::PathPattern>(detail::PathPattern::parse(path));
    }
    return register_resource(std::move(res));
}

Route& Router::add_route(std::string_view method, std::string_view path, Handler handler, RouteOptions options) {
    check_not_frozen();
    if (!handler) throw std::invalid_argument("empty handler for '" + std::string(path) + "'");
    Resource& res = resource_for(path, options.name);
    std::string m(method);
    for (auto& c : m) c = char(std::toupper(static_cast<unsigned char>(c)));
    for (auto& r : res.routes_)
        if (r->method_ == m)
            throw std::invalid_argument("duplicate route: " + m + " " + std::string(path));
    auto route = std::make_unique<Route>();
    route->method_ = m;
    route->handler_ = std::move(handler);
    route->resource_ = &res;
    route->app_ = app_;
    Route& ref = *route;
    res.routes_.push_back(std::move(route));
    return ref;
}

Route& Router::add_get(std::string_view path, Handler handler, RouteOptions options) {
    if (options.allow_head) {
        Route& get = add_route("GET", path, handler, options);
        add_route("HEAD", path, std::move(handler), {});
        return get;
    }
    return add_route("GET", path, std::move(handler), options);
}
Route& Router::add_post(std::string_view p, Handler h, RouteOptions o) { return add_route("POST", p, std::move(h), o); }
Route& Router::add_put(std::string_view p, Handler h, RouteOptions o) { return add_route("PUT", p, std::move(h), o); }
Route& Router::add_patch(std::string_view p, Handler h, RouteOptions o) { return add_route("PATCH", p, std::move(h), o); }
Route& Router::add_delete(std::string_view p, Handler h, RouteOptions o) { return add_route("DELETE", p, std::move(h), o); }
Route& Router::add_head(std::string_view p, Handler h, RouteOptions o) { return add_route("HEAD", p, std::move(h), o); }

Resource& Router::add_static(std::string_view prefix, std::filesystem::path directory, StaticOptions options) {
    std::error_code ec;
    auto root = std::filesystem::canonical(directory, ec);
    if (ec || !std::filesystem::is_directory(root))
        throw std::invalid_argument("add_static: '" + directory.string() + "' is not a directory");
    auto res = std::make_unique<Resource>();
    res->kind_ = Resource::Kind::static_files;
    res->path_ = normalize_prefix(prefix);
    res->name_ = options.name;
    res->directory_ = root;
    res->static_options_ = std::move(options);
    Resource& r = register_resource(std::move(res));
    Handler serve = [&r](Request& req) { return detail::serve_static(req, r.directory_, r.static_options_.follow_symlinks, r.static_options_.show_index); };
    for (const char* m : {"GET", "HEAD"}) {
        auto route = std::make_unique<Route>();
        route->method_ = m;
        route->handler_ = serve;
        route->resource_ = &r;
        route->app_ = app_;
        r.routes_.push_back(std::move(route));
    }
    return r;
}

void Router::mount_subapp(std::string_view prefix, Application& subapp) {
    auto res = std::make_unique<Resource>();
    res->kind_ = Resource::Kind::subapp;
    res->path_ = normalize_prefix(prefix);
    if (res->path_ == "/") throw std::invalid_argument("a sub-application needs a non-root prefix");
    res->subapp_ = &subapp;
    subapp.router().prefix_ = res->path_;
    register_resource(std::move(res));
}

const Resource& Router::named(std::string_view name) const {
    auto it = named_.find(name);
    if (it == named_.end()) throw std::out_of_range("no route named '" + std::string(name) + "'");
    return *it->second;
}

std::string Router::url_for(std::string_view name, const MultiDict& parts, const MultiDict& query) const {
    return named(name).url_for(parts, query);
}

const Route* Router::resolve(std::string_view method, std::string_view path, MatchInfo& match,
                             std::vector<std::string>& allowed) const {
    auto pick = [&](const Resource& r) -> const Route* {
        for (auto& route : r.routes_)
            if (route->method_ == method || route->method_ == "*") return route.get();
        for (auto& route : r.routes_)
            if (std::find(allowed.begin(), allowed.end(), route->method_) == allowed.end())
                allowed.push_back(route->method_);
        return nullptr;
    };

    if (!plain_.empty()) {
        auto it = plain_.find(path);
        if (it != plain_.end())
            if (auto* route = pick(*it->second)) return route;
    }
    for (auto* r : ordered_) {
        switch (r->kind_) {
            case Resource::Kind::subapp: {
                auto& prefix = r->path_;
                if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
                    path[prefix.size()] == '/') {
                    if (auto* route = r->subapp_->router().resolve(method, path.substr(prefix.size()), match, allowed))
                        return route;
                }
                break;
            }
            case Resource::Kind::static_files: {
                auto& prefix = r->path_;
                auto base = prefix == "/" ? std::size_t(0) : prefix.size();
                if (path.size() > base + 1 && path.compare(0, base, prefix, 0, base) == 0 && path[base] == '/') {
                    match.values_.clear();
                    match.values_.add("filename", path.substr(base + 1));
                    if (auto* route = pick(*r)) return route;
                }
                break;
            }
            default:
                match.values_.clear();
                if (r->pattern_->match(path, match.values_))
                    if (auto* route = pick(*r)) return route;
                break;
        }
    }
    match.values_.clear();
    return nullptr;
}

}  // namespace asiohttp::web
