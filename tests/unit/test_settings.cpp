// Settings and the server's keys: command line over environment over config
// file over default, typed values, and errors that name where the value was.
#include <asiohttp/settings.hpp>

#include <cstdlib>
#include <fstream>

#include "test_support.hpp"

namespace {

using asiohttp::Settings;
using asiohttp::SettingsError;

// A config file with these lines, removed with the object; named after the test,
// as ctest runs the tests side by side.
struct ConfigFile {
    explicit ConfigFile(const std::string& text)
        : path(::testing::TempDir() + "asiohttp-" + ::testing::UnitTest::GetInstance()->current_test_info()->name() +
               ".ini") {
        std::ofstream(path) << text;
    }
    ~ConfigFile() { std::remove(path.c_str()); }
    std::string path;
};

// Sets an environment variable for the test's length.
struct Env {
    Env(const char* name, const char* value) : name(name) { ::setenv(name, value, 1); }
    ~Env() { ::unsetenv(name); }
    const char* name;
};

struct ServerSettings {
    web::ServerConfig config;
    Settings settings{"server-test"};
    ServerSettings() { web::add_server_settings(settings, config); }
    Settings::Outcome parse(std::vector<std::string> args) { return settings.parse_args(args); }
    // The one line a bad value prints.
    std::string error_of(std::vector<std::string> args) {
        try {
            parse(std::move(args));
        } catch (const SettingsError& e) {
            return e.what();
        }
        return "(no error)";
    }
};

TEST(Settings, CommandLineBeatsEnvironmentBeatsFileBeatsDefault) {
    ConfigFile file("host = 10.1.1.1\nport = 1001\nthreads = 3\nbacklog = 77\n");
    Env port("ASIOHTTP_PORT", "2002"), threads("ASIOHTTP_THREADS", "5");
    ServerSettings s;
    EXPECT_EQ(s.parse({"--config", file.path, "--port", "3003"}), Settings::Outcome::run);
    EXPECT_EQ(s.config.port, 3003);         // command line
    EXPECT_EQ(s.config.threads, 5u);        // environment over file
    EXPECT_EQ(s.config.host, "10.1.1.1");   // file
    EXPECT_EQ(s.config.backlog, 77);        // file
    EXPECT_EQ(s.config.client_max_size, web::ServerConfig{}.client_max_size);  // default
    EXPECT_TRUE(s.settings.given("port"));
    EXPECT_FALSE(s.settings.given("client-max-size"));
}

TEST(Settings, ConfigFileFromTheEnvironmentAndPortFromPORT) {
    ConfigFile file("port = 1001\nshutdown-timeout = 3\n");
    Env config("ASIOHTTP_CONFIG", file.path.c_str()), port("PORT", "4004");
    ServerSettings s;
    s.parse({});
    EXPECT_EQ(s.config.port, 4004);  // PORT, as platforms set it, over the file
    EXPECT_EQ(s.config.shutdown_timeout, 3s);

    Env own("ASIOHTTP_PORT", "5005");  // the framework's own name wins over PORT
    ServerSettings t;
    t.parse({});
    EXPECT_EQ(t.config.port, 5005);
}

TEST(Settings, EmptyEnvironmentVariableCountsAsUnset) {
    Env port("PORT", "");
    ServerSettings s;
    s.parse({});
    EXPECT_EQ(s.config.port, 8080);
}

TEST(Settings, TypedValues) {
    ServerSettings s;
    s.parse({"--client-max-size", "8M", "--max-header-size=16k", "--header-timeout", "500ms", "--body-timeout", "0.25",
             "--keepalive-timeout", "2m", "--access-log", "false", "--debug", "--trusted-proxies", "10.0.0.0/8,fd00::/8",
             "--trusted-proxies", "192.168.1.7"});
    EXPECT_EQ(s.config.client_max_size, 8u << 20);
    EXPECT_EQ(s.config.max_header_size, 16u << 10);
    EXPECT_EQ(s.config.header_timeout, 500ms);
    EXPECT_EQ(s.config.body_timeout, 250ms);
    EXPECT_EQ(s.config.keepalive_timeout, 120s);
    EXPECT_FALSE(s.config.access_log);
    EXPECT_TRUE(s.config.debug);
    EXPECT_EQ(s.config.trusted_proxies, (std::vector<std::string>{"10.0.0.0/8", "fd00::/8", "192.168.1.7"}));

    ServerSettings t;
    t.parse({"--debug=false", "--access-log"});
    EXPECT_FALSE(t.config.debug);
    EXPECT_TRUE(t.config.access_log);
}

TEST(Settings, TlsCertificatesComeInPairs) {
    ConfigFile file("tls-cert = /etc/a.pem\ntls-key = /etc/a.key\n");
    ServerSettings s;
    s.parse({"--config", file.path, "--tls-redirect-port", "8080"});
    ASSERT_EQ(s.config.tls.certificates.size(), 1u);
    EXPECT_EQ(s.config.tls.certificates[0].cert_file, "/etc/a.pem");
    EXPECT_EQ(s.config.tls.certificates[0].key_file, "/etc/a.key");
    EXPECT_EQ(s.config.tls.redirect_port, 8080);

    ServerSettings sni;
    sni.parse({"--tls-cert", "a.pem,b.pem", "--tls-key", "a.key", "--tls-key", "b.key"});
    ASSERT_EQ(sni.config.tls.certificates.size(), 2u);
    EXPECT_EQ(sni.config.tls.certificates[1].cert_file, "b.pem");
    EXPECT_EQ(sni.config.tls.certificates[1].key_file, "b.key");

    EXPECT_EQ(ServerSettings().error_of({"--tls-cert", "a.pem"}),
              "tls-cert and tls-key go in pairs: 1 certificate(s), 0 key(s)");
    EXPECT_EQ(ServerSettings().error_of({"--tls-redirect-port", "80"}), "tls-redirect-port needs tls-cert and tls-key");
}

TEST(Settings, ErrorsNameTheSourceAndWhatWasExpected) {
    EXPECT_EQ(ServerSettings().error_of({"--port", "70000"}), "--port 70000: out of range (0 to 65535)");
    EXPECT_EQ(ServerSettings().error_of({"--threads", "many"}), "--threads many: not a whole number");
    EXPECT_EQ(ServerSettings().error_of({"--shutdown-timeout", "5x"}),
              "--shutdown-timeout 5x: not a duration (seconds, or a number with ms, s, m or h)");
    EXPECT_EQ(ServerSettings().error_of({"--bogus"}), "unrecognised option '--bogus' (see --help)");
    {
        Env port("PORT", "abc");
        EXPECT_EQ(ServerSettings().error_of({}), "PORT=abc (environment): not a whole number");
    }
    {
        Env debug("ASIOHTTP_DEBUG", "maybe");
        EXPECT_EQ(ServerSettings().error_of({}), "ASIOHTTP_DEBUG=maybe (environment): not true or false");
    }
    {
        ConfigFile file("backlog = -\n");
        EXPECT_EQ(ServerSettings().error_of({"-c", file.path}), file.path + ": backlog = -: not a whole number");
    }
    {
        ConfigFile file("colour = blue\n");
        EXPECT_EQ(ServerSettings().error_of({"-c", file.path}),
                  "config file " + file.path + ": unrecognised option 'colour'");
    }
    EXPECT_EQ(ServerSettings().error_of({"-c", "/nonexistent/x.ini"}), "config file /nonexistent/x.ini: cannot be read");
}

TEST(Settings, HelpListsEveryKeyWithItsDefaultAndEnvironmentName) {
    Settings own("my-service", "Serves things.");
    web::ServerConfig config;
    config.port = 9000;  // a program's own default, before the keys are added
    web::add_server_settings(own, config);
    EXPECT_EQ(own.parse_args({"--help"}), Settings::Outcome::help);
    std::string help;  // with its lines joined, wherever --help wrapped them
    for (char c : own.help())
        if (!std::isspace(static_cast<unsigned char>(c)) || (!help.empty() && help.back() != ' ')) help += std::isspace(static_cast<unsigned char>(c)) ? ' ' : c;
    EXPECT_NE(help.find("Usage: my-service [options]"), std::string::npos) << help;
    EXPECT_NE(help.find("Serves things."), std::string::npos);
    for (const char* key : {"--host", "--port", "--threads", "--backlog", "--client-max-size", "--max-header-size",
                            "--header-timeout", "--body-timeout", "--keepalive-timeout", "--shutdown-timeout",
                            "--drain-delay", "--access-log", "--access-log-format", "--debug", "--server-header",
                            "--tls-cert", "--tls-key", "--tls-handshake-timeout", "--tls-redirect-port",
                            "--trusted-proxies", "--config"})
        EXPECT_NE(help.find(key), std::string::npos) << key;
    EXPECT_NE(help.find("default 9000; env ASIOHTTP_PORT, PORT"), std::string::npos) << help;
    EXPECT_NE(help.find("default 7s"), std::string::npos);  // shutdown-timeout as a duration
}

TEST(Settings, AppKeysPositionalsAndOwnPrefix) {
    std::string dsn;
    std::size_t repeat = 1;
    std::optional<std::chrono::milliseconds> total;
    bool insecure = false;
    std::vector<std::string> urls;
    Settings s("fetch", "", "FETCH_");
    s.add("database-url", dsn, "DSN").env({"DATABASE_URL"});
    s.add("repeat", repeat, "times");
    s.add("timeout-total", total, "seconds");
    s.add("insecure", insecure, "no verify").short_name('k');
    s.positional("URL", urls, "what to fetch");
    Env db("DATABASE_URL", "postgresql://db/app"), rep("FETCH_REPEAT", "3");
    s.parse_args({"-k", "http://a/", "--timeout-total", "1.5", "http://b/"});
    EXPECT_EQ(dsn, "postgresql://db/app");
    EXPECT_EQ(repeat, 3u);
    EXPECT_EQ(total, 1500ms);
    EXPECT_TRUE(insecure);
    EXPECT_EQ(urls, (std::vector<std::string>{"http://a/", "http://b/"}));
    EXPECT_THROW(s.add("repeat", repeat, "again"), std::logic_error);
}

TEST(Settings, ChecksReportLikeBadValues) {
    int workers = 1;
    Settings s("x");
    s.add("workers", workers, "n");
    s.check([&] {
        if (workers < 1) throw std::invalid_argument("workers must be at least 1");
    });
    try {
        s.parse_args({"--workers", "0"});
        FAIL() << "no error";
    } catch (const SettingsError& e) {
        EXPECT_STREQ(e.what(), "workers must be at least 1");
    }
}

}  // namespace
