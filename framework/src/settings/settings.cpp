// Settings: Boost.Program_options reads the command line and the config file;
// every value arrives as text and is converted here, so an error can say which
// source held it (command line, environment, file) and what was expected.
#include "asiohttp/settings.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <boost/program_options.hpp>

#include "base/ascii.hpp"
#include "settings/setting_values.hpp"

namespace po = boost::program_options;

namespace asiohttp {

using Apply = std::function<void(const std::vector<std::string>&)>;

struct Settings::Spec {
    std::string key, help, metavar;
    std::string default_text;  // "" for none
    Apply apply;               // gets every value given; a scalar takes the last
    bool flag = false, list = false;
    char short_name = 0;
    std::vector<std::string> env;
};

struct Settings::Impl {
    std::string program, summary, env_prefix;
    std::vector<std::unique_ptr<Spec>> specs;  // stable addresses: a Key points into one
    std::string positional_name, positional_help;
    std::vector<std::string>* positional = nullptr;
    std::vector<std::function<void()>> checks;
    std::set<std::string> given;

    po::options_description describe(bool for_command_line) const;
};

Settings::Key& Settings::Key::env(std::vector<std::string> names) {
    spec_->env = std::move(names);
    return *this;
}
Settings::Key& Settings::Key::short_name(char letter) {
    spec_->short_name = letter;
    return *this;
}
Settings::Key& Settings::Key::metavar(std::string name) {
    spec_->metavar = std::move(name);
    return *this;
}

namespace {

std::string env_name(const std::string& prefix, const std::string& key) {
    std::string name = prefix;
    for (char c : key) name += c == '-' ? '_' : char(std::toupper(static_cast<unsigned char>(c)));
    return name;
}

// {"a,b", "c"} -> a, b, c: lists repeat the option or separate items with commas.
std::vector<std::string> split_items(const std::vector<std::string>& values) {
    std::vector<std::string> items;
    for (auto& value : values) {
        std::string_view rest = value;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            const auto item = detail::trim(rest.substr(0, comma));
            if (!item.empty()) items.emplace_back(item);
            rest = comma == rest.npos ? std::string_view{} : rest.substr(comma + 1);
        }
    }
    return items;
}

std::unique_ptr<Settings::Spec> spec(std::string key, std::string help, std::string default_text, std::string metavar,
                                     Apply apply) {
    auto s = std::make_unique<Settings::Spec>();
    s->key = std::move(key);
    s->help = std::move(help);
    s->default_text = std::move(default_text);
    s->metavar = std::move(metavar);
    s->apply = std::move(apply);
    return s;
}

// Any integer type, its whole range (up to int64's).
template <class Int>
std::unique_ptr<Settings::Spec> integer_spec(std::string key, Int& target, std::string help) {
    return spec(std::move(key), std::move(help), std::to_string(target), "N", [&target](const std::vector<std::string>& v) {
        constexpr auto max = std::min<std::uint64_t>(std::numeric_limits<Int>::max(), std::numeric_limits<std::int64_t>::max());
        target = Int(detail::parse_integer(v.back(), std::numeric_limits<Int>::min(), std::int64_t(max)));
    });
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (auto& item : items) out += (out.empty() ? "" : ",") + item;
    return out;
}

// `--flag false` as `--flag=false`: a bare flag means true, and the word after it
// is its value only when it is one a flag takes (so `-k URL` stays two). Every
// flag leaves here with its value attached: Program_options would take any next
// word as the value of a bare one. `flags` maps "--name" and "-n" to "--name".
std::vector<std::string> join_flag_values(const std::vector<std::string>& args,
                                          const std::map<std::string, std::string>& flags) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto flag = flags.find(args[i]);
        if (flag == flags.end()) {
            out.push_back(args[i]);
            continue;
        }
        bool next_is_value = i + 1 < args.size();
        try {
            if (next_is_value) detail::parse_flag(args[i + 1]);
        } catch (const detail::BadValue&) {
            next_is_value = false;
        }
        out.push_back(flag->second + "=" + (next_is_value ? args[++i] : "true"));
    }
    return out;
}

}  // namespace

Settings::Settings(std::string program, std::string summary, std::string env_prefix) : impl_(std::make_unique<Impl>()) {
    impl_->program = std::move(program);
    impl_->summary = std::move(summary);
    impl_->env_prefix = std::move(env_prefix);
}

Settings::~Settings() = default;

