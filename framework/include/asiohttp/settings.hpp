// A program's settings from the command line, the environment and a config
// file, in that order of precedence, with a generated --help.
//
//   asiohttp::Settings settings("my-service", "What my service does.");
//   web::ServerConfig server;
//   web::add_server_settings(settings, server);          // host, port, tls-cert, ...
//   settings.add("database-url", dsn, "PostgreSQL DSN").env("DATABASE_URL");
//   settings.parse(argc, argv);                          // --help: exit 0; bad value: one line, exit 2
//
// A key `foo-bar` is `--foo-bar VALUE` (or `--foo-bar=VALUE`) on the command line,
// `foo-bar = VALUE` in the file named by `--config` (or $<PREFIX>CONFIG), and
// $<PREFIX>FOO_BAR in the environment. Values: integers may end in k, M or G
// (1024-based); durations are seconds ("7", "0.5") or carry a unit ("500ms",
// "2s", "1m"); flags take true/false, yes/no, on/off or 1/0, and a bare `--flag`
// means true; lists repeat the option or separate items with commas.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace asiohttp {

// A value that cannot be used, or an unknown option: what() is the one line
// printed before exiting with status 2.
class SettingsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Settings {
public:
    struct Spec;
    // One key, as add() returns it, to give it more names.
    class Key {
    public:
        // Environment names read instead of $<PREFIX>KEY, the first one set wins.
        Key& env(std::vector<std::string> names);
        // A one-letter alias on the command line: -p 8080.
        Key& short_name(char letter);
        // The placeholder shown in --help ("FILE", "SECONDS", ...).
        Key& metavar(std::string name);

    private:
        friend class Settings;
        explicit Key(Spec& spec) : spec_(&spec) {}
        Spec* spec_;
    };

    // env_prefix starts every derived environment name ("ASIOHTTP_PORT").
    explicit Settings(std::string program, std::string summary = {}, std::string env_prefix = "ASIOHTTP_");
    ~Settings();
    Settings(const Settings&) = delete;
    Settings& operator=(const Settings&) = delete;

    // The target keeps its value when no source names the key; that value is the
    // default --help shows. An environment variable set to "" counts as unset.
    Key add(std::string key, std::string& target, std::string help);
    Key add(std::string key, bool& target, std::string help);
    Key add(std::string key, std::uint16_t& target, std::string help);
    Key add(std::string key, std::optional<std::uint16_t>& target, std::string help);
    Key add(std::string key, unsigned& target, std::string help);
    Key add(std::string key, int& target, std::string help);
    Key add(std::string key, std::size_t& target, std::string help);
    Key add(std::string key, double& target, std::string help);
    Key add(std::string key, std::chrono::milliseconds& target, std::string help);
    Key add(std::string key, std::optional<std::chrono::milliseconds>& target, std::string help);
    Key add(std::string key, std::vector<std::string>& target, std::string help);
    // Bare words on the command line (only there), e.g. fetch's URLs.
    void positional(std::string name, std::vector<std::string>& target, std::string help);
    // Runs after every key is set, in the order added; a SettingsError (or any
    // std::exception) it throws is reported like a bad value.
    void check(std::function<void()> validate);

    enum class Outcome { run, help };
    // Fills the targets. Throws SettingsError; returns help when --help was asked for.
    Outcome parse_args(const std::vector<std::string>& args);
    // parse_args for main(): prints --help and exits 0, or prints the error and exits 2.
    void parse(int argc, char** argv);
    // The generated --help text.
    std::string help() const;
    // Whether a source (not the default) named the key in the last parse.
    bool given(const std::string& key) const;

private:
    struct Impl;
    Key add_spec(std::unique_ptr<Spec> spec);
    std::unique_ptr<Impl> impl_;
};

}  // namespace asiohttp
