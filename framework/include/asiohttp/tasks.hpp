// Many coroutines in flight on one thread, as asyncio's helpers that people use
// with aiohttp: Task (create_task), gather, as_completed and wait.
//
//   auto [a, b] = co_await gather(session.get(u1), session.get(u2));
//   auto results = co_await gather(std::move(requests), return_exceptions);
//   auto [done, pending] = co_await wait(std::move(tasks), ReturnWhen::first_exception);
//
// Unlike asyncio's gather, a failure without return_exceptions cancels the other
// coroutines and waits for them before it is rethrown: none outlives the call,
// so none is left holding references into a finished caller.
#pragma once

#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/this_coro.hpp>

#include "asiohttp/awaitable.hpp"

namespace boost::asio {
class io_context;
}

namespace asiohttp {

// as_completed's or wait's timeout passed (the tasks themselves keep running).
class TimeoutError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class ReturnWhen { first_completed, first_exception, all_completed };

struct ReturnExceptions {};
inline constexpr ReturnExceptions return_exceptions{};

namespace detail {

class Notifier;

// What every task shares whatever its result type: done, the exception, cancellation.
class TaskCore : public std::enable_shared_from_this<TaskCore> {
public:
    explicit TaskCore(boost::asio::any_io_executor ex);
    virtual ~TaskCore();
    bool done() const;
    bool failed() const;
    bool cancel_requested() const;
    std::exception_ptr exception() const;
    // Asks the coroutine to stop: its current (or next) operation fails with operation_aborted.
    void cancel();
    // Tells `notifier` `index` once done (at once if it is already).
    void notify(std::shared_ptr<Notifier> notifier, std::size_t index);
    void finish(std::exception_ptr error);

private:
    friend void spawn_task(std::shared_ptr<TaskCore>, awaitable<void>);
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

void spawn_task(std::shared_ptr<TaskCore> core, awaitable<void> body);

using Deadline = std::optional<std::chrono::steady_clock::time_point>;
Deadline deadline_after(std::optional<std::chrono::milliseconds> timeout);

// Waits until `when` holds for `tasks`; false if the deadline passed first.
awaitable<bool> wait_for(std::vector<std::shared_ptr<TaskCore>> tasks, ReturnWhen when, Deadline deadline);

// For as_completed: the indices of tasks in the order they finish.
std::shared_ptr<Notifier> make_notifier(boost::asio::any_io_executor ex, std::size_t capacity);
awaitable<std::optional<std::size_t>> next_notified(std::shared_ptr<Notifier> notifier, Deadline deadline);

}  // namespace detail

template <class T>
class Task;
namespace detail {
// The what() of an exception, "unknown exception" if it is not a std::exception.
std::string what_of(const std::exception_ptr& e);
// The shared states of tasks, for waiting on them.
template <class T>
std::vector<std::shared_ptr<TaskCore>> cores(const std::vector<Task<T>>& tasks);
}  // namespace detail
template <class T>
Task<T> create_task(const boost::asio::any_io_executor& ex, awaitable<T> aw, std::size_t index = 0);

// A coroutine running on its own, as asyncio.Task: it starts at once and its
// result or exception is kept until asked for.
template <class T>
class Task {
public:
    using value_type = T;

    bool done() const { return state_->done(); }
    // Done without an exception.
    bool ok() const { return state_->done() && !state_->failed(); }
    bool cancelled() const { return state_->cancel_requested() && state_->failed(); }
    void cancel() const { state_->cancel(); }
    std::exception_ptr exception() const { return state_->exception(); }
    // The exception's what(), or "" when there is none.
    std::string error_message() const;

    // The result, once done(): rethrows the task's exception.
    decltype(auto) result() const {
        if (auto e = state_->exception()) std::rethrow_exception(e);
        if constexpr (!std::is_void_v<T>) return static_cast<const T&>(*state_->value);
    }
    // Waits for the task and returns its result (or rethrows its exception).
    awaitable<T> wait() const;

    // The task's place in the list given to gather, wait or as_completed.
    std::size_t index() const noexcept { return index_; }

private:
    template <class U>
    friend Task<U> create_task(const boost::asio::any_io_executor& ex, awaitable<U> aw, std::size_t index);
    template <class U>
    friend std::vector<std::shared_ptr<detail::TaskCore>> detail::cores(const std::vector<Task<U>>& tasks);
    template <class U>
    friend awaitable<std::conditional_t<std::is_void_v<U>, void, std::vector<U>>> gather(std::vector<awaitable<U>>);
    template <class... U>
    friend awaitable<std::tuple<U...>> gather(awaitable<U>...);

