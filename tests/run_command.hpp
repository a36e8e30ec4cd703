// Runs a shell command as a user would type it, for tests of the binaries and
// of outside tools (curl, openssl) against our servers.
#pragma once

#include <cstdio>
#include <string>
#include <utility>

#include <sys/wait.h>

struct CommandResult {
    int status = -1;  // the exit status; -1 if it did not exit normally
    std::string output;
};

// `stderr_too`: stderr joins stdout in output; otherwise it is discarded.
inline CommandResult run_command(const std::string& command, bool stderr_too = true) {
    FILE* p = ::popen((command + (stderr_too ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
    CommandResult r;
    if (!p) return r;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
    const int status = ::pclose(p);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}
