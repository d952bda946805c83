#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace Nocturne::Engine {

// Who may do what. viewer: read; operator: approve, reject, trigger, execute; admin: everything (users, kill switch,
// policies).
enum class Role : std::uint8_t { Viewer, Operator, Admin };
const char *roleName(Role role);
std::optional<Role> roleFromName(const std::string &name);

// How many distinct people must approve before an action may run.
enum class ApprovalRule : std::uint8_t { None, One, Two };
const char *approvalRuleName(ApprovalRule rule);

// proposed → awaiting approval → approved / rejected / expired → running → verifying → succeeded / failed →
// rolled back. "Proposed" is transient: a proposal is born awaiting approval, or approved when no approval is needed.
enum class ProposalState : std::uint8_t {
    Proposed, AwaitingApproval, Approved, Rejected, Expired, Running, Verifying, Succeeded, Failed, RolledBack,
};
const char *proposalStateName(ProposalState state);
std::optional<ProposalState> proposalStateFromName(const std::string &name);
bool isFinal(ProposalState state);

// A person acting through an authenticated session.
struct Actor {
    std::string user;
    Role role = Role::Viewer;
    std::string session; // session id: one person with two sessions is still one person
};

struct Decision {
    std::string user;
    std::string session;
    bool approve = true;
    std::string reason;
    Timestamp at = 0;
};

struct Proposal {
    std::int64_t id = 0;
    std::string policy;     // the policy that proposed it, or empty for a manual trigger
    std::string plugin, action, target;
    std::string entity;     // the incident's top cause the policy fired for (verification conditions use it)
    std::string parametersJson = "{}";
    std::string proposer;   // "policy:<name>" or the user who triggered it by hand
    std::string reason;     // why: the condition, the incident and its top cause
    std::int64_t incidentId = 0;
    std::string risk = "low";
    std::vector<std::string> blastRadius;
    ApprovalRule rule = ApprovalRule::One;
    std::vector<Role> approverRoles{Role::Operator, Role::Admin};
    bool excludeProposer = true;
    ProposalState state = ProposalState::Proposed;
    Timestamp created = 0, expires = 0, updated = 0;
    std::vector<Decision> decisions;
    std::string planJson;      // the plugin's Plan (stored so a restart can still verify or roll back)
    std::string dryRunOutput;
    std::string outcomeJson;
    std::string message;       // the last thing that happened, for people
    bool canary = false;       // the first target of a canary rollout
    int approvalsNeeded() const { return rule == ApprovalRule::Two ? 2 : rule == ApprovalRule::One ? 1 : 0; }
    int approvals() const;
};

// The proposal state machine and its approval rules. Pure (no I/O), thread-safe; every method either performs a legal
// transition or returns an error saying why not. The remediation service persists and audits what it does.
class ProposalBook
{
public:
    // Stores a new proposal: awaiting approval, or approved at once when its rule is None. Sets id and times.
    Proposal &add(Proposal proposal, Timestamp now, Duration ttl);
    std::optional<Proposal> get(std::int64_t id) const;
    std::vector<Proposal> all() const;
    void restore(std::vector<Proposal> proposals); // after a restart

    // A person's decision. Refused: viewers, roles the policy does not allow, the proposer when excluded, a second
    // decision by the same person (whatever the session), a missing reason, and anything not awaiting approval.
    Status approve(std::int64_t id, const Actor &actor, const std::string &reason, Timestamp now);
    Status reject(std::int64_t id, const Actor &actor, const std::string &reason, Timestamp now);
    // Proposals past their time to live that have not started expire. Returns the ids that did.
    std::vector<std::int64_t> expire(Timestamp now);
    // Approved, not expired, kill switch off → running. The only way into Running.
    Status start(std::int64_t id, Timestamp now);
    Status transition(std::int64_t id, ProposalState to, Timestamp now, const std::string &message);
    Status setPlan(std::int64_t id, const std::string &planJson, const std::string &dryRunOutput);
    Status setOutcome(std::int64_t id, const std::string &outcomeJson);
    // Sets the proposal's message; true when it changed (so a held proposal is audited once, not every tick).
    bool note(std::int64_t id, const std::string &message);

    void setKillSwitch(bool engaged);
    bool killSwitch() const;

private:
    Proposal *find(std::int64_t id);
    mutable std::mutex m_mutex;
    std::map<std::int64_t, Proposal> m_proposals; // guarded by m_mutex
    std::int64_t m_nextId = 1;                    // guarded by m_mutex
    bool m_killSwitch = false;                    // guarded by m_mutex
};

// Cooldown and rate limit of one action on one target: at most `maxExecutions` starts per `window`, and none within
// `cooldown` of the last. acquire() is atomic, so concurrent triggers cannot both pass.
class RateGate
{
public:
    struct Limits {
        Duration cooldown = 0;
        int maxExecutions = 0; // 0: unlimited
        Duration window = 0;
    };
    // Empty string: allowed (and recorded); otherwise why not (a stable text, so callers can tell a new reason).
    std::string acquire(const std::string &key, const Limits &limits, Timestamp now);
    void restore(const std::string &key, Timestamp startedAt);

private:
    std::mutex m_mutex;
    std::map<std::string, std::vector<Timestamp>> m_starts; // guarded by m_mutex
};

} // namespace Nocturne::Engine
