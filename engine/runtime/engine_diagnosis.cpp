// The engine's diagnosis of incidents: the log evidence of an incident, the ranking built from the store, the live
// graph, logs, change events and the fabric monitor's findings, and the frozen rankings of closed incidents.
#include "runtime/engine.h"

#include <algorithm>
#include <map>
#include <set>

#include "diagnose/fabric_evidence.h"
#include "storage/event_store.h"

namespace Nocturne::Engine {

std::vector<LogAnomaly> Engine::incidentLogEvidence(std::int64_t incidentId, std::size_t limit) const
{
    const auto inc = incident(incidentId);
    if (!inc)
        return {};
    const Timestamp from = inc->start - 5 * kMinute;
    const Timestamp to = inc->end ? inc->end : std::numeric_limits<Timestamp>::max();
    auto found = m_logAnomalies.latest(m_logAnomalies.capacity(), [&](const LogAnomaly &a) {
        return a.ts >= from && a.ts <= to && inc->entities.count(a.source) > 0;
    });
    // Templates that were right before (confirmed incidents) weigh more: score × (1 + ln(1 + lift)). One entry per
    // (source, template, kind): the strongest.
    std::unordered_map<std::uint32_t, double> weight;
    {
        std::lock_guard lock(m_logMutex);
        for (const LogAnomaly &a : found)
            weight.emplace(a.templateId.value, 1.0 + std::log1p(m_templateAssociation.bestClass(a.templateId.value).second));
    }
    std::sort(found.begin(), found.end(), [&](const LogAnomaly &a, const LogAnomaly &b) {
        return a.score * weight[a.templateId.value] > b.score * weight[b.templateId.value];
    });
    std::vector<LogAnomaly> out;
    for (LogAnomaly &a : found) {
        const bool seen = std::any_of(out.begin(), out.end(), [&](const LogAnomaly &o) {
            return o.source == a.source && o.templateId == a.templateId && o.kind == a.kind;
        });
        if (!seen)
            out.push_back(std::move(a));
        if (out.size() >= limit)
            break;
    }
    return out;
}

Result<std::vector<RcaCandidate>> Engine::diagnoseIncident(std::int64_t incidentId) const
{
    const auto inc = incident(incidentId);
    if (!inc)
        return makeError(ErrorCode::NotFound, "no incident " + std::to_string(incidentId));
    // A frozen ranking older than the incident's last close (it re-opened since) is stale unless an operator made it.
    const auto current = [&](const FrozenRanking &f) { return f.by != "system" || f.at >= inc->end; };
    if (!inc->open()) {
        std::lock_guard lock(m_rcaMutex);
        if (const auto it = m_frozenDiagnoses.find(incidentId); it != m_frozenDiagnoses.end() && current(it->second))
            return it->second.candidates;
    }
    auto ranked = computeDiagnosis(*inc);
    if (ranked && !inc->open())
        freezeDiagnosis(incidentId, FrozenRanking{inc->end, "system", *ranked});
    return ranked;
}

Result<std::vector<RcaCandidate>> Engine::rerankIncident(std::int64_t incidentId, const std::string &who)
{
    const auto inc = incident(incidentId);
    if (!inc)
        return makeError(ErrorCode::NotFound, "no incident " + std::to_string(incidentId));
    if (who.empty())
        return makeError(ErrorCode::InvalidArgument, "re-ranking needs a person");
    auto ranked = computeDiagnosis(*inc);
    if (ranked && !inc->open())
        freezeDiagnosis(incidentId, FrozenRanking{m_clock.now(), who, *ranked});
    return ranked;
}

void Engine::freezeDiagnosis(std::int64_t incidentId, FrozenRanking frozen) const
{
    // Saved first (the writer thread commits it), then kept in memory; a failed save leaves the ranking in memory
    // and says so on the storage feed.
    if (m_eventStore)
        if (auto saved = m_eventStore->saveIncidentDiagnosis(incidentId, frozen.at, frozen.by, frozen.candidates); !saved)
            // Freezing is a cache of a const query; the feed state it reports to is the engine's own, locked state.
            const_cast<Engine *>(this)->setFeedState("storage:events", FeedState::Degraded, saved.error().toString());
    std::lock_guard lock(m_rcaMutex);
    m_frozenDiagnoses[incidentId] = std::move(frozen);
}

std::optional<Timestamp> Engine::diagnosisFrozenAt(std::int64_t incidentId) const
{
    std::lock_guard lock(m_rcaMutex);
    const auto it = m_frozenDiagnoses.find(incidentId);
    return it == m_frozenDiagnoses.end() ? std::nullopt : std::optional<Timestamp>(it->second.at);
}

std::string Engine::diagnosisFrozenBy(std::int64_t incidentId) const
{
    std::lock_guard lock(m_rcaMutex);
    const auto it = m_frozenDiagnoses.find(incidentId);
    return it == m_frozenDiagnoses.end() ? std::string() : it->second.by;
}

void Engine::freezeClosedIncidents()
{
    // Incidents that closed since the last look get their diagnosis frozen now, while their evidence is in the store.
    // The book counts closures, so a tick without one costs a comparison.
    std::vector<std::int64_t> closed;
    {
        std::lock_guard alerts(m_alertMutex);
        if (m_alertBook.closures() == m_closuresSeen)
            return;
        m_closuresSeen = m_alertBook.closures();
        std::lock_guard rca(m_rcaMutex);
        for (const Incident &i : m_alertBook.incidents())
            if (!i.open() && !i.archived && !i.alerts.empty() && m_clock.now() - i.end < kHour) {
                const auto it = m_frozenDiagnoses.find(i.id);
                if (it == m_frozenDiagnoses.end() || (it->second.by == "system" && it->second.at < i.end))
                    closed.push_back(i.id);
            }
    }
    // One that cannot be ranked any more (its details archived) stays unfrozen: asking later ranks what is left.
    for (std::int64_t id : closed)
        if (auto ranked = diagnoseIncident(id); !ranked)
            continue;
}

Result<std::vector<RcaCandidate>> Engine::computeDiagnosis(const Incident &incident) const
{
    const Incident *inc = &incident;
    const std::int64_t incidentId = incident.id;
    // The evidence window opens two minutes before the first alert (detection takes a little while); the reference is
    // the half hour before that. Candidates: the incident's entities and what they depend on (callees, hosts).
    // The evidence ends with the incident, and at most a quarter of an hour after it began: a cause shows at the
    // start; what changes much later belongs to the next fault.
    const Timestamp evidenceFrom = inc->start - 2 * kMinute;
    const Timestamp evidenceTo = std::min(inc->end ? inc->end : std::max(m_clock.now(), inc->lastActivity), inc->start + 15 * kMinute);
    const Timestamp referenceFrom = evidenceFrom - 30 * kMinute;
    RcaInput input;
    input.onset = evidenceFrom;
    input.symptomStart = inc->start;
    std::set<std::string> candidates(inc->entities.begin(), inc->entities.end());
    std::map<std::string, std::string> kinds;
    std::set<std::string> callers; // entities a symptom can be walked down from: callers and services with instances
    {
        const TopologySnapshot graph = topology();
        for (const TopologyNode &n : graph.nodes)
            kinds[n.id] = topologyNodeKindName(n.kind);
        for (const TopologyEdge &e : graph.edges) {
            if (e.kind == TopologyEdgeKind::Calls) {
                input.calls.push_back({e.from, e.to});
                input.callRates.push_back(e.rps);
            }
        }
        // What a service depends on besides its callees: its instances, and the hosts they run on. They join the walk
        // as dependencies (no request rate), so a sick host under a slow service is found below it.
        std::map<std::string, std::vector<std::string>> dependsOn;
        for (const TopologyEdge &e : graph.edges)
            if (e.kind == TopologyEdgeKind::Calls)
                callers.insert(e.from);
        for (const TopologyNode &n : graph.nodes)
            if (!n.parent.empty() && n.kind == TopologyNodeKind::Instance) {
                callers.insert(n.parent);
                dependsOn[n.parent].push_back(n.id);
                input.calls.push_back({n.parent, n.id});
                input.callRates.push_back(0);
            }
        for (const TopologyEdge &e : graph.edges) {
            if (e.kind == TopologyEdgeKind::RunsOn) {
                input.calls.push_back({e.from, e.to});
                input.callRates.push_back(0);
                input.shared.push_back(e.to);
            }
            if (e.kind == TopologyEdgeKind::Calls || e.kind == TopologyEdgeKind::RunsOn)
                dependsOn[e.from].push_back(e.to);
        }
        // A cause sits on an alerting entity or below one (what it calls, its instances, where they run): not among
        // its callers. An entity that only saw a call edge's alert (a caller observing its callee) adds nothing below
        // it: its other callees are not suspects.
        std::set<std::string> own;
        {
            std::lock_guard lock(m_alertMutex);
            for (std::int64_t id : inc->alerts)
                if (const Alert *a = m_alertBook.alert(id); a && !alertSubject(a->labels, a->entity).empty())
                    own.insert(alertSubject(a->labels, a->entity));
        }
        for (const std::string &e : inc->entities) {
            if (!own.count(e))
                continue;
            for (const std::string &d : dependsOn[e]) {
                candidates.insert(d);
                if (graph.nodes.empty())
                    continue;
                for (const std::string &h : dependsOn[d]) // an instance's host
                    if (kinds[h] == "host")
                        candidates.insert(h);
            }
        }
    }
    for (const std::string &entity : candidates) {
        auto matcher = LabelMatcher::make("entity", LabelMatcher::Op::Equal, entity);
        if (!matcher)
            continue;
        for (SeriesId id : m_store.select({*matcher})) {
            const auto key = m_store.key(id);
            if (!key || key->name.rfind("nocturne_", 0) == 0 || key->label("kind") == "edge")
                continue;
            RcaMetric m;
            m.entity = entity;
            m.name = key->name;
            m.kind = metricKindOf(key->name);
            for (const Sample &s : m_store.range(id, referenceFrom, evidenceTo)) {
                if (s.ts < evidenceFrom) {
                    m.normal.push_back(s.value);
                } else {
                    m.incident.push_back(s.value);
                    m.incidentTimes.push_back(s.ts);
                }
            }
            if (!m.normal.empty() && !m.incident.empty())
                input.metrics.push_back(std::move(m));
        }
    }
    input.candidates.assign(candidates.begin(), candidates.end());
    input.alerting.assign(inc->entities.begin(), inc->entities.end());
    // The symptom: the incident's most upstream caller or service (no caller among the incident's entities), the one
    // with most of the incident below it along calls, instances and hosts. Without one (a fabric, a job's servers)
    // there is none, and the ranking stands on the evidence alone.
    {
        std::map<std::string, std::vector<std::string>> callees;
        for (const auto &[from, to] : input.calls)
            callees[from].push_back(to);
        std::size_t bestReach = 0;
        for (const std::string &e : inc->entities) {
            const bool called = std::any_of(input.calls.begin(), input.calls.end(),
                                            [&](const auto &c) { return c.second == e && inc->entities.count(c.first); });
            if (called || !callees.count(e) || !callers.count(e))
                continue;
            std::set<std::string> seen{e};
            std::vector<std::string> stack{e};
            while (!stack.empty()) {
                const std::string at = stack.back();
                stack.pop_back();
                for (const std::string &c : callees[at])
                    if (seen.insert(c).second)
                        stack.push_back(c);
            }
            const auto reach = std::size_t(std::count_if(inc->entities.begin(), inc->entities.end(), [&](const std::string &x) { return seen.count(x); }));
            if (reach > bestReach) {
                bestReach = reach;
                input.target = e;
            }
        }
    }
    auto ranked = rankRootCauses(input);
    applyRandomWalk(ranked, input);
    enrichCandidates(ranked, input);
    // Log evidence of each candidate (the incident's log anomalies by source).
    for (const LogAnomaly &a : incidentLogEvidence(incidentId, 50)) {
        for (RcaCandidate &c : ranked) {
            if (c.entity != a.source)
                continue;
            RcaEvidence e;
            e.metric = "log";
            e.kind = "log";
            e.score = e.rankScore = a.score;
            e.onset = a.ts;
            e.text = std::string("log ") + logAnomalyKindName(a.kind) + ": " + a.templateText.substr(0, 160);
            c.evidence.push_back(std::move(e));
        }
    }
    // Change events (deploys, configuration) on a candidate from half an hour before the incident.
    std::vector<EventRecord> changes;
    if (m_eventStore) {
        EventStore::Query q;
        q.from = referenceFrom;
        q.to = evidenceTo;
        q.kind = "deploy";
        if (auto rows = m_eventStore->query(q))
            changes = std::move(*rows);
    }
    for (const EventRecord &ev : m_recentEvents.latest(m_recentEvents.capacity()))
        if (ev.kind == "deploy" && ev.ts >= referenceFrom && ev.ts <= evidenceTo &&
            std::none_of(changes.begin(), changes.end(), [&](const EventRecord &c) { return c.ts == ev.ts && c.entity == ev.entity; }))
            changes.push_back(ev);
    for (const EventRecord &ev : changes)
        for (RcaCandidate &c : ranked)
            if (c.entity == ev.entity && ev.ts <= inc->start + 2 * kMinute) { // a change after the symptoms did not cause them
                RcaEvidence e;
                e.metric = ev.kind;
                e.kind = "change";
                e.onset = ev.ts;
                e.text = ev.kind + " at " + formatIso8601(ev.ts) + ": " + ev.title;
                c.evidence.insert(c.evidence.begin() + std::min<std::ptrdiff_t>(1, std::ptrdiff_t(c.evidence.size())), std::move(e));
            }
    // The GPU fabric monitor's findings in the incident's window: a finding on a candidate (or on an entity the
    // incident touches) is evidence; the monitor's judgement of origin versus victim weighs in (a PFC victim port, an
    // idle GPU or a slow job is a symptom, not where the fault lives).
    {
        std::vector<FabricFinding> findings;
        std::shared_ptr<const Fabric> fabric;
        {
            std::lock_guard lock(m_fabricMutex);
            fabric = m_fabric;
            for (const auto &[_, f] : m_fabricFindingHistory)
                findings.push_back(f);
        }
        if (fabric && !findings.empty()) {
            std::set<std::string> related(candidates.begin(), candidates.end());
            std::set<std::string> fabricRoots, fabricVictims;
            for (const FabricEvidence &fe : fabricEvidence(findings, fabric.get(), evidenceFrom, evidenceTo)) {
                auto it = std::find_if(ranked.begin(), ranked.end(), [&](const RcaCandidate &c) { return c.entity == fe.entity; });
                if (it == ranked.end()) {
                    if (!fe.rootCandidate || !related.count(fe.entity))
                        continue;
                    RcaCandidate c;
                    c.entity = fe.entity;
                    c.tier = 0;
                    ranked.push_back(std::move(c));
                    it = ranked.end() - 1;
                }
                RcaEvidence e = fe.evidence;
                e.rankScore = e.score;
                if (fe.rootCandidate) {
                    it->score = std::max(it->score, e.score);
                    fabricRoots.insert(it->entity);
                    it->evidence.insert(it->evidence.begin(), std::move(e));
                } else {
                    fabricVictims.insert(it->entity);
                    it->evidence.push_back(std::move(e));
                }
            }
            // The monitor localises faults on the fabric (an optic under its port's errors, a PFC origin among its
            // victims): what it calls a victim or a symptom ranks below what it calls the origin.
            double bestRoot = 0;
            for (const RcaCandidate &c : ranked)
                if (fabricRoots.count(c.entity) && !fabricVictims.count(c.entity))
                    bestRoot = std::max(bestRoot, c.score);
            for (RcaCandidate &c : ranked)
                if (fabricVictims.count(c.entity) && !fabricRoots.count(c.entity))
                    c.score = bestRoot > 0 ? std::min(c.score * 0.3, 0.5 * bestRoot) : c.score * 0.3;
            orderCandidates(ranked);
        }
    }
    KnowledgeBase::builtIn().apply(ranked, kinds);
    {
        std::lock_guard lock(m_rcaMutex);
        applyFeedback(ranked, m_rcaFeedback);
    }
    enrichCandidates(ranked, input); // the knowledge base and feedback may have moved others into the top
    return ranked;
}

} // namespace Nocturne::Engine
