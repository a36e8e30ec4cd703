#include "asiohttp/metrics.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "asiohttp/response.hpp"

namespace asiohttp::metrics {
namespace {

void append_number(std::string& out, double v) {
    if (std::isnan(v)) out += "NaN";
    else if (std::isinf(v)) out += v > 0 ? "+Inf" : "-Inf";
    else {
        char buf[32];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, end);
    }
}

// {a="1",b="x\"y"}: label values escaped as the format asks (\\, \", \n).
std::string label_text(const Labels& labels, std::string_view extra_name = {}, std::string_view extra_value = {}) {
    if (labels.empty() && extra_name.empty()) return {};
    std::string out = "{";
    auto add = [&](std::string_view name, std::string_view value) {
        if (out.size() > 1) out += ',';
        out.append(name).append("=\"");
        for (char c : value) {
            if (c == '\\') out += "\\\\";
            else if (c == '"') out += "\\\"";
            else if (c == '\n') out += "\\n";
            else out += c;
        }
        out += '"';
    };
    for (auto& [n, v] : labels) add(n, v);
    if (!extra_name.empty()) add(extra_name, extra_value);
    out += '}';
    return out;
}

// A label set's text with one more label added inside its braces.
std::string with_label(const std::string& labels, std::string_view name, std::string_view value) {
    std::string extra = std::string(name) + "=\"" + std::string(value) + "\"";
    if (labels.empty()) return "{" + extra + "}";
    return labels.substr(0, labels.size() - 1) + "," + extra + "}";
}

}  // namespace

const std::vector<double>& default_buckets() {
    static const std::vector<double> b{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    return b;
}

void HistogramSnapshot::merge(const HistogramSnapshot& o) {
    if (counts.empty()) {
        *this = o;
        return;
    }
    if (o.bounds != bounds) throw std::invalid_argument("histograms with different buckets cannot be added");
    for (std::size_t i = 0; i < counts.size(); ++i) counts[i] += o.counts[i];
    sum += o.sum;
    count += o.count;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
    for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double value) noexcept {
    std::size_t i = 0;
    while (i < bounds_.size() && value > bounds_[i]) ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
}

HistogramSnapshot Histogram::snapshot() const {
    HistogramSnapshot s{bounds_, std::vector<std::uint64_t>(bounds_.size() + 1), sum_.load(std::memory_order_relaxed),
                        0};
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        s.counts[i] = counts_[i].load(std::memory_order_relaxed);
        s.count += s.counts[i];
    }
    return s;
}

Families::Family& Families::family(std::string_view name, std::string_view type, std::string_view help) {
    auto it = families_.find(name);
    if (it == families_.end())
        it = families_.emplace(std::string(name), Family{std::string(type), std::string(help), {}, {}}).first;
    else if (it->second.type != type)
        throw std::invalid_argument("metric " + std::string(name) + " is both a " + it->second.type + " and a " +
                                    std::string(type));
    return it->second;
}

void Families::counter(std::string_view name, std::string_view help, const Labels& labels, double value) {
    family(name, "counter", help).samples[label_text(labels)] += value;
}

void Families::gauge(std::string_view name, std::string_view help, const Labels& labels, double value) {
    family(name, "gauge", help).samples[label_text(labels)] += value;
}

void Families::histogram(std::string_view name, std::string_view help, const Labels& labels,
                         const HistogramSnapshot& h) {
    family(name, "histogram", help).histograms[label_text(labels)].merge(h);
}

std::string Families::text() const {
    std::string out;
    for (auto& [name, f] : families_) {
        out.append("# HELP ").append(name).append(" ").append(f.help).append("\n");
        out.append("# TYPE ").append(name).append(" ").append(f.type).append("\n");
        for (auto& [labels, value] : f.samples) {
            out.append(name).append(labels).append(" ");
            append_number(out, value);
            out += '\n';
        }
        for (auto& [labels, h] : f.histograms) {
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i < h.counts.size(); ++i) {
                cumulative += h.counts[i];
                std::string le;
                if (i < h.bounds.size()) append_number(le, h.bounds[i]);
                else le = "+Inf";
                out.append(name).append("_bucket").append(with_label(labels, "le", le)).append(" ");
                out.append(std::to_string(cumulative)).append("\n");
            }
            out.append(name).append("_sum").append(labels).append(" ");
            append_number(out, h.sum);
            out.append("\n").append(name).append("_count").append(labels).append(" ");
            out.append(std::to_string(h.count)).append("\n");
        }
    }
    return out;
}

Registry::Handle& Registry::Handle::operator=(Handle&& o) noexcept {
    if (this != &o) {
        if (registry_) registry_->remove(id_);
        registry_ = std::exchange(o.registry_, nullptr);
        id_ = o.id_;
    }
    return *this;
}

Registry::Handle::~Handle() {
    if (registry_) registry_->remove(id_);
}

Registry::Handle Registry::add(Collector collector) {
    std::lock_guard lock(mutex_);
    const auto id = next_++;
    collectors_.emplace_back(id, std::move(collector));
    return Handle(this, id);
}

void Registry::remove(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    std::erase_if(collectors_, [id](auto& c) { return c.first == id; });
}

std::string Registry::scrape() const {
    Families families;
    {
        std::lock_guard lock(mutex_);
        for (auto& [id, collect] : collectors_) collect(families);
    }
    return families.text();
}

Registry& default_registry() {
    static Registry registry;
    return registry;
}

}  // namespace asiohttp::metrics

namespace asiohttp::web {

Handler metrics_handler(metrics::Registry& registry) {
    return [&registry](Request&) -> awaitable<Response> {
        auto resp = Response::bytes(registry.scrape(), "text/plain; version=0.0.4; charset=utf-8");
        co_return resp;
    };
}

}  // namespace asiohttp::web
