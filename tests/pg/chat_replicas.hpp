// Two demo processes on one database of their own, as two replicas of the chat
// behind a load balancer; the database goes with them.
#pragma once

#include <pqxx/connection>
#include <pqxx/nontransaction>

#include "chat_events.hpp"
#include "demo_process.hpp"
#include "test_support.hpp"


// A database created for one test and dropped after it, on the throwaway server
// (`prefix`: lower case, short: PostgreSQL folds and cuts names at 63 bytes).
struct TestDatabase {
    std::string name, url;
    explicit TestDatabase(const std::string& prefix) {
        const char* base = std::getenv("ASIOHTTP_TEST_DATABASE_URL");
        if (!base || !*base) throw std::runtime_error("ASIOHTTP_TEST_DATABASE_URL is not set: run tests/run-all.sh");
        name = prefix + "_" + std::to_string(::getpid());
        admin_url = base;
        url = admin_url.substr(0, admin_url.rfind('/') + 1) + name;
        pqxx::connection c(admin_url);
        pqxx::nontransaction tx(c);
        tx.exec("drop database if exists " + name + " with (force)");
        tx.exec("create database " + name);
    }
    ~TestDatabase() {
        try {
            pqxx::connection c(admin_url);
            pqxx::nontransaction(c).exec("drop database if exists " + name + " with (force)");
        } catch (const std::exception& e) {
            ADD_FAILURE() << "dropping database " << name << ": " << e.what();
        }
    }
    std::string admin_url;
};

// One replica: the demo with --database-url, on a port of its own.
struct ChatReplica {
    DemoProcess process;
    std::uint16_t port;
    explicit ChatReplica(const std::string& database_url)
        : process({"--host", "127.0.0.1", "--port", "0", "--threads", "2", "--access-log", "false", "--database-url",
                   database_url}),
          port(process.port()) {}
    // A replica still running is stopped as an orchestrator stops it, and must
    // exit 0 (a crash at shutdown was once seen only as `docker stop`'s 139).
    ~ChatReplica() {
        if (process.pid() > 0) {
            EXPECT_EQ(process.stop(SIGTERM), 0) << "the replica's exit status after SIGTERM";
        }
    }
    ChatReplica(const ChatReplica&) = delete;
    ChatReplica& operator=(const ChatReplica&) = delete;
    WSClient join(const std::string& room, const std::string& name) const {
        return WSClient("127.0.0.1", port, path(room, name));
    }
    std::unique_ptr<WSClient> join_new(const std::string& room, const std::string& name) const {
        return std::make_unique<WSClient>("127.0.0.1", port, path(room, name));
    }
    static std::string path(const std::string& room, const std::string& name) {
        return "/ws/chat?room=" + room + "&name=" + name;
    }
};

// Joins and waits for the room's member list: the member is in from then on.
inline json members_on_joining(WSClient& ws) { return next_of(ws, "members"); }