Settings::Key Settings::add_spec(std::unique_ptr<Spec> s) {
    for (auto& other : impl_->specs)
        if (other->key == s->key) throw std::logic_error("Settings: key '" + s->key + "' added twice");
    s->env = {env_name(impl_->env_prefix, s->key)};
    impl_->specs.push_back(std::move(s));
    return Key(*impl_->specs.back());
}

Settings::Key Settings::add(std::string key, std::string& target, std::string help) {
    return add_spec(spec(std::move(key), std::move(help), target, "TEXT", [&target](auto& v) { target = v.back(); }));
}

Settings::Key Settings::add(std::string key, bool& target, std::string help) {
    auto s = spec(std::move(key), std::move(help), target ? "true" : "false", "BOOL",
                  [&target](auto& v) { target = detail::parse_flag(v.back()); });
    s->flag = true;
    return add_spec(std::move(s));
}

Settings::Key Settings::add(std::string key, std::uint16_t& target, std::string help) {
    return add_spec(integer_spec(std::move(key), target, std::move(help)));
}
Settings::Key Settings::add(std::string key, unsigned& target, std::string help) {
    return add_spec(integer_spec(std::move(key), target, std::move(help)));
}
Settings::Key Settings::add(std::string key, int& target, std::string help) {
    return add_spec(integer_spec(std::move(key), target, std::move(help)));
}
Settings::Key Settings::add(std::string key, std::size_t& target, std::string help) {
    return add_spec(integer_spec(std::move(key), target, std::move(help)));
}

Settings::Key Settings::add(std::string key, double& target, std::string help) {
    std::ostringstream shown;
    shown << target;
    return add_spec(spec(std::move(key), std::move(help), shown.str(), "NUMBER",
                         [&target](auto& v) { target = detail::parse_number(v.back()); }));
}

Settings::Key Settings::add(std::string key, std::optional<std::uint16_t>& target, std::string help) {
    return add_spec(spec(std::move(key), std::move(help), target ? std::to_string(*target) : "", "N",
                         [&target](auto& v) { target = std::uint16_t(detail::parse_integer(v.back(), 0, 65535)); }));
}

Settings::Key Settings::add(std::string key, std::chrono::milliseconds& target, std::string help) {
    return add_spec(spec(std::move(key), std::move(help), detail::format_duration(target), "DURATION",
                         [&target](auto& v) { target = detail::parse_duration(v.back()); }));
}

Settings::Key Settings::add(std::string key, std::optional<std::chrono::milliseconds>& target, std::string help) {
    return add_spec(spec(std::move(key), std::move(help), target ? detail::format_duration(*target) : "", "DURATION",
                         [&target](auto& v) { target = detail::parse_duration(v.back()); }));
}

Settings::Key Settings::add(std::string key, std::vector<std::string>& target, std::string help) {
    auto s = spec(std::move(key), std::move(help), joined(target), "LIST",
                  [&target](auto& v) { target = split_items(v); });
    s->list = true;
    return add_spec(std::move(s));
}

void Settings::positional(std::string name, std::vector<std::string>& target, std::string help) {
    impl_->positional_name = std::move(name);
    impl_->positional_help = std::move(help);
    impl_->positional = &target;
}

void Settings::check(std::function<void()> validate) { impl_->checks.push_back(std::move(validate)); }

bool Settings::given(const std::string& key) const { return impl_->given.count(key) > 0; }

po::options_description Settings::Impl::describe(bool for_command_line) const {
    po::options_description d(for_command_line ? "Options" : "", 110, 55);
    if (for_command_line)
        d.add_options()("help,h", "show this help and exit")(
            "config,c", po::value<std::string>()->value_name("FILE"),
            ("a file of `key = value` lines with the keys below (env " + env_name(env_prefix, "config") + ")").c_str());
    for (auto& s : specs) {
        std::string help = s->help;
        std::string notes;
        if (!s->default_text.empty()) notes = "default " + s->default_text;
        std::string envs;
        for (auto& e : s->env) envs += (envs.empty() ? "" : ", ") + e;
        if (!envs.empty()) notes += (notes.empty() ? "env " : "; env ") + envs;
        if (!notes.empty()) help += " (" + notes + ")";
        const std::string names = s->short_name ? s->key + "," + s->short_name : s->key;
        po::value_semantic* value = nullptr;
        if (s->list) value = po::value<std::vector<std::string>>()->composing()->value_name(s->metavar);
        else if (s->flag) value = po::value<std::string>()->implicit_value("true")->value_name(s->metavar);
        else value = po::value<std::string>()->value_name(s->metavar);
        d.add_options()(names.c_str(), value, help.c_str());
    }
    return d;
}

