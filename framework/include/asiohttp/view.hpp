// Class-based views, as aiohttp's web.View: one class for a path, a member
// function per HTTP method it answers, a fresh object for each request.
//
//   struct NoteView : web::View {
//       using View::View;
//       awaitable<web::Response> get();   // GET (and HEAD)
//       awaitable<web::Response> del();   // DELETE ("delete" is taken in C++)
//   };
//   app.router().add_view<NoteView>("/notes/{id}", {.name = "note"});
//
// The methods are found at compile time: any other method on that path is a
// 405 whose Allow lists exactly the ones the view has.
#pragma once

#include <string_view>
#include <type_traits>

#include "asiohttp/router.hpp"

namespace asiohttp::web {

class View {
public:
    explicit View(Request& request) noexcept : request_(request) {}
    Request& request() const noexcept { return request_; }

private:
    Request& request_;
};

}  // namespace asiohttp::web

namespace asiohttp::detail {

// Calls add(method, handler) for each HTTP method view type V answers.
template <class V, class Add>
void for_each_view_method(Add add) {
    static_assert(std::is_base_of_v<web::View, V>, "a view derives from web::View");
    static_assert(std::is_constructible_v<V, web::Request&>, "a view is made from the request (using View::View)");
    constexpr bool any = requires(V v) { v.get(); } || requires(V v) { v.post(); } || requires(V v) { v.put(); } ||
                         requires(V v) { v.patch(); } || requires(V v) { v.del(); };
    static_assert(any, "a view has at least one of get, post, put, patch, del");
    if constexpr (requires(V v) { v.get(); })
        add("GET", [](web::Request& r) -> awaitable<web::Response> { V v(r); co_return co_await v.get(); });
    if constexpr (requires(V v) { v.post(); })
        add("POST", [](web::Request& r) -> awaitable<web::Response> { V v(r); co_return co_await v.post(); });
    if constexpr (requires(V v) { v.put(); })
        add("PUT", [](web::Request& r) -> awaitable<web::Response> { V v(r); co_return co_await v.put(); });
    if constexpr (requires(V v) { v.patch(); })
        add("PATCH", [](web::Request& r) -> awaitable<web::Response> { V v(r); co_return co_await v.patch(); });
    if constexpr (requires(V v) { v.del(); })
        add("DELETE", [](web::Request& r) -> awaitable<web::Response> { V v(r); co_return co_await v.del(); });
}

}  // namespace asiohttp::detail

namespace asiohttp::web {

template <class V>
void Router::add_view(std::string_view path, RouteOptions options) {
    detail::for_each_view_method<V>(
        [&](std::string_view method, Handler handler) { add_for_method(method, path, std::move(handler), options); });
}

}  // namespace asiohttp::web
