#include "asiohttp/router.hpp"

#include <stdexcept>

#include "asiohttp/application.hpp"
#include "asiohttp/file_response.hpp"
#include "asiohttp/http_exceptions.hpp"
#include "asiohttp/route_table.hpp"
#include "base/url_codec.hpp"
#include "web/resources.hpp"
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
    url += format(parts);
    if (!query.empty()) url += "?" + asiohttp::detail::encode_query(query);
    return url;
}

const Route* Resource::pick(std::string_view method, std::vector<std::string>& allowed) const {
    for (auto& route : routes_)
        if (route->method_ == method || route->method_ == "*") return route.get();
    for (auto& route : routes_)
        if (std::find(allowed.begin(), allowed.end(), route->method_) == allowed.end())
            allowed.push_back(route->method_);
    return nullptr;
}

Route& Resource::add(std::string method, Handler handler, Application& app) {
    for (auto& r : routes_)
        if (r->method_ == method) throw std::invalid_argument("duplicate route: " + method + " " + path_);
    auto route = std::make_unique<Route>();
    route->method_ = std::move(method);
    route->handler_ = std::move(handler);
    route->resource_ = this;
    route->app_ = &app;
    routes_.push_back(std::move(route));
    return *routes_.back();
}

}  // namespace asiohttp::web

namespace asiohttp::detail {

using namespace asiohttp::web;  // the web layer's internals name its types unqualified

const Route* PlainResource::resolve(std::string_view method, std::string_view path, MultiDict&,
                                    std::vector<std::string>& allowed) const {
    return path == canonical() ? pick(method, allowed) : nullptr;
}

const Route* DynamicResource::resolve(std::string_view method, std::string_view path, MultiDict& values,
                                      std::vector<std::string>& allowed) const {
    values.clear();
    return pattern_.match(path, values) ? pick(method, allowed) : nullptr;
}

StaticResource::StaticResource(std::string prefix, std::filesystem::path directory, StaticOptions options)
    : Resource(std::move(prefix), options.name), directory_(std::move(directory)), options_(std::move(options)) {}

const Route* StaticResource::resolve(std::string_view method, std::string_view path, MultiDict& values,
                                     std::vector<std::string>& allowed) const {
    auto prefix = canonical();
    auto base = prefix == "/" ? std::size_t(0) : prefix.size();
    if (path.size() <= base + 1 || path.compare(0, base, prefix, 0, base) != 0 || path[base] != '/') return nullptr;
    values.clear();
    values.add("filename", path.substr(base + 1));
    return pick(method, allowed);
}

std::string StaticResource::format(const MultiDict& parts) const {
    auto filename = parts.get("filename");
    if (!filename) throw std::invalid_argument("url_for: static resource needs 'filename'");
    return std::string(canonical()) + "/" + asiohttp::detail::percent_encode(*filename, "/@:!$&'()*+,;=");
}

const Route* SubAppResource::resolve(std::string_view method, std::string_view path, MultiDict& values,
                                     std::vector<std::string>& allowed) const {
    auto prefix = canonical();
    if (path.size() <= prefix.size() || path.compare(0, prefix.size(), prefix) != 0 || path[prefix.size()] != '/')
        return nullptr;
    return subapp_.router().resolve(method, path.substr(prefix.size()), values, allowed);
}

}  // namespace asiohttp::detail

namespace asiohttp::web {

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
    if (dynamic_cast<detail::PlainResource*>(&r)) plain_.emplace(r.path_, &r);
    else ordered_.push_back(&r);
    resources_.push_back(std::move(resource));
    return r;
}

Resource& Router::resource_for(std::string_view path, std::string_view name) {
    check_path(path);
    // Reuse the resource of the same path (one resource, several methods), as aiohttp does.
    for (auto& r : resources_) {
        if (r->takes_routes_at(path) && (name.empty() || r->name_ == name || r->name_.empty())) {
            if (!name.empty() && r->name_.empty()) {
                if (named_.contains(name))
                    throw std::invalid_argument("duplicate route name '" + std::string(name) + "'");
                r->name_ = name;
                named_[r->name_] = r.get();
            }
            return *r;
        }
    }
    if (is_dynamic(path))
        return register_resource(std::make_unique<detail::DynamicResource>(std::string(path), std::string(name)));
    return register_resource(std::make_unique<detail::PlainResource>(std::string(path), std::string(name)));
}

