#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "model/series_key.h"
#include "remediate/proposal_book.h"

namespace Nocturne::Engine {

// One comparison of a policy condition:
//   <metric selector> <op> <number> [for <duration>]     db_pool_wait_seconds{entity="{entity}"} > 0.5 for 2m
//   anomaly(<entity>) <op> <number> [for …]              the entity's current anomaly score
//   rca.confidence <op> <number>                         the incident's top cause (incident policies)
//   hotspot("<function>") <op> <percent>%                the function's share of the CPU profile of the policy's
//                                                        target (incident policies: the top cause)
// "{entity}" anywhere is replaced by the incident's top cause (incident policies) before evaluation.
struct PolicyTerm {
    enum class Kind { Metric, Anomaly, RcaConfidence, Hotspot };
    Kind kind = Kind::Metric;
    std::string subject; // selector text, entity, or function
    std::string op;      // > >= < <= == !=
    double value = 0;
    Duration forDuration = 0;
    std::string text;
};

struct PolicyCondition {
    std::vector<PolicyTerm> terms; // all must hold ("and")
    std::string text;
    bool empty() const { return terms.empty(); }
};
Result<PolicyCondition> parseCondition(std::string_view text, std::string_view context);

struct Policy {
    std::string name, description;
    PolicyCondition condition;
    // Incident policies: fire for an open incident whose top cause has this fault class (empty: any) with at least
    // this confidence; the target and condition templates get the cause's entity.
    bool onIncident = false;
    // Fabric policies: fire for the fabric monitor's suggestions of this action (isolate_port, drain_node,
    // migrate_job); the suggestion's target, reason and blast radius carry over.
    std::string onSuggestion;
    std::string rcaClass;
    double minConfidence = 0;
    std::string plugin, action, target;
    std::map<std::string, std::string> parameters;
    std::string risk = "medium";
    RateGate::Limits limits;
    ApprovalRule approval = ApprovalRule::One;
    std::vector<Role> approverRoles{Role::Operator, Role::Admin};
    bool excludeProposer = true;
    Duration ttl = 30 * kMinute;
    bool canary = false;
    PolicyCondition verify;
    Duration verifyWithin = 5 * kMinute;
    bool rollbackOnFailure = true;
};

// The policies file (docs/remediation.md): `policies: [...]`. Unknown keys, bad durations, roles, rules or conditions
// are errors naming file:line:column; nothing is half-loaded.
Result<std::vector<Policy>> parsePolicies(std::string_view yaml, std::string_view source);

// What conditions read; the engine implements it over its store, detectors, incidents and profiles.
class PolicyContext
{
public:
    virtual ~PolicyContext() = default;
    // Latest value of the series matching the selector (the largest when several match); nullopt when none.
    virtual std::optional<double> metric(const std::string &selector) const = 0;
    virtual double anomalyScore(const std::string &entity) const = 0;
    // Inclusive share (percent) of `function` in `service`'s recent CPU profile; nullopt without a profile.
    virtual std::optional<double> hotspotPercent(const std::string &service, const std::string &function) const = 0;
};

struct IncidentView {
    std::int64_t id = 0;
    std::string topCause, topClass;
    double confidence = 0;
    std::string summary;
};

// An action another part of the engine suggests (the GPU fabric monitor's proposals), with its blast radius.
struct ActionSuggestion {
    std::string action, target, reason;
    std::vector<std::string> blastRadius;
};

struct PolicyTrigger {
    const Policy *policy = nullptr;
    std::string target;
    std::string entity; // incident policies: the top cause
    std::map<std::string, std::string> parameters; // templates resolved
    std::string reason;
    std::int64_t incidentId = 0;
    std::vector<std::string> blastRadius;
};

// Evaluates policies against the context, remembering since when each term has held (for `for` durations) per policy
// and target. Not thread-safe; the remediation service calls it from one place.
class PolicyEvaluator
{
public:
    std::vector<PolicyTrigger> evaluate(const std::vector<Policy> &policies, const PolicyContext &context,
                                        const std::vector<IncidentView> &incidents, Timestamp now,
                                        const std::vector<ActionSuggestion> &suggestions = {});
    // One condition now, with `{entity}` resolved; `for` durations are not applied (verification).
    static Result<bool> holds(const PolicyCondition &condition, const PolicyContext &context, const std::string &entity,
                              std::string *explanation = nullptr);

private:
    bool termHolds(const PolicyTerm &term, const PolicyContext &context, const std::string &entity, double confidence,
                   std::string &explanation) const;
    std::map<std::string, Timestamp> m_since; // "policy|target|term" → first time it held
};

std::string substituteEntity(std::string text, const std::string &entity);

} // namespace Nocturne::Engine
