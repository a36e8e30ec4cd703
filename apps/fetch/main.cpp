// fetch: many URLs through one ClientSession, concurrently (or one after
// another with --sequential), with timing per request and in all.
//
//   fetch --repeat 10 --limit 4 http://127.0.0.1:8080/plaintext
//   fetch --json https://example.org/ http://127.0.0.1:8080/json
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <asiohttp/client.hpp>
#include <asiohttp/settings.hpp>
#include <asiohttp/tasks.hpp>

using asiohttp::awaitable;
using Clock = std::chrono::steady_clock;

namespace {

struct Result {
    std::string url;
    std::optional<int> status;
    std::size_t bytes = 0;
    double ms = 0;
    std::string error_kind, error;
};

// A progress line on stderr when it is a terminal, redrawn at most every 100 ms.
class Progress {
public:
    explicit Progress(std::size_t total) : total_(total), enabled_(::isatty(STDERR_FILENO)) {}
    void done_one() {
        ++done_;
        auto now = Clock::now();
        if (!enabled_ || (done_ < total_ && now - drawn_ < std::chrono::milliseconds(100))) return;
        drawn_ = now;
        std::fprintf(stderr, "\r%zu/%zu done", done_, total_);
        if (done_ == total_) std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
    }

private:
    std::size_t total_, done_ = 0;
    bool enabled_;
    Clock::time_point drawn_{};
};

// One request; its failure is its own result, never the others'.
awaitable<Result> fetch_one(asiohttp::ClientSession& session, std::string url, Progress& progress) {
    Result r;
    r.url = url;
    const auto start = Clock::now();
    try {
        auto response = co_await session.get(url);
        r.status = response.status();
        for (;;) {  // counted as it streams: nothing is kept
            auto chunk = co_await response.read_chunk(256 << 10);
            if (chunk.empty()) break;
            r.bytes += chunk.size();
        }
    } catch (const asiohttp::ClientError& e) {
        r.error_kind = std::string(e.kind());
        r.error = e.what();
    } catch (const std::exception& e) {
        r.error_kind = "error";
        r.error = e.what();
    }
    r.ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    progress.done_one();
    co_return r;
}

awaitable<std::vector<Result>> fetch_all(asiohttp::ClientSessionOptions options, std::vector<std::string> urls,
                                         bool sequential) {
    asiohttp::ClientSession session(std::move(options));
    Progress progress(urls.size());
    std::vector<Result> results;
    if (sequential) {
        for (auto& url : urls) {
            auto r = co_await fetch_one(session, url, progress);
            results.push_back(std::move(r));
        }
    } else {
        std::vector<awaitable<Result>> requests;
        requests.reserve(urls.size());
        for (auto& url : urls) requests.push_back(fetch_one(session, url, progress));
        results = co_await asiohttp::gather(std::move(requests));
    }
    co_return results;
}

}  // namespace

int main(int argc, char** argv) {
    asiohttp::ClientSessionOptions options;
    options.user_agent = "asiohttp-fetch";
    bool sequential = false, insecure = false, json = false;
    std::size_t repeat = 1;
    std::vector<std::string> given_urls;

    asiohttp::Settings settings("fetch", "Fetches URLs through one ClientSession, all at once unless --sequential.",
                                "FETCH_");
    settings.positional("URL", given_urls, "http:// or https:// URLs, each fetched --repeat times");
    settings.add("sequential", sequential, "one request after another instead of all at once");
    settings.add("limit", options.limit, "connections at once (0: no limit)");
    settings.add("limit-per-host", options.limit_per_host, "connections per host (0: no limit)");
    settings.add("timeout-total", options.timeout.total, "for each request, body included");
    settings.add("timeout-connect", options.timeout.connect, "to get a connection (pool wait + connect)");
    settings.add("repeat", repeat, "fetch each URL this many times");
    settings.add("insecure", insecure, "do not verify TLS certificates").short_name('k');
    settings.add("json", json, "print one JSON object instead of lines");
    settings.check([&] {
        if (given_urls.empty()) throw asiohttp::SettingsError("no URL given (see --help)");
    });
    settings.parse(argc, argv);
    options.tls.verify = !insecure;

    std::vector<std::string> urls;
    for (auto& url : given_urls)
        for (std::size_t i = 0; i < repeat; ++i) urls.push_back(url);

    const auto start = Clock::now();
    auto results = asiohttp::run(fetch_all(options, urls, sequential));
    const double total_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();

    bool all_answered = true;
    for (auto& r : results) all_answered = all_answered && r.status.has_value();

    if (json) {
        using ojson = nlohmann::ordered_json;  // keys in the documented order
        ojson out{{"total_ms", total_ms}, {"results", ojson::array()}};
        for (auto& r : results)
            out["results"].push_back({{"url", r.url},
                                      {"status", r.status ? ojson(*r.status) : ojson()},
                                      {"bytes", r.bytes},
                                      {"ms", r.ms},
                                      {"error", r.error.empty() ? ojson() : ojson(r.error)}});
        std::cout << out.dump() << "\n";
    } else {
        std::size_t failed = 0;
        for (auto& r : results) {
            if (r.status && r.error.empty())
                std::printf("%-50s %3d %10zu B %9.1f ms\n", r.url.c_str(), *r.status, r.bytes, r.ms);
            else if (r.status)  // answered, then the body failed
                std::printf("%-50s %3d %10zu B %9.1f ms  %s: %s\n", r.url.c_str(), *r.status, r.bytes, r.ms,
                            r.error_kind.c_str(), r.error.c_str());
            else
                std::printf("%-50s ERR %s: %s (%.1f ms)\n", r.url.c_str(), r.error_kind.c_str(), r.error.c_str(), r.ms);
            failed += r.status ? 0 : 1;
        }
        std::printf("total: %.1f ms, %zu request(s), %zu without a response\n", total_ms, results.size(), failed);
    }
    return all_answered ? 0 : 1;
}
