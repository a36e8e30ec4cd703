#include "asiohttp/tasks.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tasks/notifier.hpp"

namespace asiohttp::detail {

namespace asio = boost::asio;

struct TaskCore::Impl {
    asio::any_io_executor executor;
    // Emitted on the task's executor only: asio's signals are not thread-safe.
    asio::cancellation_signal signal;
    mutable std::mutex mutex;
    bool done = false;
    bool cancel_requested = false;
    std::exception_ptr error;
    std::vector<std::pair<std::shared_ptr<Notifier>, std::size_t>> waiters;
};

TaskCore::TaskCore(asio::any_io_executor ex) : impl_(std::make_unique<Impl>()) { impl_->executor = std::move(ex); }
TaskCore::~TaskCore() = default;

bool TaskCore::done() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->done;
}

bool TaskCore::failed() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->done && impl_->error;
}

bool TaskCore::cancel_requested() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->cancel_requested;
}

std::exception_ptr TaskCore::exception() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->error;
}

void TaskCore::cancel() {
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->done || impl_->cancel_requested) return;
        impl_->cancel_requested = true;
    }
    asio::post(impl_->executor, [self = shared_from_this()] {
        if (!self->done()) self->impl_->signal.emit(asio::cancellation_type::terminal);
    });
}

void TaskCore::notify(std::shared_ptr<Notifier> notifier, std::size_t index) {
    {
        std::lock_guard lock(impl_->mutex);
        if (!impl_->done) {
            impl_->waiters.emplace_back(std::move(notifier), index);
            return;
        }
    }
    notifier->notify(index);
}

void TaskCore::finish(std::exception_ptr error) {
    std::vector<std::pair<std::shared_ptr<Notifier>, std::size_t>> waiters;
    {
        std::lock_guard lock(impl_->mutex);
        impl_->done = true;
        impl_->error = std::move(error);
        waiters.swap(impl_->waiters);
    }
    for (auto& [n, i] : waiters) n->notify(i);
}

void spawn_task(std::shared_ptr<TaskCore> core, awaitable<void> body) {
    auto slot = core->impl_->signal.slot();
    asio::co_spawn(core->impl_->executor, std::move(body), asio::bind_cancellation_slot(slot, asio::detached));
}

Deadline deadline_after(std::optional<std::chrono::milliseconds> timeout) {
    if (!timeout) return std::nullopt;
    return std::chrono::steady_clock::now() + *timeout;
}

awaitable<std::optional<std::size_t>> Notifier::next(Deadline deadline) {
    using namespace asio::experimental::awaitable_operators;
    if (!deadline) {
        auto index = co_await channel_.async_receive(asio::use_awaitable);
        co_return index;
    }
    asio::steady_timer timer(channel_.get_executor(), *deadline);
    auto received = channel_.async_receive(asio::use_awaitable);
    auto expired = timer.async_wait(asio::use_awaitable);
    auto first = co_await (std::move(received) || std::move(expired));
    std::optional<std::size_t> result;
    if (first.index() == 0) result = std::get<0>(first);
    co_return result;
}

std::shared_ptr<Notifier> make_notifier(asio::any_io_executor ex, std::size_t capacity) {
    return std::make_shared<Notifier>(std::move(ex), std::max<std::size_t>(capacity, 1));
}

awaitable<std::optional<std::size_t>> next_notified(std::shared_ptr<Notifier> notifier, Deadline deadline) {
    auto index = co_await notifier->next(deadline);
    co_return index;
}

awaitable<bool> wait_for(std::vector<std::shared_ptr<TaskCore>> tasks, ReturnWhen when, Deadline deadline) {
    // Every task notifies exactly once (at once if already done).
    auto notifier = make_notifier(co_await asio::this_coro::executor, tasks.size());
    for (std::size_t i = 0; i < tasks.size(); ++i) tasks[i]->notify(notifier, i);
    std::size_t done = 0;
    bool satisfied = tasks.empty();
    while (!satisfied) {
        auto index = co_await notifier->next(deadline);
        if (!index) break;
        ++done;
        satisfied = done == tasks.size() || when == ReturnWhen::first_completed ||
                    (when == ReturnWhen::first_exception && tasks[*index]->failed());
    }
    co_return satisfied;
}

void run_main(asio::io_context* ioc, awaitable<void> main) {
    std::optional<asio::io_context> own;
    if (!ioc) ioc = &own.emplace(1);
    std::exception_ptr error;
    asio::co_spawn(*ioc, std::move(main), [&](std::exception_ptr e) { error = e; });
    ioc->restart();
    ioc->run();
    if (error) std::rethrow_exception(error);
}

std::string what_of(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        return ex.what();
    } catch (...) {
        return "unknown exception";
    }
}

}  // namespace asiohttp::detail
