#include "asiohttp/router.hpp"

#include <stdexcept>

#include "asiohttp/application.hpp"
#include "asiohttp/file_response.hpp"
#include "asiohttp/http_exceptions.hpp"
#include "base/url_codec.hpp"
#include "web/path_pattern.hpp"
#include "web/static_files.hpp"

namespace asiohttp::web {

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
