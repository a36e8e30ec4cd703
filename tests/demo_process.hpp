// The demo binary in a child process, started as a user starts it (a replica,
// for the tests of several instances). Needs ASIOHTTP_DEMO_BIN.
#pragma once

#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

class DemoProcess {
public:
    // `env`: "NAME=value" entries added to the child's environment.
    explicit DemoProcess(std::vector<std::string> args, std::vector<std::string> env = {}) {
        int out[2];
        if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(out[1], STDOUT_FILENO);
            ::close(out[0]);
            for (auto& e : env) ::putenv(e.data());
            std::vector<char*> argv{const_cast<char*>(ASIOHTTP_DEMO_BIN)};
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(ASIOHTTP_DEMO_BIN, argv.data());
            ::_exit(127);
        }
        ::close(out[1]);
        stdout_ = ::fdopen(out[0], "r");
    }
    ~DemoProcess() {
        stop(SIGTERM);
        if (stdout_) std::fclose(stdout_);
    }
    DemoProcess(const DemoProcess&) = delete;
    DemoProcess& operator=(const DemoProcess&) = delete;

    pid_t pid() const noexcept { return pid_; }
    // The first line it printed ("======== Running on https://127.0.0.1:PORT ========").
    std::string banner() {
        char line[256] = {};
        if (!std::fgets(line, sizeof line, stdout_)) return {};
        return line;
    }
    // The port in the banner (started with --port 0); 0 if it printed none.
    std::uint16_t port() {
        const auto line = banner();
        const auto colon = line.rfind(':');
        if (colon == std::string::npos) return 0;
        return std::uint16_t(std::atoi(line.c_str() + colon + 1));
    }
    // Everything else it prints, up to its end (call after stop()).
    std::vector<std::string> remaining_lines() {
        std::vector<std::string> lines;
        char line[8192];
        while (std::fgets(line, sizeof line, stdout_)) lines.emplace_back(line);
        return lines;
    }
    // Sends `signal` and waits for the process to end; its exit status, 128 + N
    // when signal N ended it (as a shell or `docker inspect` reports it), -1 if
    // it was not running.
    int stop(int signal) {
        if (pid_ <= 0) return -1;
        ::kill(pid_, signal);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

private:
    pid_t pid_ = -1;
    FILE* stdout_ = nullptr;
};
