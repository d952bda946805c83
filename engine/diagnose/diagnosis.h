#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/pattern.h"
#include "core/result.h"
#include "diagnose/root_cause.h"

namespace Nocturne::Engine {

// What turns a ranked list into a diagnosis an operator can act on, applied after rankRootCauses:
// the propagation path and blast radius from the call graph, the lagged correlation of each candidate's strongest
// metric with the symptom, the knowledge base's fault patterns, and operators' earlier verdicts.

// For the first `limit` candidates: propagation path (candidate → … → target along calls reversed), blast radius
// (transitive callers) and request share (entry traffic that can reach the candidate, by `callRates` when given,
// else by entry points), and on each candidate's top evidence the best lagged Pearson r (0…maxLag samples, the
// candidate leading) against the target's strongest symptom metric.
void enrichCandidates(std::vector<RcaCandidate> &candidates, const RcaInput &input, std::size_t limit = 10, int maxLag = 10);

// A topology-aware random walk (personalised PageRank, after MicroRCA): a walker starts at the symptom's entity
// and moves along calls towards callees in proportion to how anomalous each is (staying where an entity is more
// anomalous than everything it calls), restarting at the symptom with probability `restart`. Candidates the walk
// visits often are where the anomaly concentrates: their score is multiplied by 1 + weight × (visits / best
// visits), within the walk's tiers. Fills walkScore. Without calls or a target it changes nothing.
void applyRandomWalk(std::vector<RcaCandidate> &candidates, const RcaInput &input, double weight = 0.3, double restart = 0.15);

// Fault patterns: an ordered decision list (the first pattern whose conditions all hold names the fault class),
// written in YAML:
//
//   patterns:
//     - name: database connection pool exhausted
//       entity_kind: [service]            # optional: the candidate's kind (service, database, cache, …)
//       all:                              # every condition must hold on the candidate's evidence
//         - {metric: "~pool_(active|wait)", direction: rise}
//       any:                              # optional: at least one must hold
//         - {log: "~pool exhausted"}
//       fault_class: connection_pool_exhausted
//       weight: 1.5                       # multiplies the candidate's score (≥ 1 strengthens, < 1 weakens)
//       action: Grow the connection pool of {entity}; if it is already large, analyse the slow SQL
//
// A condition names `metric` (exact, or "~regex"), `kind` (cpu, mem, latency, errors, traffic, change, log), or
// `log` (a regex over log evidence text); `direction` rise|fall; `min_score` (default 4, robust z).
class KnowledgeBase
{
public:
    struct Condition
    {
        std::string metric;
        bool metricIsRegex = false;
        // Qualified: the nested KnowledgeBase::Pattern below would otherwise change what the name means here.
        Nocturne::Engine::Pattern metricRegex; // case-insensitive, matched anywhere in the metric name
        std::string kind;
        std::string log;
        Nocturne::Engine::Pattern logRegex; // case-insensitive, matched anywhere in the log text
        int direction = 0; // +1 rise, −1 fall, 0 either
        double minScore = 4;
    };
    struct Pattern
    {
        std::string name;
        std::vector<std::string> entityKinds;
        std::vector<Condition> all;
        std::vector<Condition> any;
        std::string faultClass;
        double weight = 1;
        std::string action;
    };

    static Result<KnowledgeBase> parse(std::string_view yaml, std::string_view sourceName = "knowledge");
    // The built-in patterns (resources/rca/knowledge.yaml, compiled in).
    static const KnowledgeBase &builtIn();

    // The first matching pattern for a candidate of the given entity kind, or nullptr.
    const Pattern *match(const RcaCandidate &candidate, std::string_view entityKind) const;
    // Names the fault class, suggests the action and weights the score of every candidate a pattern matches.
    void apply(std::vector<RcaCandidate> &candidates, const std::map<std::string, std::string> &entityKinds) const;
    const std::vector<Pattern> &patterns() const { return m_patterns; }

private:
    std::vector<Pattern> m_patterns;
};

// Operators' verdicts on earlier diagnoses: a confirmed (entity, fault class) ranks higher next time, a rejected one
// lower. weight = (1 + confirmations) / (1 + rejections), bounded to [0.25, 4]; a verdict on a fault class alone
// (any entity) counts half.
class RcaFeedback
{
public:
    struct Row
    {
        std::string entity;
        std::string faultClass;
        int confirmed = 0;
        int rejected = 0;
    };
    void record(const std::string &entity, const std::string &faultClass, bool confirmed);
    double weight(const std::string &entity, const std::string &faultClass) const;
    std::vector<Row> exportRows() const;
    void importRows(const std::vector<Row> &rows);

private:
    std::map<std::pair<std::string, std::string>, Row> m_rows;
};

// Applies feedback weights (a rejected candidate also moves a step of tiers down, a confirmed one a step up), re-orders
// by score × tier weight and recomputes confidences.
void applyFeedback(std::vector<RcaCandidate> &candidates, const RcaFeedback &feedback);

} // namespace Nocturne::Engine
