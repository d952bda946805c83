#include "diagnosis.h"

#include "diagnose/evidence_text.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <yaml-cpp/yaml.h>

namespace Nocturne::Engine {

namespace detail {
extern const char *const kBuiltInKnowledge;
}

namespace {

// Pearson r of x[i] against y[i + lag] over the common tail-aligned part.
double laggedPearson(const std::vector<double> &x, const std::vector<double> &y, int lag)
{
    const std::size_t n = std::min(x.size(), y.size());
    if (n < std::size_t(lag) + 8)
        return std::numeric_limits<double>::quiet_NaN();
    const std::size_t xo = x.size() - n, yo = y.size() - n;
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    std::size_t m = 0;
    for (std::size_t i = 0; i + std::size_t(lag) < n; ++i) {
        const double a = x[xo + i], b = y[yo + i + std::size_t(lag)];
        if (!std::isfinite(a) || !std::isfinite(b))
            continue;
        sx += a;
        sy += b;
        sxx += a * a;
        syy += b * b;
        sxy += a * b;
        ++m;
    }
    if (m < 8)
        return std::numeric_limits<double>::quiet_NaN();
    const double dm = double(m);
    const double vx = sxx - sx * sx / dm, vy = syy - sy * sy / dm;
    if (vx <= 1e-12 || vy <= 1e-12)
        return std::numeric_limits<double>::quiet_NaN();
    return (sxy - sx * sy / dm) / std::sqrt(vx * vy);
}

std::vector<double> joined(const RcaMetric &m)
{
    std::vector<double> v(m.normal);
    v.insert(v.end(), m.incident.begin(), m.incident.end());
    return v;
}

bool conditionHolds(const KnowledgeBase::Condition &c, const RcaCandidate &candidate)
{
    for (const RcaEvidence &e : candidate.evidence) {
        if (!c.log.empty()) {
            if (e.kind == "log" && c.logRegex.partialMatch(e.text))
                return true;
            continue;
        }
        if (!c.kind.empty() && e.kind != c.kind)
            continue;
        if (!c.metric.empty()) {
            if (c.metricIsRegex ? !c.metricRegex.partialMatch(e.metric) : e.metric != c.metric)
                continue;
        }
        if (e.kind == "change" || e.kind == "log") {
            if (c.kind == e.kind)
                return true;
            continue;
        }
        if (e.score < c.minScore)
            continue;
        if (c.direction != 0 && e.direction * c.direction <= 0)
            continue;
        return true;
    }
    return false;
}

void resort(std::vector<RcaCandidate> &candidates)
{
    orderCandidates(candidates);
}

std::string replaceEntity(std::string text, const std::string &entity)
{
    for (std::size_t at; (at = text.find("{entity}")) != std::string::npos;)
        text.replace(at, 8, entity);
    return text;
}
} // namespace

void enrichCandidates(std::vector<RcaCandidate> &candidates, const RcaInput &input, std::size_t limit, int maxLag)
{
    std::unordered_map<std::string, std::vector<std::size_t>> callersOf, calleesOf;
    std::unordered_set<std::string> called;
    for (std::size_t i = 0; i < input.calls.size(); ++i) {
        callersOf[input.calls[i].second].push_back(i);
        calleesOf[input.calls[i].first].push_back(i);
        called.insert(input.calls[i].second);
    }
    // Entry points (call nobody's callee) and their traffic.
    std::unordered_map<std::string, double> entryWeight;
    double entryTotal = 0;
    for (const auto &[from, _] : input.calls) {
        if (called.count(from) || entryWeight.count(from))
            continue;
        double w = 0;
        for (std::size_t i : calleesOf[from])
            w += i < input.callRates.size() ? input.callRates[i] : 0;
        w = w > 0 ? w : 1;
        entryWeight[from] = w;
        entryTotal += w;
    }
    // The symptom series: the target's strongest latency / error metric (by variance of the incident window).
    const RcaMetric *symptom = nullptr;
    double bestSpread = -1;
    for (const RcaMetric &m : input.metrics) {
        if (m.entity != input.target || (m.kind != "latency" && m.kind != "errors"))
            continue;
        if (!input.targetKind.empty() && m.kind != input.targetKind)
            continue;
        double lo = INFINITY, hi = -INFINITY;
        for (double v : m.incident)
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        const double spread = hi > lo ? (hi - lo) / std::max(1e-12, std::abs(hi) + std::abs(lo)) : 0;
        if (spread > bestSpread) {
            bestSpread = spread;
            symptom = &m;
        }
    }
    const std::vector<double> y = symptom ? joined(*symptom) : std::vector<double>{};
    double step = 0;
    if (symptom && symptom->incidentTimes.size() >= 2)
        step = double(symptom->incidentTimes[1] - symptom->incidentTimes[0]) / double(kSecond);
    std::unordered_map<std::string, std::vector<const RcaMetric *>> metricsOf;
    for (const RcaMetric &m : input.metrics)
        metricsOf[m.entity].push_back(&m);

    for (std::size_t k = 0; k < candidates.size() && k < limit; ++k) {
        RcaCandidate &c = candidates[k];
        // Blast radius: everything that calls the candidate, transitively; the request share from the entries.
        std::set<std::string> seen{c.entity};
        std::deque<std::string> queue{c.entity};
        std::unordered_map<std::string, std::string> towardsTarget; // caller → the callee it was reached from
        c.blastRadius.clear();
        while (!queue.empty()) {
            const std::string at = queue.front();
            queue.pop_front();
            for (std::size_t i : callersOf[at]) {
                const std::string &caller = input.calls[i].first;
                if (seen.insert(caller).second) {
                    towardsTarget[caller] = at;
                    c.blastRadius.push_back(caller);
                    queue.push_back(caller);
                }
            }
        }
        double reached = 0;
        for (const auto &[entry, w] : entryWeight)
            if (entry == c.entity || seen.count(entry))
                reached += w;
        c.requestShare = entryTotal > 0 ? std::min(1.0, reached / entryTotal) : 0;
        // Propagation path: the candidate, then callers up to the target along the breadth-first (shortest) chain.
        c.propagationPath = {c.entity};
        if (!input.target.empty() && input.target != c.entity && seen.count(input.target)) {
            std::vector<std::string> up{input.target};
            while (up.back() != c.entity) {
                const auto it = towardsTarget.find(up.back());
                if (it == towardsTarget.end())
                    break;
                up.push_back(it->second);
            }
            std::reverse(up.begin(), up.end());
            c.propagationPath = up;
        }
        // Lagged correlation of the candidate's strongest metric with the symptom.
        if (c.evidence.empty() || y.empty() || c.entity == input.target)
            continue;
        RcaEvidence &top = c.evidence.front();
        if (std::isfinite(top.correlation))
            continue; // enriched before (the ranking was re-ordered since)
        const RcaMetric *metric = nullptr;
        for (const RcaMetric *m : metricsOf[c.entity])
            if (m->name == top.metric)
                metric = m;
        if (!metric)
            continue;
        const std::vector<double> x = joined(*metric);
        double bestR = std::numeric_limits<double>::quiet_NaN();
        int bestLag = 0;
        for (int lag = 0; lag <= maxLag; ++lag) {
            const double r = laggedPearson(x, y, lag);
            if (std::isfinite(r) && (!std::isfinite(bestR) || std::abs(r) > std::abs(bestR) + 1e-9)) {
                bestR = r;
                bestLag = lag;
            }
        }
        top.correlation = bestR;
        top.lagSeconds = bestLag * step;
        // Said only when it means something: a weak correlation reads like counter-evidence and is left out.
        if (std::isfinite(bestR) && std::abs(bestR) >= 0.5) {
            char buf[200];
            std::snprintf(buf, sizeof buf, "; moves %s %s's %s (r = %.2f)", bestR > 0 ? "with" : "against", input.target.c_str(),
                          humanMetricName(symptom->name).c_str(), bestR);
            top.text += buf;
            if (bestLag > 0 && step > 0) {
                std::snprintf(buf, sizeof buf, ", %.0f s ahead of it", bestLag * step);
                top.text += buf;
            }
        }
    }
}

void applyRandomWalk(std::vector<RcaCandidate> &candidates, const RcaInput &input, double weight, double restart)
{
    if (input.calls.empty() || input.target.empty() || candidates.empty())
        return;
    std::unordered_map<std::string, std::size_t> index;
    std::vector<std::string> names;
    auto id = [&](const std::string &n) {
        const auto [it, inserted] = index.emplace(n, names.size());
        if (inserted)
            names.push_back(n);
        return it->second;
    };
    const std::size_t target = id(input.target);
    std::vector<std::pair<std::size_t, std::size_t>> edges;
    for (const auto &[from, to] : input.calls)
        edges.push_back({id(from), id(to)});
    std::vector<double> anomaly(names.size(), 0.0);
    for (const RcaCandidate &c : candidates)
        if (const auto it = index.find(c.entity); it != index.end())
            anomaly[it->second] = std::max(0.0, c.score);
    std::vector<std::vector<std::size_t>> callees(names.size());
    for (const auto &[a, b] : edges)
        callees[a].push_back(b);
    // Transition weights: to each callee by its anomaly; a self-loop for what exceeds every callee's anomaly.
    std::vector<std::vector<std::pair<std::size_t, double>>> out(names.size());
    for (std::size_t u = 0; u < names.size(); ++u) {
        double best = 0, total = 0;
        for (std::size_t v : callees[u]) {
            const double w = 0.01 + anomaly[v];
            out[u].push_back({v, w});
            best = std::max(best, anomaly[v]);
            total += w;
        }
        const double self = std::max(0.0, anomaly[u] - best) + (callees[u].empty() ? 1.0 : 0.0);
        if (self > 0) {
            out[u].push_back({u, self});
            total += self;
        }
        for (auto &[_, w] : out[u])
            w /= total;
    }
    std::vector<double> p(names.size(), 0.0), next(names.size());
    p[target] = 1;
    for (int iteration = 0; iteration < 50; ++iteration) {
        std::fill(next.begin(), next.end(), 0.0);
        next[target] += restart;
        for (std::size_t u = 0; u < names.size(); ++u)
            for (const auto &[v, w] : out[u])
                next[v] += (1 - restart) * p[u] * w;
        p.swap(next);
    }
    double best = 0;
    for (const RcaCandidate &c : candidates)
        if (const auto it = index.find(c.entity); it != index.end() && c.entity != input.target)
            best = std::max(best, p[it->second]);
    if (best <= 0)
        return;
    for (RcaCandidate &c : candidates) {
        const auto it = index.find(c.entity);
        if (it == index.end() || c.entity == input.target)
            continue;
        c.walkScore = p[it->second] / best;
        c.score *= 1 + weight * c.walkScore;
    }
    resort(candidates);
}

Result<KnowledgeBase> KnowledgeBase::parse(std::string_view yaml, std::string_view sourceName)
{
    const std::string name(sourceName);
    auto where = [&](const YAML::Mark &mark) {
        return mark.is_null() ? name : name + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    };
    KnowledgeBase kb;
    try {
        const YAML::Node root = YAML::Load(std::string(yaml));
        if (!root.IsMap() || !root["patterns"] || !root["patterns"].IsSequence())
            return makeError(ErrorCode::ParseError, "expected `patterns:` with a list of patterns", where(root.Mark()));
        // Knowledge files can come from operators: RE2 keeps a careless pattern linear in the evidence text.
        using Regex = Nocturne::Engine::Pattern; // in here, plain `Pattern` is KnowledgeBase::Pattern
        const auto compile = [&](const std::string &regex, const YAML::Node &at, Regex &out) -> Status {
            auto compiled = Regex::compile(regex, Regex::Options{.caseInsensitive = true});
            if (!compiled)
                return makeError(ErrorCode::ParseError, "bad regex: " + compiled.error().message, where(at.Mark()));
            out = std::move(*compiled);
            return {};
        };
        const auto parseConditions = [&](const YAML::Node &list, std::vector<Condition> &out) -> Status {
            if (!list.IsSequence())
                return makeError(ErrorCode::ParseError, "conditions must be a list", where(list.Mark()));
            for (const YAML::Node &n : list) {
                if (!n.IsMap())
                    return makeError(ErrorCode::ParseError, "a condition is a map", where(n.Mark()));
                Condition c;
                for (const auto &kv : n) {
                    const std::string key = kv.first.as<std::string>();
                    const std::string value = kv.second.as<std::string>();
                    if (key == "metric") {
                        c.metricIsRegex = !value.empty() && value.front() == '~';
                        c.metric = c.metricIsRegex ? value.substr(1) : value;
                        if (c.metricIsRegex) {
                            if (auto s = compile(c.metric, kv.second, c.metricRegex); !s)
                                return s;
                        }
                    } else if (key == "kind") {
                        c.kind = value;
                    } else if (key == "log") {
                        c.log = !value.empty() && value.front() == '~' ? value.substr(1) : value;
                        if (auto s = compile(c.log, kv.second, c.logRegex); !s)
                            return s;
                    } else if (key == "direction") {
                        if (value != "rise" && value != "fall")
                            return makeError(ErrorCode::ParseError, "direction is rise or fall", where(kv.second.Mark()));
                        c.direction = value == "rise" ? 1 : -1;
                    } else if (key == "min_score") {
                        c.minScore = kv.second.as<double>();
                    } else {
                        return makeError(ErrorCode::ParseError, "unknown condition key `" + key + "`", where(kv.first.Mark()));
                    }
                }
                if (c.metric.empty() && c.kind.empty() && c.log.empty())
                    return makeError(ErrorCode::ParseError, "a condition needs metric, kind or log", where(n.Mark()));
                out.push_back(std::move(c));
            }
            return {};
        };
        for (const YAML::Node &p : root["patterns"]) {
            if (!p.IsMap())
                return makeError(ErrorCode::ParseError, "a pattern is a map", where(p.Mark()));
            Pattern pattern;
            for (const auto &kv : p) {
                const std::string key = kv.first.as<std::string>();
                if (key == "name")
                    pattern.name = kv.second.as<std::string>();
                else if (key == "entity_kind")
                    pattern.entityKinds = kv.second.IsSequence() ? kv.second.as<std::vector<std::string>>()
                                                                 : std::vector<std::string>{kv.second.as<std::string>()};
                else if (key == "all") {
                    if (auto s = parseConditions(kv.second, pattern.all); !s)
                        return tl::unexpected(s.error());
                } else if (key == "any") {
                    if (auto s = parseConditions(kv.second, pattern.any); !s)
                        return tl::unexpected(s.error());
                } else if (key == "fault_class")
                    pattern.faultClass = kv.second.as<std::string>();
                else if (key == "weight")
                    pattern.weight = kv.second.as<double>();
                else if (key == "action")
                    pattern.action = kv.second.as<std::string>();
                else
                    return makeError(ErrorCode::ParseError, "unknown pattern key `" + key + "`", where(kv.first.Mark()));
            }
            if (pattern.name.empty() || pattern.faultClass.empty() || pattern.all.empty())
                return makeError(ErrorCode::ParseError, "a pattern needs name, fault_class and at least one `all` condition", where(p.Mark()));
            if (!(pattern.weight > 0 && pattern.weight <= 10))
                return makeError(ErrorCode::ParseError, "weight must be in (0, 10]", where(p["weight"].Mark()));
            kb.m_patterns.push_back(std::move(pattern));
        }
    } catch (const YAML::ParserException &e) {
        return makeError(ErrorCode::ParseError, e.msg, where(e.mark));
    } catch (const YAML::Exception &e) {
        return makeError(ErrorCode::ParseError, e.msg, where(e.mark));
    }
    return kb;
}

const KnowledgeBase &KnowledgeBase::builtIn()
{
    static const KnowledgeBase kb = [] {
        auto parsed = parse(detail::kBuiltInKnowledge, "resources/rca/knowledge.yaml");
        return parsed ? std::move(*parsed) : KnowledgeBase{}; // tst_root_cause checks that it parses
    }();
    return kb;
}

const KnowledgeBase::Pattern *KnowledgeBase::match(const RcaCandidate &candidate, std::string_view entityKind) const
{
    for (const Pattern &p : m_patterns) {
        if (!p.entityKinds.empty() && std::find(p.entityKinds.begin(), p.entityKinds.end(), entityKind) == p.entityKinds.end())
            continue;
        if (!std::all_of(p.all.begin(), p.all.end(), [&](const Condition &c) { return conditionHolds(c, candidate); }))
            continue;
        if (!p.any.empty() && !std::any_of(p.any.begin(), p.any.end(), [&](const Condition &c) { return conditionHolds(c, candidate); }))
            continue;
        return &p;
    }
    return nullptr;
}

void KnowledgeBase::apply(std::vector<RcaCandidate> &candidates, const std::map<std::string, std::string> &entityKinds) const
{
    for (RcaCandidate &c : candidates) {
        const auto kind = entityKinds.find(c.entity);
        const Pattern *p = match(c, kind == entityKinds.end() ? std::string_view() : std::string_view(kind->second));
        if (!p)
            continue;
        c.pattern = p->name;
        c.faultClass = p->faultClass;
        c.action = replaceEntity(p->action, c.entity);
        c.score *= p->weight;
    }
    resort(candidates);
}

void RcaFeedback::record(const std::string &entity, const std::string &faultClass, bool confirmed)
{
    Row &row = m_rows[{entity, faultClass}];
    row.entity = entity;
    row.faultClass = faultClass;
    (confirmed ? row.confirmed : row.rejected) += 1;
}

double RcaFeedback::weight(const std::string &entity, const std::string &faultClass) const
{
    double confirmed = 0, rejected = 0;
    for (const auto &[key, row] : m_rows) {
        if (key.second != faultClass)
            continue;
        const double share = key.first == entity ? 1.0 : 0.5; // the class elsewhere counts half
        confirmed += share * row.confirmed;
        rejected += share * row.rejected;
    }
    return std::clamp((1 + confirmed) / (1 + rejected), 0.25, 4.0);
}

std::vector<RcaFeedback::Row> RcaFeedback::exportRows() const
{
    std::vector<Row> out;
    for (const auto &[_, row] : m_rows)
        out.push_back(row);
    return out;
}

void RcaFeedback::importRows(const std::vector<Row> &rows)
{
    m_rows.clear();
    for (const Row &r : rows)
        m_rows[{r.entity, r.faultClass}] = r;
}

void applyFeedback(std::vector<RcaCandidate> &candidates, const RcaFeedback &feedback)
{
    for (RcaCandidate &c : candidates) {
        c.feedbackWeight = feedback.weight(c.entity, c.faultClass);
        c.score *= c.feedbackWeight;
        // Operators' verdicts outweigh the walk: a rejected candidate moves one step of tiers down, a confirmed one a
        // step up (steps are two tiers, so an observer's odd tier stays odd and keeps its own penalty).
        if (c.feedbackWeight < 0.99)
            c.tier += 2;
        else if (c.feedbackWeight > 1.01 && c.tier >= 2)
            c.tier -= 2;
    }
    resort(candidates);
}

} // namespace Nocturne::Engine