Route& Router::add_route(std::string_view method, std::string_view path, Handler handler, RouteOptions options) {
    check_not_frozen();
    if (!handler) throw std::invalid_argument("empty handler for '" + std::string(path) + "'");
    Resource& res = resource_for(path, options.name);
    std::string m(method);
    for (auto& c : m) c = char(std::toupper(static_cast<unsigned char>(c)));
    Route& route = res.add(std::move(m), std::move(handler), *app_);
    route.client_max_size_ = options.client_max_size;
    return route;
}

Route& Router::add_get(std::string_view path, Handler handler, RouteOptions options) {
    if (options.allow_head) {
        Route& get = add_route("GET", path, handler, options);
        add_route("HEAD", path, std::move(handler), {.client_max_size = options.client_max_size});
        return get;
    }
    return add_route("GET", path, std::move(handler), options);
}
Route& Router::add_post(std::string_view p, Handler h, RouteOptions o) { return add_route("POST", p, std::move(h), o); }
Route& Router::add_put(std::string_view p, Handler h, RouteOptions o) { return add_route("PUT", p, std::move(h), o); }
Route& Router::add_patch(std::string_view p, Handler h, RouteOptions o) { return add_route("PATCH", p, std::move(h), o); }
Route& Router::add_delete(std::string_view p, Handler h, RouteOptions o) { return add_route("DELETE", p, std::move(h), o); }
Route& Router::add_head(std::string_view p, Handler h, RouteOptions o) { return add_route("HEAD", p, std::move(h), o); }

Route& Router::add_for_method(std::string_view method, std::string_view path, Handler handler, RouteOptions options) {
    if (method == "GET") return add_get(path, std::move(handler), std::move(options));
    return add_route(method, path, std::move(handler), std::move(options));
}

void Router::add_routes(const RouteTableDef& table) {
    for (auto& e : table.entries()) add_for_method(e.method, e.path, e.handler, e.options);
}

Resource& Router::add_static(std::string_view prefix, std::filesystem::path directory, StaticOptions options) {
    std::error_code ec;
    auto root = std::filesystem::canonical(directory, ec);
    if (ec || !std::filesystem::is_directory(root))
        throw std::invalid_argument("add_static: '" + directory.string() + "' is not a directory");
    const bool follow = options.follow_symlinks, index = options.show_index;
    Resource& r =
        register_resource(std::make_unique<detail::StaticResource>(normalize_prefix(prefix), root, std::move(options)));
    auto files = std::make_shared<const detail::StaticDirectory>(root, follow, index);
    Handler serve = [files](Request& req) { return files->serve(req); };
    r.add("GET", serve, *app_);
    r.add("HEAD", serve, *app_);
    return r;
}

void Router::mount_subapp(std::string_view prefix, Application& subapp) {
    auto path = normalize_prefix(prefix);
    if (path == "/") throw std::invalid_argument("a sub-application needs a non-root prefix");
    subapp.router().prefix_ = path;
    register_resource(std::make_unique<detail::SubAppResource>(std::move(path), subapp));
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
    return resolve(method, path, match.values_, allowed);
}

const Route* Router::resolve(std::string_view method, std::string_view path, MultiDict& values,
                             std::vector<std::string>& allowed) const {
    if (!plain_.empty()) {
        auto it = plain_.find(path);
        if (it != plain_.end())
            if (auto* route = it->second->pick(method, allowed)) return route;
    }
    for (auto* r : ordered_)
        if (auto* route = r->resolve(method, path, values, allowed)) return route;
    values.clear();
    return nullptr;
}

}  // namespace asiohttp::web
