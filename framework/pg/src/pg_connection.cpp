#include "pg_connection.hpp"

#include <sys/socket.h>

#include <cerrno>

#include <algorithm>

#include <boost/asio/append.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/system_error.hpp>

#include "shard.hpp"

namespace asiohttp::pg::detail {

namespace {

std::string one_line(const char* message) {
    std::string s = message ? message : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::exception_ptr sql_error(const PGresult* r, const std::string& sql) {
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    std::string sqlstate = state ? state : "";
    auto message = one_line(PQresultErrorMessage(r));
    if (sqlstate == "57014")  // query_canceled: statement_timeout
        return std::make_exception_ptr(StatementTimeoutError("statement timed out: " + message, sqlstate, sql));
    return std::make_exception_ptr(SqlError(message, sqlstate, sql));
}

std::exception_ptr lost(PGconn* pg) {
    return std::make_exception_ptr(ConnectionError("database connection lost: " + one_line(PQerrorMessage(pg))));
}

std::exception_ptr aborted() {
    return std::make_exception_ptr(
        boost::system::system_error(asio::error::operation_aborted, "pg: statement cancelled"));
}

}  // namespace

void Completions::add(Reply reply, std::exception_ptr error, std::vector<Result> results) {
    reply.get_cancellation_slot().clear();  // ours, if any: the caller's next wait brings its own
    done_.push_back({std::move(reply), std::move(error), std::move(results), std::nullopt});
}

void Completions::add_cancelled(Reply reply, asio::any_io_executor loop) {
    done_.push_back({std::move(reply), aborted(), {}, std::move(loop)});
}

Completions::~Completions() {
    for (auto& d : done_) {
        auto resume = [reply = std::move(d.reply), error = std::move(d.error),
                       results = std::move(d.results)]() mutable {
            // On the caller's own loop this resumes it here and now.
            asio::dispatch(asio::append(std::move(reply), std::move(error), std::move(results)));
        };
        // From inside the caller's cancellation handler, which must return
        // before the caller runs on (and touches its slot): by way of the loop.
        if (d.post_via) asio::post(*d.post_via, std::move(resume));
        else resume();
    }
}

PgConnection::PgConnection(std::unique_ptr<RawConnection> raw, std::shared_ptr<Shard> shard)
    : raw_(std::move(raw)), shard_(std::move(shard)) {
    socket_.emplace(shard_->executor, PQsocket(raw_->pg));
}

PgConnection::~PgConnection() {
    if (socket_) socket_->release();  // libpq closes its own socket
    if (counted_busy_) --shard_->core->busy;
}


bool PgConnection::still_open(Completions& done) {
    if (!idle() || Clock::now() - idle_since_ < std::chrono::milliseconds(50)) return true;  // busy just now: no system call
    idle_since_ = Clock::now();
    char byte;
    const auto n = ::recv(PQsocket(raw_->pg), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    // Nothing to read: alive. EOF, an error, or bytes nobody asked for (the
    // server's last words, "FATAL: terminating connection", come before its
    // EOF): it goes, and a fresh one is opened in its place.
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    close(lost(raw_->pg), done);
    return false;
}

void PgConnection::set_leased(bool leased) {
    leased_ = leased;
    count_busy();
}

void PgConnection::count_busy() {
    const bool busy = leased_ || !units_.empty();
    if (busy == counted_busy_) return;
    counted_busy_ = busy;
    if (busy) ++shard_->core->busy;
    else --shard_->core->busy;
}

bool PgConnection::send_commands(std::vector<Command>& commands, bool begin, Unit& unit, std::exception_ptr& error) {
    PGconn* pg = raw_->pg;
    // Every name known before anything goes out: a segment is sent whole or not at all.
    std::vector<std::pair<const std::string*, std::string>> to_prepare;
    for (auto& c : commands) {
        if (!c.prepared || raw_->prepared.contains(c.text)) continue;
        auto sql = shard_->core->statement_sql(c.text);
        if (!sql) {
            error = std::make_exception_ptr(SqlError("no statement was prepared as \"" + c.text + "\"", "26000", c.text));
            return true;
        }
        to_prepare.emplace_back(&c.text, std::move(*sql));
    }
    bool sent = true;
    if (begin) {
        sent = sent && PQsendQueryParams(pg, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0);
        unit.visible.push_back(false);
    }
    for (auto& [name, sql] : to_prepare) {
        if (!raw_->prepared.insert(*name).second) continue;  // twice in one batch
        sent = sent && PQsendPrepare(pg, name->c_str(), sql.c_str(), 0, nullptr);
        unit.prepares.emplace_back(unit.visible.size(), *name);
        unit.visible.push_back(false);
    }
    std::vector<const char*> values;
    for (auto& c : commands) {
        values.clear();
        for (auto& p : c.params) values.push_back(p ? p->c_str() : nullptr);
        const int n = static_cast<int>(values.size());
        sent = sent && (c.prepared ? PQsendQueryPrepared(pg, c.text.c_str(), n, values.data(), nullptr, nullptr, 0)
                                   : PQsendQueryParams(pg, c.text.c_str(), n, nullptr, values.data(), nullptr, nullptr, 0));
        unit.visible.push_back(true);
    }
    return sent && PQpipelineSync(pg) == 1;
}

void PgConnection::send(std::vector<Command> commands, Reply reply, bool begin, Completions& done) {
    if (!raw_) {
        done.add(std::move(reply), std::make_exception_ptr(ConnectionError("database connection lost")));
        return;
    }
    Unit unit{.id = next_unit_++};
    unit.first_sql = commands.empty() ? std::string() : commands.front().text;
    std::exception_ptr error;
    const bool sent = send_commands(commands, begin, unit, error);
    if (error) {  // nothing went out
        done.add(std::move(reply), std::move(error));
        return;
    }
    unit.reply.emplace(std::move(reply));
    units_.push_back(std::move(unit));
    count_busy();
    if (!sent) return broke(done);
    watch_cancellation(units_.back());
    flush(done);
    wait_read();
}

void PgConnection::watch_cancellation(Unit& unit) {
    auto slot = unit.reply->get_cancellation_slot();
    if (!slot.is_connected()) return;
    slot.assign([weak = weak_from_this(), id = unit.id](asio::cancellation_type type) {
        if (type == asio::cancellation_type::none) return;
        if (auto self = weak.lock()) self->cancelled(id);
    });
}

// The caller gave up: it resumes now; a statement the server is running for it
// is cancelled there, and its result, when it comes, is dropped.
void PgConnection::cancelled(std::uint64_t unit_id) {
    Completions done;
    std::lock_guard lock(shard_->mutex);
    auto it = std::find_if(units_.begin(), units_.end(), [&](const Unit& u) { return u.id == unit_id; });
    if (it == units_.end() || !it->reply) return;
    done.add_cancelled(std::move(*it->reply), shard_->executor);
    it->reply.reset();
    // Only the first segment is running; PostgreSQL cancels whatever runs, so
    // the connection takes nothing new until the cancel has landed.
    if (it != units_.begin() || cancelling_ || !raw_) return;
    if (PGcancel* cancel = PQgetCancel(raw_->pg)) {
        cancelling_ = true;
        // From the canceller's thread: this loop need not be running.
        cancel_on_server(cancel, [self = shared_from_this()] {
            Completions done;
            std::lock_guard lock(self->shard_->mutex);
            self->cancelling_ = false;
            if (self->raw_) self->shard_->has_room(*self, done);
        });
    }
}

void PgConnection::wait_read() {
    if (reading_ || !socket_) return;
    reading_ = true;
    socket_->async_wait(asio::posix::stream_descriptor::wait_read,
                        [self = shared_from_this()](const boost::system::error_code& ec) { self->on_readable(ec); });
}

void PgConnection::on_readable(const boost::system::error_code& ec) {
    Completions done;
    std::lock_guard lock(shard_->mutex);
    reading_ = false;
    if (!raw_ || !socket_) return;  // detached or closed meanwhile
    if (ec == asio::error::operation_aborted) {  // the loop cancelled it (only detach and close do, above)
        if (!units_.empty()) wait_read();
        return;
    }
    if (ec || !PQconsumeInput(raw_->pg)) return broke(done);
    read_results(done);
    if (!raw_) return;
    flush(done);  // libpq may have held output back while its input was full
    // Watched only while statements are in flight: an idle pool keeps no loop
    // running (and a connection the server dropped meanwhile fails its next call).
    if (!units_.empty()) wait_read();
}

void PgConnection::read_results(Completions& done) {
    PGconn* pg = raw_->pg;
    while (PGnotify* n = PQnotifies(pg)) PQfreemem(n);  // nobody LISTENs on a pool connection
    const std::size_t before = units_.size();
    int nulls = 0;
    while (!units_.empty() && !PQisBusy(pg)) {
        PGresult* r = PQgetResult(pg);
        if (!r) {  // one command's results are over
            if (++nulls > 1) break;
            continue;
        }
        nulls = 0;
        const auto status = PQresultStatus(r);
        if (status == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            finish_unit(done);
            continue;
        }
        auto& unit = units_.front();
        const std::size_t index = unit.received++;
        if (status == PGRES_FATAL_ERROR && !unit.error) unit.error = sql_error(r, unit.first_sql);
        for (auto& [at, name] : unit.prepares)  // a PREPARE that failed: the next use sends it again
            if (at == index && status != PGRES_COMMAND_OK) raw_->prepared.erase(name);
        const bool failed = status == PGRES_FATAL_ERROR || status == PGRES_PIPELINE_ABORTED;
        if (!failed && index < unit.visible.size() && unit.visible[index])
            unit.results.emplace_back(ResultData(r, PQclear));  // rows, a command's tag, or an empty query's nothing
        else
            PQclear(r);
    }
    if (PQstatus(pg) == CONNECTION_BAD) return broke(done);
    if (units_.size() != before) {
        if (units_.empty()) idle_since_ = Clock::now();
        count_busy();
        shard_->has_room(*this, done);
    }
}

void PgConnection::finish_unit(Completions& done) {
    auto unit = std::move(units_.front());
    units_.pop_front();
    if (!unit.reply) return;  // abandoned
    const auto expected = std::size_t(std::count(unit.visible.begin(), unit.visible.end(), true));
    if (!unit.error && unit.results.size() != expected)  // COPY, say: not in pipeline mode
        unit.error = std::make_exception_ptr(
            SqlError("pg: a statement gave no result the pool can return (COPY is not supported)", "0A000", unit.first_sql));
    if (unit.error) done.add(std::move(*unit.reply), std::move(unit.error));
    else done.add(std::move(*unit.reply), nullptr, std::move(unit.results));
}

void PgConnection::flush(Completions& done) {
    if (!raw_ || writing_) return;
    const int r = PQflush(raw_->pg);
    if (r < 0) return broke(done);
    if (r == 0 || !socket_) return;
    writing_ = true;
    socket_->async_wait(asio::posix::stream_descriptor::wait_write,
                        [self = shared_from_this()](const boost::system::error_code& ec) { self->on_writable(ec); });
}

void PgConnection::on_writable(const boost::system::error_code& ec) {
    Completions done;
    std::lock_guard lock(shard_->mutex);
    writing_ = false;
    if (!raw_ || !socket_) return;
    if (ec && ec != asio::error::operation_aborted) return broke(done);
    flush(done);
}

void PgConnection::broke(Completions& done) { close(lost(raw_->pg), done); }

void PgConnection::stop_watching() {
    if (!socket_) return;
    socket_->release();  // cancels the waits; libpq owns the descriptor
    socket_.reset();
}

void PgConnection::close(std::exception_ptr error, Completions& done) {
    if (!raw_) return;
    auto self = shared_from_this();  // the shard lets go of it below
    for (auto& unit : units_)
        if (unit.reply) done.add(std::move(*unit.reply), error);
    units_.clear();
    leased_ = false;
    count_busy();
    stop_watching();
    raw_.reset();
    shard_->remove(*this);
}

std::unique_ptr<RawConnection> PgConnection::detach() {
    stop_watching();
    return std::move(raw_);
}

}  // namespace asiohttp::pg::detail
