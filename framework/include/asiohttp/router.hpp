// web::Router: aiohttp's UrlDispatcher.
//
//   app.router().add_get("/notes", list_notes, {.name = "notes"});
//   app.router().add_get("/notes/{id:\\d+}", get_note, {.name = "note"});
//   app.router().url_for("note", {{"id", "7"}});   // "/notes/7"
//
// Resolution order: exact (plain) paths first, by hash lookup; then the other
// resources (variables, static directories, sub-applications) in the order they
// were added. A path that matches but not for this method is a 405 with Allow.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "asiohttp/handler.hpp"
#include "asiohttp/multidict.hpp"

namespace asiohttp::web {

class Application;
class Resource;
class Router;
class RouteTableDef;

}  // namespace asiohttp::web

namespace asiohttp::detail {
class SubAppResource;
// Lets maps keyed by std::string be searched with a string_view, without a copy.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
}  // namespace asiohttp::detail

namespace asiohttp::web {

struct RouteOptions {
    std::string name;        // for url_for
    bool allow_head = true;  // add_get also answers HEAD
    // This route's request body limit, instead of ServerConfig::client_max_size
    // (an upload route may take more, or an API less).
    std::optional<std::size_t> client_max_size;
};

struct StaticOptions {
    std::string name;
    bool follow_symlinks = false;  // symlinks leading out of the directory are refused unless set
    bool show_index = false;       // directory listings
};

class Route {
public:
    std::string_view method() const noexcept { return method_; }
    const Handler& handler() const noexcept { return handler_; }
    const Resource& resource() const noexcept { return *resource_; }
    Application& app() const noexcept { return *app_; }
    // Middlewares of every application from the root down to this route's, outermost first.
    const std::vector<const Middleware*>& middlewares() const noexcept { return chain_; }
    // The path as registered, from the root ("/admin/notes/{id}"): what logs and
    // metrics name a request by, never its raw path. Set when the application freezes.
    const std::string& path_template() const noexcept { return template_; }
    // RouteOptions::client_max_size.
    std::optional<std::size_t> client_max_size() const noexcept { return client_max_size_; }

private:
    friend class Router;
    friend class Resource;
    friend class Application;
    std::string method_;
    Handler handler_;
    Resource* resource_ = nullptr;
    Application* app_ = nullptr;
    std::vector<const Middleware*> chain_;
    std::string template_;
    std::optional<std::size_t> client_max_size_;
};

// One path of the router and the routes (methods) under it. The kinds are
// aiohttp's: a plain path, a path with variables, a static directory, a mounted
// sub-application (web/resources.hpp).
class Resource {
public:
    virtual ~Resource();
    std::string_view name() const noexcept { return name_; }
    // The path as registered, e.g. "/notes/{id:\\d+}", without a sub-application prefix.
    std::string_view canonical() const noexcept { return path_; }
    // Builds this resource's URL from its variables and an optional query.
    std::string url_for(const MultiDict& parts = {}, const MultiDict& query = {}) const;
    const std::vector<std::unique_ptr<Route>>& routes() const noexcept { return routes_; }

protected:
    Resource(std::string path, std::string name) : name_(std::move(name)), path_(std::move(path)) {}
    // The route for `method` when `path` is this resource's (filling `values`),
    // else null; a path that matches for other methods adds them to `allowed`.
    virtual const Route* resolve(std::string_view method, std::string_view path, MultiDict& values,
                                 std::vector<std::string>& allowed) const = 0;
    // This resource's part of url_for, after the mount prefix.
    virtual std::string format(const MultiDict& parts) const = 0;
    // Whether routes added at `path` join this resource (plain and variable paths).
    virtual bool takes_routes_at(std::string_view) const { return false; }
    // The route for `method` among this resource's, or null with `allowed` extended.
    const Route* pick(std::string_view method, std::vector<std::string>& allowed) const;
    Route& add(std::string method, Handler handler, Application& app);

private:
    friend class Router;
    friend class Application;
    std::string name_;
    std::string path_;
    const Router* router_ = nullptr;  // the owning router (for its mount prefix)
    std::vector<std::unique_ptr<Route>> routes_;
};

class MatchInfo;

class Router {
public:
    explicit Router(Application& app);
    ~Router();
    Router(const Router&) = delete;
    Router& operator=(const Router&) = delete;

    // method "*" matches any method.
    Route& add_route(std::string_view method, std::string_view path, Handler handler, RouteOptions options = {});
    Route& add_get(std::string_view path, Handler handler, RouteOptions options = {});
    Route& add_post(std::string_view path, Handler handler, RouteOptions options = {});
    Route& add_put(std::string_view path, Handler handler, RouteOptions options = {});
    Route& add_patch(std::string_view path, Handler handler, RouteOptions options = {});
    Route& add_delete(std::string_view path, Handler handler, RouteOptions options = {});
    Route& add_head(std::string_view path, Handler handler, RouteOptions options = {});

    // Every route of a table (asiohttp/route_table.hpp), in the order declared.
    void add_routes(const RouteTableDef& table);
    // A class-based view's methods at `path` (asiohttp/view.hpp, which defines it).
    template <class V>
    void add_view(std::string_view path, RouteOptions options = {});

    // Serves files under `directory` at `prefix`/..., refusing paths that leave it.
    Resource& add_static(std::string_view prefix, std::filesystem::path directory, StaticOptions options = {});

    // The resource registered under `name`; throws std::out_of_range.
    const Resource& named(std::string_view name) const;
    std::string url_for(std::string_view name, const MultiDict& parts = {}, const MultiDict& query = {}) const;

    const std::vector<std::unique_ptr<Resource>>& resources() const noexcept { return resources_; }

    // Finds the route for method and decoded path; fills `match`. When nothing
    // matches, `allowed` lists the methods the path does accept (empty: 404).
    const Route* resolve(std::string_view method, std::string_view path, MatchInfo& match,
                         std::vector<std::string>& allowed) const;

private:
    friend class Application;
    friend class Resource;
    friend class detail::SubAppResource;
    const Route* resolve(std::string_view method, std::string_view path, MultiDict& values,
                         std::vector<std::string>& allowed) const;
    Resource& resource_for(std::string_view path, std::string_view name);
    // GET through add_get (so HEAD too, unless the options say not), others through add_route.
    Route& add_for_method(std::string_view method, std::string_view path, Handler handler, RouteOptions options);
    Resource& register_resource(std::unique_ptr<Resource> resource);
    void mount_subapp(std::string_view prefix, Application& subapp);
    void check_not_frozen() const;
    // The prefix of this router's application from the root ("/admin/api").
    std::string full_prefix() const;

    Application* app_;
    std::string prefix_;  // where this router's application is mounted ("" for the root)
    bool frozen_ = false;
    std::vector<std::unique_ptr<Resource>> resources_;
    std::unordered_map<std::string, Resource*, detail::StringHash, std::equal_to<>> plain_;
    std::vector<Resource*> ordered_;
    std::unordered_map<std::string, Resource*, detail::StringHash, std::equal_to<>> named_;
};

}  // namespace asiohttp::web
