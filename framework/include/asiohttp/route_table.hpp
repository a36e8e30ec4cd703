// Routes declared beside their handlers and added in one go, as aiohttp's
// RouteTableDef and app.add_routes:
//
//   web::RouteTableDef routes;
//   routes.get("/", index).post("/notes", create_note, {.name = "notes"}).view<NoteView>("/notes/{id}");
//   app.router().add_routes(routes);
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "asiohttp/router.hpp"
#include "asiohttp/view.hpp"

namespace asiohttp::web {

class RouteTableDef {
public:
    struct Entry {
        std::string method;  // GET also answers HEAD unless options.allow_head is false
        std::string path;
        Handler handler;
        RouteOptions options;
    };

    RouteTableDef& route(std::string_view method, std::string_view path, Handler h, RouteOptions o = {}) {
        entries_.push_back({std::string(method), std::string(path), std::move(h), std::move(o)});
        return *this;
    }
    RouteTableDef& get(std::string_view p, Handler h, RouteOptions o = {}) { return route("GET", p, std::move(h), o); }
    RouteTableDef& post(std::string_view p, Handler h, RouteOptions o = {}) { return route("POST", p, std::move(h), o); }
    RouteTableDef& put(std::string_view p, Handler h, RouteOptions o = {}) { return route("PUT", p, std::move(h), o); }
    RouteTableDef& patch(std::string_view p, Handler h, RouteOptions o = {}) { return route("PATCH", p, std::move(h), o); }
    RouteTableDef& del(std::string_view p, Handler h, RouteOptions o = {}) { return route("DELETE", p, std::move(h), o); }
    template <class V>
    RouteTableDef& view(std::string_view path, RouteOptions options = {}) {
        detail::for_each_view_method<V>(
            [&](std::string_view method, Handler handler) { route(method, path, std::move(handler), options); });
        return *this;
    }

    const std::vector<Entry>& entries() const noexcept { return entries_; }

private:
    std::vector<Entry> entries_;
};

}  // namespace asiohttp::web
