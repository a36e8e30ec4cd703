// asiohttp-demo: the main job. Options come from the command line, then the
// environment (PORT), then an optional INI file (--config), then the defaults.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iostream>

#include <filesystem>

#include <asiohttp/client.hpp>
#include <asiohttp/tasks.hpp>
#include <boost/program_options.hpp>

#include "demo_app.hpp"

namespace po = boost::program_options;
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

int main(int argc, char** argv) {
    web::ServerConfig config;
    demo::Options demo_options;
    std::string config_file, static_dir = default_static_dir().string(), tls_cert, tls_key;
    unsigned port = config.port;
    std::size_t max_body = config.client_max_size, max_header = config.max_header_size;
    double shutdown_timeout = double(config.shutdown_timeout.count()) / 1000;
    double drain_delay = double(config.drain_delay.count()) / 1000;

    po::options_description options("asiohttp-demo options");
    options.add_options()
        ("help,h", "show this help")
        ("config,c", po::value(&config_file), "INI file with the same keys as these options")
        ("host", po::value(&config.host)->default_value(config.host), "address to listen on")
        ("port,p", po::value(&port), "port (default: $PORT, else 8080)")
        ("threads,t", po::value(&config.threads)->default_value(config.threads), "worker threads (0 = one per core)")
        ("client-max-size", po::value(&max_body)->default_value(max_body), "request body limit in bytes (413 beyond)")
        ("max-header-size", po::value(&max_header)->default_value(max_header), "request head limit in bytes (431 beyond)")
        ("shutdown-timeout", po::value(&shutdown_timeout)->default_value(shutdown_timeout), "seconds in-flight requests get at shutdown")
        ("access-log", po::value(&config.access_log)->default_value(true), "write the access log (true/false)")
        ("static-dir", po::value(&static_dir)->default_value(static_dir), "directory of the chat page and its assets")
        ("database-url", po::value(&demo_options.database_url), "PostgreSQL DSN for the notes (default: $DATABASE_URL; none: in memory)")
        ("tls-cert", po::value(&tls_cert), "PEM certificate chain: serve HTTPS and WSS (with --tls-key; SIGHUP reloads)")
        ("tls-key", po::value(&tls_key), "PEM private key of --tls-cert")
        ("drain-delay", po::value(&drain_delay)->default_value(drain_delay), "seconds to go on serving, not ready, after SIGTERM")
        ("debug", po::bool_switch(&config.debug), "exception texts in 500 responses")
        ("healthcheck", "probe /healthz of the demo at --host/--port (127.0.0.1 for 0.0.0.0) and exit 0 if it answers 200");

    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, options), vm);
        if (vm.count("config")) po::store(po::parse_config_file(vm["config"].as<std::string>().c_str(), options), vm);
        po::notify(vm);
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n" << options << "\n";
        return 2;
    }
    if (vm.count("help")) {
        std::cout << options << "\n";
        return 0;
    }
    if (!vm.count("port"))
        if (const char* env = std::getenv("PORT")) port = unsigned(std::strtoul(env, nullptr, 10));
    if (port > 65535) {
        std::cerr << "error: port " << port << " is out of range\n";
        return 2;
    }
    config.port = std::uint16_t(port);
    if (tls_cert.empty() != tls_key.empty()) {
        std::cerr << "error: --tls-cert and --tls-key go together\n";
        return 2;
    }
    if (!tls_cert.empty()) config.tls.certificates.push_back({tls_cert, tls_key});
    config.client_max_size = max_body;
    config.max_header_size = max_header;
    config.shutdown_timeout = std::chrono::milliseconds(static_cast<long>(shutdown_timeout * 1000));
    config.drain_delay = std::chrono::milliseconds(static_cast<long>(drain_delay * 1000));
    if (vm.count("healthcheck")) return healthcheck(config);

    web::Application app;
    demo_options.static_dir = static_dir;
    if (demo_options.database_url.empty())
        if (const char* env = std::getenv("DATABASE_URL")) demo_options.database_url = env;
    // SESSION_KEY: 64 hex digits, the same for every instance behind one load balancer.
    if (const char* env = std::getenv("SESSION_KEY")) {
        std::string hex = env, key;
        const bool is_hex = std::all_of(hex.begin(), hex.end(), [](unsigned char c) { return std::isxdigit(c); });
        for (std::size_t i = 0; is_hex && hex.size() == 64 && i < hex.size(); i += 2)
            key.push_back(char(std::stoi(hex.substr(i, 2), nullptr, 16)));
        if (key.size() != 32) {
            std::cerr << "error: SESSION_KEY must be 64 hex digits (32 bytes)\n";
            return 2;
        }
        demo_options.session_key = key;
    }
    try {
        demo::setup_routes(app, demo_options);
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 2;
    }
    return web::run_app(app, config);
}
