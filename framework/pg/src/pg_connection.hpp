// One libpq connection watched by one event loop. Callers' statements go out
// as pipeline segments (their commands, then a Sync) and their results come
// back in order, so several callers can be in flight on it at once; each
// segment is its own implicit transaction unless a transaction's BEGIN opened one.
#pragma once

#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "pool_core.hpp"

namespace asiohttp::pg::detail {

using Reply = asio::any_completion_handler<void(std::exception_ptr, std::vector<Result>)>;

// Replies to hand out once the shard's lock is let go: a resumed caller may
// send again at once.
class Completions {
public:
    void add(Reply reply, std::exception_ptr error, std::vector<Result> results = {});
    // From the caller's cancellation handler: operation_aborted, posted.
    void add_cancelled(Reply reply, asio::any_io_executor loop);
    ~Completions();  // dispatches them

private:
    struct Done {
        Reply reply;
        std::exception_ptr error;
        std::vector<Result> results;
        std::optional<asio::any_io_executor> post_via;
    };
    std::vector<Done> done_;
};

class PgConnection : public std::enable_shared_from_this<PgConnection> {
public:
    PgConnection(std::unique_ptr<RawConnection> raw, std::shared_ptr<Shard> shard);
    ~PgConnection();

    Shard& shard() const noexcept { return *shard_; }

    // Everything below runs with the shard's mutex held.

    // Sends `commands` as one segment; `reply` gets one result per command.
    // With `begin`, a BEGIN goes first (its result kept back).
    void send(std::vector<Command> commands, Reply reply, bool begin, Completions& done);
    // Statements in flight.
    std::size_t depth() const noexcept { return units_.size(); }
    // Can take statements now (not broken, not waiting out a cancel).
    bool ready() const noexcept { return raw_ && !cancelling_; }
    bool idle() const noexcept { return ready() && units_.empty() && !leased_ && reserved_ == 0; }
    // Picked for a statement about to be sent: not idle (no other loop takes it) meanwhile.
    void reserve() noexcept { ++reserved_; }
    void unreserve() noexcept { --reserved_; }
    bool leased() const noexcept { return leased_; }
    // Idle a while: false if the server closed it meanwhile (a restart, an
    // administrator): it is closed then, and its next caller never sees it.
    bool still_open(Completions& done);
    void set_leased(bool leased);
    // Idle only: stops watching the socket and hands the connection back.
    std::unique_ptr<RawConnection> detach();
    // Fails what is in flight with `error` and closes.
    void close(std::exception_ptr error, Completions& done);

private:
    // A segment in flight: its commands' results, in order, up to the Sync.
    struct Unit {
        std::uint64_t id;
        std::vector<bool> visible;  // per command: is its result the caller's?
        std::vector<std::pair<std::size_t, std::string>> prepares;  // command index, statement name
        std::size_t received = 0;
        std::vector<Result> results;
        std::exception_ptr error;
        std::optional<Reply> reply;  // gone once answered or abandoned
        std::string first_sql;       // for error messages
    };

    bool send_commands(std::vector<Command>& commands, bool begin, Unit& unit, std::exception_ptr& error);
    void watch_cancellation(Unit& unit);
    void cancelled(std::uint64_t unit_id);
    void on_readable(const boost::system::error_code& ec);
    void on_writable(const boost::system::error_code& ec);
    void read_results(Completions& done);
    void flush(Completions& done);
    void wait_read();
    void finish_unit(Completions& done);
    void count_busy();
    void broke(Completions& done);
    void stop_watching();

    std::unique_ptr<RawConnection> raw_;
    std::shared_ptr<Shard> shard_;
    std::optional<asio::posix::stream_descriptor> socket_;
    std::deque<Unit> units_;
    std::uint64_t next_unit_ = 0;
    int reserved_ = 0;
    Clock::time_point idle_since_{};  // long ago: checked on first use
    bool reading_ = false, writing_ = false, leased_ = false, cancelling_ = false, counted_busy_ = false;
};

}  // namespace asiohttp::pg::detail