    using Stored = std::conditional_t<std::is_void_v<T>, std::monostate, T>;
    struct State : detail::TaskCore {
        using detail::TaskCore::TaskCore;
        std::optional<Stored> value;
    };
    static awaitable<void> run(std::shared_ptr<State> state, awaitable<T> body);
    Stored take() const {
        if (auto e = state_->exception()) std::rethrow_exception(e);
        return std::move(*state_->value);
    }

    std::shared_ptr<State> state_;
    std::size_t index_ = 0;
};

// Starts `aw` on `ex` at once.
template <class T>
Task<T> create_task(const boost::asio::any_io_executor& ex, awaitable<T> aw, std::size_t index) {
    Task<T> t;
    t.state_ = std::make_shared<typename Task<T>::State>(ex);
    t.index_ = index;
    detail::spawn_task(t.state_, Task<T>::run(t.state_, std::move(aw)));
    return t;
}

// Starts each awaitable as a task on the calling coroutine's executor.
template <class T>
awaitable<std::vector<Task<T>>> create_tasks(std::vector<awaitable<T>> aws) {
    auto ex = co_await boost::asio::this_coro::executor;
    std::vector<Task<T>> tasks;
    tasks.reserve(aws.size());
    for (std::size_t i = 0; i < aws.size(); ++i) tasks.push_back(create_task(ex, std::move(aws[i]), i));
    co_return tasks;
}

template <class T>
std::vector<std::shared_ptr<detail::TaskCore>> detail::cores(const std::vector<Task<T>>& tasks) {
    std::vector<std::shared_ptr<detail::TaskCore>> out;
    out.reserve(tasks.size());
    for (auto& t : tasks) out.push_back(t.state_);
    return out;
}

// Every result in the order given. The first failure cancels the others,
// waits for them, and is rethrown.
template <class T>
awaitable<std::conditional_t<std::is_void_v<T>, void, std::vector<T>>> gather(std::vector<awaitable<T>> aws) {
    auto tasks = co_await create_tasks(std::move(aws));
    co_await detail::wait_for(detail::cores(tasks), ReturnWhen::first_exception, {});
    std::exception_ptr first;
    for (auto& t : tasks)
        if (t.done() && t.exception() && !first) first = t.exception();
    if (first) {
        for (auto& t : tasks) t.cancel();
        co_await detail::wait_for(detail::cores(tasks), ReturnWhen::all_completed, {});
        std::rethrow_exception(first);
    }
    if constexpr (!std::is_void_v<T>) {
        std::vector<T> values;
        values.reserve(tasks.size());
        for (auto& t : tasks) values.push_back(t.take());
        co_return values;
    }
}

// Every task, done, in the order given: failures come back as values
// (task.ok(), task.exception()) instead of cancelling the rest.
template <class T>
awaitable<std::vector<Task<T>>> gather(std::vector<awaitable<T>> aws, ReturnExceptions) {
    auto tasks = co_await create_tasks(std::move(aws));
    co_await detail::wait_for(detail::cores(tasks), ReturnWhen::all_completed, {});
    co_return tasks;
}

// gather(a, b, c) for results of different types.
template <class... T>
awaitable<std::tuple<T...>> gather(awaitable<T>... aws) {
    auto ex = co_await boost::asio::this_coro::executor;
    std::tuple<Task<T>...> tasks{create_task(ex, std::move(aws))...};
    std::vector<std::shared_ptr<detail::TaskCore>> all;
    std::apply([&](auto&... t) { (all.push_back(t.state_), ...); }, tasks);
    co_await detail::wait_for(all, ReturnWhen::first_exception, {});
    std::exception_ptr first;
    for (auto& c : all)
        if (c->done() && c->exception() && !first) first = c->exception();
    if (first) {
        for (auto& c : all) c->cancel();
        co_await detail::wait_for(all, ReturnWhen::all_completed, {});
        std::rethrow_exception(first);
    }
    co_return std::apply([](auto&... t) { return std::tuple<T...>(t.take()...); }, tasks);
}

template <class T>
struct WaitResult {
    std::vector<Task<T>> done, pending;
};

// As asyncio.wait: returns when `when` holds or the timeout passes (no error
// then: whatever has not finished is in `pending`, still running; cancel() it
// if it should stop).
template <class T>
awaitable<WaitResult<T>> wait(std::vector<Task<T>> tasks, ReturnWhen when = ReturnWhen::all_completed,
                              std::optional<std::chrono::milliseconds> timeout = {}) {
    co_await detail::wait_for(detail::cores(tasks), when, detail::deadline_after(timeout));
    WaitResult<T> r;
    for (auto& t : tasks) (t.done() ? r.done : r.pending).push_back(std::move(t));
    co_return r;
}

// As asyncio.as_completed: the tasks in the order they finish.
//
//   auto it = as_completed(std::move(tasks), 5s);
//   while (auto t = co_await it.next()) use(t->result());
template <class T>
class AsCompleted {
public:
    AsCompleted(std::vector<Task<T>> tasks, std::optional<std::chrono::milliseconds> timeout)
        : tasks_(std::move(tasks)), deadline_(detail::deadline_after(timeout)) {}
    AsCompleted(AsCompleted&&) noexcept = default;
    // Tasks not handed out yet are cancelled.
    ~AsCompleted() {
        for (auto& t : tasks_)
            if (!t.done()) t.cancel();
    }

