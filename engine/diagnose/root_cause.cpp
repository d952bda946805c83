#include "root_cause.h"

#include "diagnose/evidence_text.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <map>
#include <future>
#include <set>
#include <thread>
#include <unordered_map>

namespace Nocturne::Engine {

namespace {
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

RcaEvidence scoreMetric(const RcaMetric &m, Timestamp onset, Timestamp symptomStart, const RcaOptions &options)
{
    RcaEvidence e;
    e.metric = m.name;
    e.kind = m.kind;
    thread_local std::vector<double> reference; // scratch: no allocation per metric
    reference.clear();
    for (double x : m.normal)
        if (std::isfinite(x))
            reference.push_back(x);
    if (reference.empty())
        return e;
    // Quantiles by selection (linear per quantile; ranking 50k metrics spends its time here), interpolated between
    // neighbours like a sorted array would be.
    const auto at = [&](double q) {
        const double pos = q * double(reference.size() - 1);
        const auto lo = std::size_t(pos);
        std::nth_element(reference.begin(), reference.begin() + std::ptrdiff_t(lo), reference.end());
        const double low = reference[lo];
        if (lo + 1 >= reference.size())
            return low;
        const double high = *std::min_element(reference.begin() + std::ptrdiff_t(lo) + 1, reference.end());
        return low + (high - low) * (pos - double(lo));
    };
    const double median = at(0.5);
    // Spread of the reference: the IQR as a standard deviation; a reference that sits on one value most of the time
    // (availability at 100 %, an idle queue) has no IQR, so its standard deviation (its rare excursions) stands in.
    double spread = (at(0.75) - at(0.25)) / 1.349;
    if (!(spread > 0)) {
        double sum = 0, sq = 0;
        std::size_t n = 0;
        for (double x : m.normal) {
            if (std::isfinite(x)) {
                sum += x;
                sq += x * x;
                ++n;
            }
        }
        spread = n > 1 ? std::sqrt(std::max(0.0, sq / double(n) - (sum / double(n)) * (sum / double(n)))) : 0.0;
    }
    // Floors: a change under 5 % of the level is not news however quiet the reference was (not for error rates,
    // whose level is ~0), one request more than a silent reference is not a surge, a tenth of a point of error rate
    // is not an outage.
    // The error floor follows the metric's unit: a tenth of a percentage point is 0.001 of a ratio and 0.1 of a
    // percentage.
    const bool isRatio = m.name.size() > 6 && m.name.ends_with("_ratio");
    const double floor = m.kind == "traffic" ? 1.0 : m.kind == "errors" ? (isRatio ? 0.001 : 0.1) : 1e-9;
    const double scale = std::max({spread, m.kind == "errors" ? 0.0 : 0.05 * std::abs(median), floor});
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
    // What ranks is the peak, weighted by when the change began (a slow ramp that starts with the symptoms keeps its
    // full peak; a change that starts minutes after them fades).
    double weight = 1;
    if (symptomStart > 0 && e.onset > symptomStart + kMinute)
        weight = std::exp(-double(e.onset - symptomStart - kMinute) / double(2 * kMinute));
    e.rankScore = e.score * weight;
    e.direction = best >= 0 ? 1 : -1;
    e.value = bestAt < m.incident.size() ? m.incident[bestAt] : 0.0;
    e.reference = median;
    return e;
}

} // namespace

double tierWeight(int tier)
{
    // Two tiers a step (tenfold); an odd tier is an observer (a caller's view of a remote endpoint), which ranks after
    // every real component of its step.
    const int t = std::max(0, tier);
    return std::pow(0.1, double(t / 2)) * (t % 2 ? 1e-3 : 1.0);
}

void orderCandidates(std::vector<RcaCandidate> &candidates)
{
    const auto effective = [](const RcaCandidate &c) { return std::max(0.0, c.score) * tierWeight(c.tier); };
    const auto onsetOf = [](const RcaCandidate &c) {
        return c.evidence.empty() || !c.evidence.front().onset ? INT64_MAX : c.evidence.front().onset;
    };
    std::sort(candidates.begin(), candidates.end(), [&](const RcaCandidate &a, const RcaCandidate &b) {
        const double ea = effective(a), eb = effective(b);
        if (ea != eb)
            return ea > eb;
        const Timestamp oa = onsetOf(a), ob = onsetOf(b);
        return oa != ob ? oa < ob : a.entity < b.entity;
    });
    double total = 0;
    for (std::size_t i = 0; i < candidates.size() && i < 5; ++i)
        total += effective(candidates[i]);
    for (auto &c : candidates)
        c.confidence = total > 0 ? std::min(1.0, effective(c) / total) : 0.0;
}

std::string metricKindOf(std::string_view name)
{
    const auto has = [&](std::string_view part) { return name.find(part) != std::string_view::npos; };
    if (has("cpu"))
        return "cpu";
    if (has("memory") || has("heap"))
        return "mem";
    if (has("error") || has("fail") || has("restart"))
        return "errors";
    if (has("duration") || has("latency") || has("_seconds") || has("wait"))
        return "latency";
    if (has("per_second") || has("_total") || has("ops") || has("requests"))
        return "traffic";
    return {};
}

std::vector<RcaCandidate> rankRootCauses(const RcaInput &input, const RcaOptions &options)
{
    std::unordered_map<std::string, RcaCandidate> byEntity;
    byEntity.reserve(input.candidates.size());
    for (const std::string &c : input.candidates)
        byEntity[c].entity = c;
    // Each metric is scored once (pure, so large inputs are split over the machine's cores); the walk reuses scores.
    std::vector<RcaEvidence> evidence(input.metrics.size());
    const auto scoreRange = [&](std::size_t from, std::size_t to) {
        for (std::size_t i = from; i < to; ++i)
            evidence[i] = scoreMetric(input.metrics[i], input.onset, input.symptomStart, options);
    };
    const std::size_t workers = input.metrics.size() >= 4096 ? std::max(1u, std::min(8u, std::thread::hardware_concurrency())) : 1;
    if (workers > 1) {
        std::vector<std::future<void>> parts;
        const std::size_t chunk = (input.metrics.size() + workers - 1) / workers;
        for (std::size_t w = 1; w < workers; ++w)
            parts.push_back(std::async(std::launch::async, scoreRange, std::min(input.metrics.size(), w * chunk),
                                       std::min(input.metrics.size(), (w + 1) * chunk)));
        scoreRange(0, std::min(input.metrics.size(), chunk));
        for (auto &p : parts)
            p.get();
    } else {
        scoreRange(0, input.metrics.size());
    }
    std::vector<double> scores(input.metrics.size(), 0.0);
    for (std::size_t i = 0; i < input.metrics.size(); ++i) {
        const RcaMetric &m = input.metrics[i];
        auto it = byEntity.find(m.entity);
        if (it == byEntity.end()) {
            if (!input.candidates.empty())
                continue;
            it = byEntity.emplace(m.entity, RcaCandidate{}).first;
            it->second.entity = m.entity;
        }
        scores[i] = evidence[i].rankScore;
        it->second.evidence.push_back(std::move(evidence[i]));
    }
    std::vector<RcaCandidate> out;
    out.reserve(byEntity.size());
    for (auto &[_, c] : byEntity) {
        std::sort(c.evidence.begin(), c.evidence.end(), [](const RcaEvidence &a, const RcaEvidence &b) { return a.rankScore > b.rankScore; });
        c.score = c.evidence.empty() ? 0.0 : c.evidence.front().rankScore;
        // Only evidence of abnormality is offered in support (no "rose to 0.8× its spread"); a candidate without any
        // keeps its (low) score for the ordering and says it has none.
        std::erase_if(c.evidence, [&](const RcaEvidence &e) { return !isAbnormal(e, options.onsetThreshold); });
        if (c.evidence.size() > options.maxEvidence)
            c.evidence.resize(options.maxEvidence);
        for (RcaEvidence &e : c.evidence)
            e.text = describeEvidence(e, c.entity);
        c.faultClass = c.evidence.empty() ? "unknown" : faultClassOf(c.evidence.front().kind, c.evidence.front().direction);
        if (!c.evidence.empty())
            c.disproof = humanMetricName(c.evidence.front().metric) + " back within its normal range while the symptoms persist, or a change on "
                         "another entity preceding it";
        out.push_back(std::move(c));
    }
    // With a topology: tiers from the walk below the target (see the header), score within a tier.
    std::unordered_map<std::string, int> tier;
    if (!input.calls.empty() && !input.target.empty()) {
        std::unordered_map<std::string, std::vector<std::string>> callees;
        for (const auto &[from, to] : input.calls)
            callees[from].push_back(to);
        // The symptom's kind: given, or what the target shows most strongly of latency and errors.
        std::string targetKind = input.targetKind;
        if (targetKind.empty()) {
            double best = -1;
            for (std::size_t i = 0; i < input.metrics.size(); ++i) {
                const RcaMetric &m = input.metrics[i];
                if (m.entity != input.target || (m.kind != "latency" && m.kind != "errors"))
                    continue;
                const double sc = scores[i];
                if (sc > best) {
                    best = sc;
                    targetKind = m.kind;
                }
            }
        }
        std::unordered_map<std::string, double> symptom; // the entity's evidence of the symptom's kind
        for (std::size_t i = 0; i < input.metrics.size(); ++i) {
            const RcaMetric &m = input.metrics[i];
            // With the symptom's kind given, evidence of that kind walks the graph (a slow target is explained by slow
            // dependencies). Without it, any abnormal evidence does: a dependency that is slow, failing, saturated or
            // sick in another way (a host's network, a database's locks), whatever the target shows.
            if (input.targetKind.empty() || m.kind == targetKind)
                symptom[m.entity] = std::max(symptom[m.entity], scores[i]);
        }
        const std::set<std::string> alerting(input.alerting.begin(), input.alerting.end());
        const std::set<std::string> sharedDeps(input.shared.begin(), input.shared.end());
        const auto anomalous = [&](const std::string &e) {
            const auto it = symptom.find(e);
            return alerting.count(e) || (it != symptom.end() && it->second >= options.anomalyThreshold);
        };
        // Below the target, and connected to it through anomalous callers: a fault reaches the symptom only along a
        // path of entities that all show it. Anomalous entities off such a path (drifted, or broken but not the cause
        // of this symptom) rank after the connected ones.
        std::set<std::string> below{input.target}, connected{input.target};
        std::vector<std::string> queue{input.target};
        while (!queue.empty()) {
            const std::string at = queue.back();
            queue.pop_back();
            for (const std::string &c : callees[at])
                if (below.insert(c).second)
                    queue.push_back(c);
        }
        queue = {input.target};
        while (!queue.empty()) {
            const std::string at = queue.back();
            queue.pop_back();
            for (const std::string &c : callees[at])
                if (connected.insert(c).second && anomalous(c))
                    queue.push_back(c);
        }
        const std::set<std::string> observers(input.observers.begin(), input.observers.end());
        for (auto &c : out) {
            if (!below.count(c.entity)) {
                tier[c.entity] = 10;
                continue;
            }
            const int observer = observers.count(c.entity) ? 1 : 0;
            if (!anomalous(c.entity)) {
                tier[c.entity] = 8 + observer;
                continue;
            }
            // Explained by a callee that is anomalous too, unless that callee's anomaly is far weaker than its own (a
            // host's slight jitter does not explain a pod's tripled memory).
            const auto &cs = callees[c.entity];
            const double own = symptom.count(c.entity) ? symptom[c.entity] : 0.0;
            const bool explained = std::any_of(cs.begin(), cs.end(), [&](const std::string &callee) {
                if (!anomalous(callee))
                    return false;
                const auto it = symptom.find(callee);
                const double strength = it == symptom.end() ? 0.0 : it->second;
                if (sharedDeps.count(callee))
                    return strength >= own;
                return alerting.count(callee) || strength >= 0.3 * own;
            });
            tier[c.entity] = (connected.count(c.entity) || alerting.count(c.entity) ? 0 : 4) + (explained ? 2 : 0) + observer;
            c.score = std::max(c.score, symptom[c.entity]);
        }
    }
    for (auto &c : out) {
        const auto t = tier.find(c.entity);
        c.tier = t == tier.end() ? 0 : t->second;
    }
    orderCandidates(out);
    return out;
}

} // namespace Nocturne::Engine
