// Reads Prometheus's text exposition format back, checking what a scraper
// checks: every sample belongs to a family declared by # HELP and # TYPE
// before it, names and labels are well formed, histogram buckets are
// cumulative and end in +Inf equal to _count.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <regex>
#include <sstream>
#include <string>

// Samples by their series ("name{a=\"1\"}"), as written.
using PrometheusSamples = std::map<std::string, double>;

inline PrometheusSamples parse_prometheus(const std::string& text) {
    PrometheusSamples samples;
    std::map<std::string, std::string> types;  // family -> type
    const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
    const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
    const std::regex sample(
        R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+))");
    std::string line, declared;
    std::istringstream in(text);
    std::map<std::string, double> last_bucket;  // per histogram series: the previous cumulative count
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_match(line, m, help)) {
            declared = m[1];
            continue;
        }
        if (std::regex_match(line, m, type)) {
            EXPECT_EQ(m[1], declared) << "TYPE without its HELP: " << line;
            types[m[1]] = m[2];
            continue;
        }
        EXPECT_TRUE(std::regex_match(line, m, sample)) << "malformed line: " << line;
        if (m.empty()) continue;
        const std::string name = m[1], labels = m[2], value = m[3];
        std::string family = name;
        for (auto suffix : {"_bucket", "_sum", "_count"})
            if (!types.count(family) && name.ends_with(suffix)) family = name.substr(0, name.size() - std::strlen(suffix));
        EXPECT_TRUE(types.count(family)) << "sample of an undeclared family: " << line;
        EXPECT_EQ(family, declared) << "sample outside its family's block: " << line;
        const double v = value == "+Inf" ? INFINITY : std::stod(value);
        EXPECT_EQ(samples.count(name + labels), 0u) << "duplicate series: " << line;
        samples[name + labels] = v;
        if (name.ends_with("_bucket")) {
            const auto le = labels.find("le=\"");
            EXPECT_NE(le, std::string::npos) << line;
            const auto series = name + labels.substr(0, le);
            EXPECT_GE(v, last_bucket[series]) << "buckets not cumulative: " << line;
            last_bucket[series] = v;
        }
    }
    // +Inf bucket == _count for every histogram series.
    for (auto& [series, v] : samples) {
        const auto inf = series.find("le=\"+Inf\"");
        if (inf == std::string::npos) continue;
        const auto family = series.substr(0, series.find("_bucket"));
        std::string labels = series.substr(series.find('{'));
        labels.erase(labels.find("le=\"+Inf\""), 9);
        if (labels.ends_with(",}")) labels.erase(labels.size() - 2, 1);
        if (labels == "{}") labels.clear();
        const auto count = samples.find(family + "_count" + labels);
        EXPECT_NE(count, samples.end()) << "no _count for " << series;
        if (count != samples.end()) EXPECT_EQ(count->second, v) << series;
    }
    return samples;
}
