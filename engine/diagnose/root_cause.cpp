#include "root_cause.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <map>

namespace Nocturne::Engine {

namespace {
double quantile(std::vector<double> v, double q)
{
    v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
    if (v.empty())
        return std::nan("");
    const double pos = q * double(v.size() - 1);
    const auto lo = std::size_t(std::floor(pos));
    std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(lo), v.end());
    const double a = v[lo];
    if (lo + 1 >= v.size())
        return a;
    const double b = *std::min_element(v.begin() + std::ptrdiff_t(lo) + 1, v.end());
    return a + (b - a) * (pos - double(lo));
}

std::string faultClassOf(const std::string &kind, double direction)
{
    if (kind == "cpu")
        return "cpu_saturation";
    if (kind == "mem")
        return "memory_leak";
    if (kind == "latency")
        return "latency";
    if (kind == "errors")
        return "errors";
    if (kind == "traffic")
        return direction > 0 ? "traffic_surge" : "traffic_drop";
    if (kind == "disk")
        return "disk";
    if (kind == "network")
        return "network";
    return kind.empty() ? "unknown" : kind;
}

RcaEvidence scoreMetric(const RcaMetric &m, Timestamp onset, const RcaOptions &options)
{
    RcaEvidence e;
    e.metric = m.name;
    e.kind = m.kind;
    const double median = quantile(m.normal, 0.5);
    const double iqr = quantile(m.normal, 0.75) - quantile(m.normal, 0.25);
    if (!std::isfinite(median))
        return e;
    // A flat reference has no spread: fall back to a small share of its level so a constant metric that moves still
    // scores, and a constant one that stays put scores zero.
    const double scale = std::max({iqr, 1e-3 * std::abs(median), 1e-9});
    // Resource, latency and error metrics point at a cause when they rise (a saturated CPU, a growing heap, slower or
    // failing calls); a fall there is a consequence (less work arriving) or a restart, so it does not count. Traffic
    // counts both ways.
    const bool risesOnly = m.kind == "cpu" || m.kind == "mem" || m.kind == "latency" || m.kind == "errors";
    double best = 0;
    std::size_t bestAt = 0;
    for (std::size_t i = 0; i < m.incident.size(); ++i) {
        const double x = m.incident[i];
        if (!std::isfinite(x))
            continue;
        double z = (x - median) / scale;
        if (risesOnly)
            z = std::max(0.0, z);
        if (std::abs(z) > std::abs(best)) {
            best = z;
            bestAt = i;
        }
        if (e.onset == 0 && std::abs(z) >= options.onsetThreshold)
            e.onset = i < m.incidentTimes.size() ? m.incidentTimes[i] : onset + Timestamp(i) * kSecond;
    }
    e.score = std::abs(best);
    e.direction = best >= 0 ? 1 : -1;
    char buf[200];
    std::snprintf(buf, sizeof buf, "%s %s to %.1f× its reference spread (%.4g vs median %.4g)", m.name.c_str(), best >= 0 ? "rose" : "fell",
                  e.score, bestAt < m.incident.size() ? m.incident[bestAt] : 0.0, median);
    e.text = buf;
    return e;
}
} // namespace

std::vector<RcaCandidate> rankRootCauses(const RcaInput &input, const RcaOptions &options)
{
    std::map<std::string, RcaCandidate> byEntity;
    for (const std::string &c : input.candidates)
        byEntity[c].entity = c;
    for (const RcaMetric &m : input.metrics) {
        if (!input.candidates.empty() && !byEntity.count(m.entity))
            continue;
        RcaCandidate &c = byEntity[m.entity];
        c.entity = m.entity;
        c.evidence.push_back(scoreMetric(m, input.onset, options));
    }
    std::vector<RcaCandidate> out;
    out.reserve(byEntity.size());
    for (auto &[_, c] : byEntity) {
        std::sort(c.evidence.begin(), c.evidence.end(), [](const RcaEvidence &a, const RcaEvidence &b) { return a.score > b.score; });
        if (c.evidence.size() > options.maxEvidence)
            c.evidence.resize(options.maxEvidence);
        c.score = c.evidence.empty() ? 0.0 : c.evidence.front().score;
        c.faultClass = c.evidence.empty() ? "unknown" : faultClassOf(c.evidence.front().kind, c.evidence.front().direction);
        if (!c.evidence.empty())
            c.disproof = c.evidence.front().metric + " back within its reference range while the symptoms persist, or another entity's change "
                         "preceding it";
        out.push_back(std::move(c));
    }
    // Highest score first; equal scores go to the earlier onset (a strict ordering: std::sort needs one).
    std::sort(out.begin(), out.end(), [](const RcaCandidate &a, const RcaCandidate &b) {
        if (a.score != b.score)
            return a.score > b.score;
        const Timestamp oa = a.evidence.empty() || !a.evidence.front().onset ? INT64_MAX : a.evidence.front().onset;
        const Timestamp ob = b.evidence.empty() || !b.evidence.front().onset ? INT64_MAX : b.evidence.front().onset;
        return oa != ob ? oa < ob : a.entity < b.entity;
    });
    double total = 0;
    for (std::size_t i = 0; i < out.size() && i < 3; ++i)
        total += out[i].score;
    for (auto &c : out)
        c.confidence = total > 0 ? std::min(1.0, c.score / total) : 0.0;
    return out;
}

} // namespace Nocturne::Engine
