#include "evidence_text.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <vector>

namespace Nocturne::Engine {

namespace {
constexpr std::string_view kMinus = "\u2212";

bool isEvent(std::string_view kind) {
    return kind == "log" || kind == "change" || kind == "fabric";
}

bool risesOnly(std::string_view kind) {
    return kind == "cpu" || kind == "mem" || kind == "latency" || kind == "errors";
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

std::vector<std::string> split(std::string_view s, std::string_view separators) {
    std::vector<std::string> out;
    std::size_t begin = 0;
    while (begin <= s.size()) {
        const std::size_t end = std::min(s.find_first_of(separators, begin), s.size());
        if (end > begin)
            out.emplace_back(s.substr(begin, end - begin));
        begin = end + 1;
    }
    return out;
}

// "p50", "p90", "p99", "p999": a quantile token of a histogram-derived series.
bool isQuantile(std::string_view token) {
    if (token.size() < 3 || token.size() > 5 || token[0] != 'p')
        return false;
    return std::all_of(token.begin() + 1, token.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// What the name says, once: the words of its base metric (lower case, unit and counter suffixes and quantile taken
// out) and its unit.
struct ParsedName {
    std::vector<std::string> words;
    MetricUnit unit;
    bool ratio = false; // the unit came from `_ratio`
};

ParsedName parse(std::string_view name) {
    ParsedName p;
    MetricUnit &u = p.unit;
    // Recording rules: `metric:op` or `level:metric:op…` (Prometheus' naming rule for them).
    const std::vector<std::string> parts = split(name, ":");
    std::string base = parts.empty() ? std::string() : parts.front();
    std::size_t firstOp = 1;
    if (parts.size() >= 3) {
        base = parts[1];
        firstOp = 2;
    }
    for (std::size_t i = firstOp; i < parts.size(); ++i) {
        const std::string op = lower(parts[i]);
        if (op.rfind("rate", 0) == 0 || op.rfind("irate", 0) == 0)
            u.perSecond = true;
        else if (isQuantile(op))
            u.quantile = op;
    }
    for (std::string &w : split(lower(base), "_.")) {
        if (u.quantile.empty() && isQuantile(w))
            u.quantile = w;
        else if (!isQuantile(w))
            p.words.push_back(std::move(w));
    }
    // Suffixes from the end: `_total`, then `_per_second`, then one unit word.
    std::vector<std::string> &w = p.words;
    const auto last = [&](std::string_view s) {
        return w.size() > 1 && w.back() == s;
    };
    if (last("total")) {
        u.perSecond = true;
        w.pop_back();
    }
    if (w.size() > 2 && (w.back() == "second" || w.back() == "sec") && w[w.size() - 2] == "per") {
        u.perSecond = true;
        w.resize(w.size() - 2);
    }
    struct UnitWord {
        std::string_view word;
        const char *symbol;
        double scale;
        MetricUnit::Prefix prefix;
        bool perSecond;
    };
    using P = MetricUnit::Prefix;
    static constexpr std::array kUnits{
        UnitWord{"seconds", "s", 1, P::Time, false},
        UnitWord{"milliseconds", "s", 1e-3, P::Time, false},
        UnitWord{"ms", "s", 1e-3, P::Time, false},
        UnitWord{"microseconds", "s", 1e-6, P::Time, false},
        UnitWord{"us", "s", 1e-6, P::Time, false},
        UnitWord{"nanoseconds", "s", 1e-9, P::Time, false},
        UnitWord{"bytes", "B", 1, P::Bytes, false},
        UnitWord{"ratio", "%", 100, P::Fixed, false},
        UnitWord{"percent", "%", 1, P::Fixed, false},
        UnitWord{"pct", "%", 1, P::Fixed, false},
        UnitWord{"celsius", "\u00b0C", 1, P::Fixed, false},
        UnitWord{"dbm", "dBm", 1, P::Fixed, false},
        UnitWord{"watts", "W", 1, P::SI, false},
        UnitWord{"bits", "b", 1, P::SI, false},
        UnitWord{"bps", "b", 1, P::SI, true},
        UnitWord{"mbps", "b", 1e6, P::SI, true},
        UnitWord{"gbps", "b", 1e9, P::SI, true},
    };
    if (w.size() > 1) {
        for (const UnitWord &k : kUnits) {
            if (w.back() != k.word)
                continue;
            u.symbol = k.symbol;
            u.scale = k.scale;
            u.prefix = k.prefix;
            u.perSecond = u.perSecond || k.perSecond;
            u.logarithmic = k.word == "dbm";
            u.interval = k.word == "celsius";
            p.ratio = k.word == "ratio";
            w.pop_back();
            break;
        }
    }
    return p;
}

double roundSignificant(double x, int digits) {
    if (x == 0 || !std::isfinite(x))
        return x;
    const double magnitude = std::pow(10.0, std::floor(std::log10(std::abs(x))) - (digits - 1));
    return std::round(x / magnitude) * magnitude;
}

// `digits` significant digits, no exponent in the usual range, trailing zeros dropped, a true minus sign.
std::string number(double x, int digits = 3) {
    if (!std::isfinite(x))
        return "n/a";
    x = roundSignificant(x, digits);
    const double a = std::abs(x);
    char buffer[64];
    if (a == 0) {
        return "0";
    } else if (a < 1e-6 || a >= 1e15) {
        std::snprintf(buffer, sizeof buffer, "%.*g", digits, a);
    } else {
        const int decimals = std::clamp(digits - 1 - int(std::floor(std::log10(a))), 0, 9);
        std::snprintf(buffer, sizeof buffer, "%.*f", decimals, a);
        std::string s(buffer);
        if (s.find('.') != std::string::npos) {
            while (s.back() == '0')
                s.pop_back();
            if (s.back() == '.')
                s.pop_back();
        }
        return (x < 0 ? std::string(kMinus) : std::string()) + s;
    }
    return (x < 0 ? std::string(kMinus) : std::string()) + buffer;
}

std::string signedNumber(double x, int digits = 3) {
    const std::string n = number(x, digits);
    return x > 0 && n != "0" ? "+" + n : n;
}

// HH:MM:SS of a UTC time ("2026-03-02T10:31:05Z" → "10:31:05").
std::string timeOfDay(Timestamp t) {
    const std::string iso = formatIso8601(t);
    const std::size_t at = iso.find('T');
    return at == std::string::npos ? iso : iso.substr(at + 1, 8);
}

std::string sigma(double score) {
    if (score >= 1000)
        return ">1000\u03c3";
    return number(score, 2) + "\u03c3";
}

// The change between the reference and the value, in the form that means something for the unit: a factor or a
// percentage for quantities with a true zero, a difference for dBm and °C; nothing when the reference is within its
// own noise of zero (0.2 % → 18 % errors is not "90×").
std::string change(double reference, double value, double score, const MetricUnit &unit) {
    if (!std::isfinite(reference) || !std::isfinite(value))
        return {};
    if (unit.logarithmic)
        return "(" + signedNumber(value - reference, 2) + " dB)";
    if (unit.interval)
        return "(" + signedNumber(value - reference, 2) + " " + unit.symbol + ")";
    if (!(reference > 0) || value < 0)
        return {};
    const double noise = score > 0 && std::isfinite(score) ? std::abs(value - reference) / score : 0.0;
    if (reference <= noise)
        return {};
    const double ratio = value / reference;
    if (ratio >= 2)
        return "(" + number(ratio, 2) + "\u00d7)";
    // A relative change of a percentage reads like a change in points: the two values say it better.
    if (unit.symbol == "%")
        return {};
    const double percent = std::round((ratio - 1) * 100);
    if (percent == 0)
        return {};
    return "(" + signedNumber(percent) + " %)";
}

// The first word of an entity id ("mysql-primary" → "mysql").
std::string firstWord(std::string_view s) {
    const std::vector<std::string> words = split(lower(s), "-_/. ");
    return words.empty() ? std::string() : words.front();
}
} // namespace

MetricUnit unitOf(std::string_view metricName) {
    return parse(metricName).unit;
}

std::string formatValue(double value, const MetricUnit &unit) {
    if (!std::isfinite(value))
        return "n/a";
    const double v = roundSignificant(value * unit.scale, 3);
    const double a = std::abs(v);
    double divisor = 1;
    std::string prefix;
    std::string symbol = unit.symbol;
    switch (unit.prefix) {
    case MetricUnit::Prefix::Time:
        symbol.clear();
        if (a == 0 || (a >= 1 && a < 120))
            prefix = "s";
        else if (a >= 7200)
            divisor = 3600, prefix = "h";
        else if (a >= 120)
            divisor = 60, prefix = "min";
        else if (a >= 1e-3)
            divisor = 1e-3, prefix = "ms";
        else if (a >= 1e-6)
            divisor = 1e-6, prefix = "\u00b5s";
        else
            divisor = 1e-9, prefix = "ns";
        break;
    case MetricUnit::Prefix::Bytes: {
        static constexpr std::array<const char *, 6> kBinary{"", "Ki", "Mi", "Gi", "Ti", "Pi"};
        std::size_t i = 0;
        while (i + 1 < kBinary.size() && a >= divisor * 1024)
            divisor *= 1024, ++i;
        prefix = kBinary[i];
        break;
    }
    case MetricUnit::Prefix::SI: {
        static constexpr std::array<const char *, 6> kSi{"", "k", "M", "G", "T", "P"};
        std::size_t i = 0;
        while (i + 1 < kSi.size() && a >= divisor * 1000)
            divisor *= 1000, ++i;
        prefix = kSi[i];
        if (i == 0 && !symbol.empty() && a > 0 && a < 1)
            divisor = 1e-3, prefix = "m";
        break;
    }
    case MetricUnit::Prefix::Fixed:
        break;
    }
    const std::string n = number(v / divisor);
    const std::string suffix = prefix + symbol + (unit.perSecond ? "/s" : "");
    if (suffix.empty())
        return n;
    if (suffix == "/s")
        return n + suffix;
    return n + " " + suffix;
}

std::string humanMetricName(std::string_view metric) {
    ParsedName p = parse(metric);
    std::vector<std::string> &w = p.words;
    // One exporter prefix: namespaces that say nothing go whenever a word is left; product names only where two or
    // more words are left (mysql_queries stays "mysql queries", redis_command_latency becomes "command latency").
    static const std::vector<std::vector<std::string_view>> kNamespaces{{"mysql", "global", "status"},
                                                                        {"dcgm", "fi", "dev"},
                                                                        {"dcgm", "fi", "prof"},
                                                                        {"kube", "pod"},
                                                                        {"node"},
                                                                        {"container"},
                                                                        {"process"},
                                                                        {"http"}};
    static const std::vector<std::string_view> kProducts{"mysql", "redis",   "kafka",    "nginx",         "postgres",
                                                         "pg",    "mongodb", "rabbitmq", "elasticsearch", "envoy",
                                                         "grpc",  "rpc",     "ib",       "roce",          "haproxy"};
    const auto startsWith = [&](const std::vector<std::string_view> &prefix) {
        if (w.size() <= prefix.size())
            return false;
        for (std::size_t i = 0; i < prefix.size(); ++i)
            if (w[i] != prefix[i])
                return false;
        return true;
    };
    bool stripped = false;
    for (const auto &prefix : kNamespaces)
        if (startsWith(prefix)) {
            w.erase(w.begin(), w.begin() + std::ptrdiff_t(prefix.size()));
            stripped = true;
            break;
        }
    if (!stripped && w.size() >= 3 && std::find(kProducts.begin(), kProducts.end(), w.front()) != kProducts.end())
        w.erase(w.begin());

    // A ratio of outcomes keeps the word ("error ratio", "hit ratio"); a ratio of capacity reads as its % ("CPU").
    static const std::vector<std::string_view> kOutcomes{"error",  "errors",  "hit",     "hits",     "miss",
                                                         "misses", "success", "failure", "failures", "drop",
                                                         "drops",  "loss",    "retry",   "retries"};
    if (p.ratio && !w.empty() && std::find(kOutcomes.begin(), kOutcomes.end(), w.back()) != kOutcomes.end())
        w.emplace_back("ratio");

    // A request's duration is what operators call latency.
    for (std::size_t i = 0; i < w.size(); ++i) {
        if (w[i] != "duration" && w[i] != "latency")
            continue;
        if (i > 0 && (w[i - 1] == "request" || w[i - 1] == "requests")) {
            w.erase(w.begin() + std::ptrdiff_t(i - 1));
            --i;
        }
        static const std::vector<std::string_view> kCallers{"client",   "server", "call", "query",
                                                            "response", "rpc",    "grpc"};
        if (w[i] == "duration" && (i == 0 || std::find(kCallers.begin(), kCallers.end(), w[i - 1]) != kCallers.end()))
            w[i] = "latency";
    }

    // A few generic abbreviations and acronyms.
    static const std::vector<std::pair<std::string_view, std::string_view>> kWords{{"xmit", "transmit"},
                                                                                   {"rcv", "receive"},
                                                                                   {"recv", "receive"},
                                                                                   {"util", "utilisation"},
                                                                                   {"conns", "connections"},
                                                                                   {"cpu", "CPU"},
                                                                                   {"gpu", "GPU"},
                                                                                   {"pfc", "PFC"},
                                                                                   {"xid", "XID"},
                                                                                   {"ecc", "ECC"},
                                                                                   {"nccl", "NCCL"},
                                                                                   {"rx", "RX"},
                                                                                   {"tx", "TX"},
                                                                                   {"rtt", "RTT"},
                                                                                   {"io", "I/O"},
                                                                                   {"nvlink", "NVLink"}};
    for (std::size_t i = 0; i < w.size(); ++i) {
        if ((w[i] == "errors" || w[i] == "failures") && i + 1 < w.size() && (w[i + 1] == "ratio" || w[i + 1] == "rate"))
            w[i].pop_back();
        for (const auto &[from, to] : kWords)
            if (w[i] == from) {
                w[i] = to;
                break;
            }
    }

    // A time without a word for what kind of time ("trace_operation_self_seconds", "node_cpu_seconds_total:rate").
    if (p.unit.prefix == MetricUnit::Prefix::Time) {
        static const std::vector<std::string_view> kTimeWords{"time",  "duration", "latency",  "wait",    "waits",
                                                              "delay", "lag",      "age",      "uptime",  "timestamp",
                                                              "RTT",   "period",   "interval", "timeout", "elapsed"};
        const bool hasTimeWord = std::any_of(w.begin(), w.end(), [&](const std::string &word) {
            return std::find(kTimeWords.begin(), kTimeWords.end(), word) != kTimeWords.end();
        });
        if (!hasTimeWord)
            w.emplace_back("time");
    }
    if (!p.unit.quantile.empty())
        w.insert(w.begin(), p.unit.quantile);

    std::string out;
    for (const std::string &word : w)
        out += (out.empty() ? "" : " ") + word;
    return out.empty() ? std::string(metric) : out;
}

std::string describeEvidence(const RcaEvidence &e, std::string_view entity) {
    if (isEvent(e.kind) && !e.text.empty())
        return e.text;
    std::string name = humanMetricName(e.metric);
    if (const std::string first = firstWord(entity); !first.empty() && name.size() > first.size() + 1 &&
                                                     lower(name.substr(0, first.size())) == first &&
                                                     name[first.size()] == ' ')
        name.erase(0, first.size() + 1);
    const std::string at = e.onset != 0 ? " at " + timeOfDay(e.onset) : std::string();
    if (isEvent(e.kind))
        return name + at;

    const MetricUnit unit = unitOf(e.metric);
    const bool rose = e.value != e.reference ? e.value > e.reference : e.direction >= 0;
    std::string line = name;
    if (!std::isfinite(e.reference)) {
        line += " at " + formatValue(e.value, unit);
    } else {
        const std::string from = formatValue(e.reference, unit), to = formatValue(e.value, unit);
        if (from == to) {
            line += " stayed near " + to;
        } else {
            line += (rose ? " rose from " : " fell from ") + from + " to " + to;
            if (const std::string c = change(e.reference, e.value, e.score, unit); !c.empty())
                line += " " + c;
        }
    }
    line += at;
    if (std::isfinite(e.score) && e.score > 0)
        line += ", " + sigma(e.score) + (rose ? " above" : " below") + " normal";
    return line;
}

bool isAbnormal(const RcaEvidence &e, double minScore) {
    if (isEvent(e.kind))
        return true;
    if (!(e.score >= minScore))
        return false;
    if (risesOnly(e.kind))
        return e.direction != 0 ? e.direction > 0 : e.value > e.reference;
    return true;
}

std::string humanFaultClass(std::string_view faultClass)
{
    std::string out(faultClass);
    for (char &c : out)
        if (c == '_')
            c = ' ';
    return out;
}

} // namespace Nocturne::Engine