std::string Settings::help() const {
    std::ostringstream out;
    out << "Usage: " << impl_->program << " [options]";
    if (impl_->positional) out << " " << impl_->positional_name << "...";
    out << "\n";
    if (!impl_->summary.empty()) out << "\n" << impl_->summary << "\n";
    if (impl_->positional) out << "\n  " << impl_->positional_name << ": " << impl_->positional_help << "\n";
    out << "\n" << impl_->describe(true);
    out << "\nPrecedence: command line, then environment, then config file, then default.\n"
           "Durations: seconds or with a unit (500ms, 2s, 1m); sizes may end in k, M or G; "
           "flags: true/false; lists: comma-separated or repeated.\n";
    return out.str();
}

Settings::Outcome Settings::parse_args(const std::vector<std::string>& args) {
    auto& m = *impl_;
    m.given.clear();
    auto cli_options = m.describe(true);
    po::options_description all;
    all.add(cli_options);
    po::positional_options_description positional;
    if (m.positional) {
        all.add_options()("asiohttp-positional", po::value<std::vector<std::string>>());
        positional.add("asiohttp-positional", -1);
    }
    std::map<std::string, std::string> flags;
    for (auto& s : m.specs)
        if (s->flag) {
            flags["--" + s->key] = "--" + s->key;
            if (s->short_name) flags[std::string("-") + s->short_name] = "--" + s->key;
        }
    po::variables_map cli, file;
    try {
        po::store(po::command_line_parser(join_flag_values(args, flags)).options(all).positional(positional).run(), cli);
    } catch (const po::error& e) {
        throw SettingsError(std::string(e.what()) + " (see --help)");
    }
    if (cli.count("help")) return Outcome::help;

    std::string config_file;
    const std::string config_env = env_name(m.env_prefix, "config");
    if (cli.count("config")) config_file = cli["config"].as<std::string>();
    else if (const char* e = std::getenv(config_env.c_str()); e && *e) config_file = e;
    if (!config_file.empty()) {
        std::ifstream in(config_file);
        if (!in) throw SettingsError("config file " + config_file + ": cannot be read");
        try {
            po::store(po::parse_config_file(in, m.describe(false)), file);
        } catch (const po::error& e) {
            throw SettingsError("config file " + config_file + ": " + e.what());
        }
    }

    for (auto& s : m.specs) {
        std::vector<std::string> values;
        std::string where;
        // What the command line or the file holds for the key: one value, or a list's.
        auto values_in = [&s](const po::variables_map& vm) {
            return s->list ? vm[s->key].as<std::vector<std::string>>()
                           : std::vector<std::string>{vm[s->key].as<std::string>()};
        };
        if (cli.count(s->key)) {
            values = values_in(cli);
            where = "--" + s->key + " " + joined(values);
        } else if (auto e = std::find_if(s->env.begin(), s->env.end(),
                                         [](auto& name) { auto v = std::getenv(name.c_str()); return v && *v; });
                   e != s->env.end()) {
            values = {std::getenv(e->c_str())};
            where = *e + "=" + values.front() + " (environment)";
        } else if (file.count(s->key)) {
            values = values_in(file);
            where = config_file + ": " + s->key + " = " + joined(values);
        } else {
            continue;
        }
        try {
            s->apply(values);
        } catch (const detail::BadValue& e) {
            throw SettingsError(where + ": " + e.what());
        }
        m.given.insert(s->key);
    }
    if (m.positional && cli.count("asiohttp-positional"))
        *m.positional = cli["asiohttp-positional"].as<std::vector<std::string>>();
    for (auto& validate : m.checks) {
        try {
            validate();
        } catch (const SettingsError&) {
            throw;
        } catch (const std::exception& e) {
            throw SettingsError(e.what());
        }
    }
    return Outcome::run;
}

void Settings::parse(int argc, char** argv) {
    std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
    try {
        if (parse_args(args) == Outcome::help) {
            std::cout << help();
            std::exit(EXIT_SUCCESS);
        }
    } catch (const SettingsError& e) {
        std::cerr << impl_->program << ": error: " << e.what() << "\n";
        std::exit(2);
    }
}

}  // namespace asiohttp
