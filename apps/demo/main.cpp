// asiohttp-demo: the main job. Settings come from the command line, then the
// environment, then the file named by --config, then the defaults.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iostream>

#include <filesystem>

#include <asiohttp/client.hpp>
#include <asiohttp/tasks.hpp>
#include <asiohttp/settings.hpp>

#include "demo_app.hpp"

namespace web = asiohttp::web;

// The chat page's files: installed beside the binary (<prefix>/share/asiohttp/static,
// as `cmake --install` and the Docker image lay them out), else the source tree's.
std::filesystem::path default_static_dir() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        auto installed = exe.parent_path().parent_path() / "share" / "asiohttp" / "static";
        if (std::filesystem::is_directory(installed, ec)) return installed;
    }
    return ASIOHTTP_DEMO_STATIC_DIR;
}

// The image's HEALTHCHECK: this binary asks the running demo, so no curl is needed.
int healthcheck(const web::ServerConfig& config) {
    const std::string host = config.host == "0.0.0.0" ? "127.0.0.1" : config.host == "::" ? "[::1]" : config.host;
    const std::string url = std::string(config.tls.enabled() ? "https://" : "http://") + host + ":" +
                            std::to_string(config.port) + "/healthz";
    try {
        return asiohttp::run([&]() -> asiohttp::awaitable<int> {
            asiohttp::ClientSessionOptions options{.timeout = {.total = std::chrono::seconds(3)}};
            options.tls.verify = false;  // our own certificate, on our own address
            asiohttp::ClientSession session(options);
            auto r = co_await session.get(url);
            const int status = r.status();
            co_return status == 200 ? 0 : 1;
        }());
    } catch (const std::exception& e) {
        std::cerr << "healthcheck: " << url << ": " << e.what() << "\n";
        return 1;
    }
}

// SESSION_KEY's 64 hex digits as the 32 bytes they spell.
std::string session_key_bytes(const std::string& hex) {
    std::string key;
    const bool is_hex = std::all_of(hex.begin(), hex.end(), [](unsigned char c) { return std::isxdigit(c); });
    for (std::size_t i = 0; is_hex && hex.size() == 64 && i < hex.size(); i += 2)
        key.push_back(char(std::stoi(hex.substr(i, 2), nullptr, 16)));
    if (key.size() != 32) throw asiohttp::SettingsError("session-key must be 64 hex digits (32 bytes)");
    return key;
}

int main(int argc, char** argv) {
    web::ServerConfig config;
    config.request_ids = true;  // X-Request-ID in responses and log lines
    config.metrics = true;      // GET /metrics
    std::string static_dir = default_static_dir().string(), database_url, session_key_hex;
    bool probe = false;

    demo::Options demo_options;
    asiohttp::Settings settings("asiohttp-demo", "The asiohttp demo: hello world, JSON, notes, sessions, WebSocket chat.");
    web::add_server_settings(settings, config);
    settings.add("static-dir", static_dir, "directory of the chat page and its assets").metavar("DIR");
    settings.add("database-url", database_url, "PostgreSQL DSN for the notes (none: in memory)").env({"DATABASE_URL"});
    settings.add("session-key", session_key_hex, "64 hex digits, the same on every instance behind one balancer "
                                                 "(none: random per process)").env({"SESSION_KEY"});
    settings.add("cors-origins", demo_options.cors_origins,
                 "origins whose pages may call /api/* (https://app.example,...; none: CORS off)")
        .metavar("ORIGINS");
    settings.add("healthcheck", probe, "probe /healthz of the demo at host:port (127.0.0.1 for 0.0.0.0), exit 0 if 200")
        .env({});
    settings.check([&] {
        if (!session_key_hex.empty()) demo_options.session_key = session_key_bytes(session_key_hex);
    });
    settings.parse(argc, argv);
    if (probe) return healthcheck(config);

    demo_options.static_dir = static_dir;
    demo_options.database_url = database_url;
    web::Application app;
    try {
        demo::setup_routes(app, demo_options);
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 2;
    }
    return web::run_app(app, config);
}