    // The next task to finish, or nullopt once all were handed out. Throws
    // TimeoutError when the timeout passes first.
    awaitable<std::optional<Task<T>>> next() {
        if (handed_out_ == tasks_.size()) co_return std::nullopt;
        if (!notifier_) {
            notifier_ = detail::make_notifier(co_await boost::asio::this_coro::executor, tasks_.size());
            auto all = detail::cores(tasks_);
            for (std::size_t i = 0; i < all.size(); ++i) all[i]->notify(notifier_, i);
        }
        auto index = co_await detail::next_notified(notifier_, deadline_);
        if (!index) throw TimeoutError("as_completed: timed out");
        ++handed_out_;
        co_return tasks_[*index];
    }

private:
    std::vector<Task<T>> tasks_;
    detail::Deadline deadline_;
    std::shared_ptr<detail::Notifier> notifier_;
    std::size_t handed_out_ = 0;
};

template <class T>
AsCompleted<T> as_completed(std::vector<Task<T>> tasks, std::optional<std::chrono::milliseconds> timeout = {}) {
    return AsCompleted<T>(std::move(tasks), timeout);
}

namespace detail {
// Runs `main` to its end on `ioc` (a new io_context when null); rethrows its exception.
void run_main(boost::asio::io_context* ioc, awaitable<void> main);
template <class T>
awaitable<void> store_result(awaitable<T> main, std::optional<T>& out) {
    T v = co_await std::move(main);
    out.emplace(std::move(v));
}
}  // namespace detail

// As asyncio.run: runs `main` on a new io_context in this thread until it
// finishes, and returns its result (or rethrows its exception).
template <class T>
T run(awaitable<T> main) {
    if constexpr (std::is_void_v<T>) {
        detail::run_main(nullptr, std::move(main));
    } else {
        std::optional<T> out;
        detail::run_main(nullptr, detail::store_result(std::move(main), out));
        return std::move(*out);
    }
}

// --- implementation ---

template <class T>
awaitable<void> Task<T>::run(std::shared_ptr<State> state, awaitable<T> body) {
    std::exception_ptr error;
    try {
        if constexpr (std::is_void_v<T>) {
            co_await std::move(body);
            state->value.emplace();
        } else {
            T v = co_await std::move(body);
            state->value.emplace(std::move(v));
        }
    } catch (...) {
        error = std::current_exception();
    }
    state->finish(error);
}

template <class T>
awaitable<T> Task<T>::wait() const {
    // (named: GCC 12 miscompiles a braced temporary inside a co_await expression)
    std::vector<std::shared_ptr<detail::TaskCore>> self(1, state_);
    co_await detail::wait_for(std::move(self), ReturnWhen::all_completed, {});
    if constexpr (std::is_void_v<T>) {
        result();
    } else {
        co_return result();
    }
}

template <class T>
std::string Task<T>::error_message() const {
    auto e = state_->exception();
    return e ? detail::what_of(e) : std::string();
}

}  // namespace asiohttp
