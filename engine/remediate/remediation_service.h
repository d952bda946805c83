#pragma once

#include <QJsonObject>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "remediate/plugin_host.h"
#include "remediate/policy.h"
#include "remediate/proposal_book.h"
#include "remediate/remediation_store.h"

namespace Nocturne::Engine {

// Remediation with consent: policies propose, people approve, plugins act, conditions verify, failures roll back, and
// every step is in the audit chain. Thread-safe; every method that acts takes the person's session token, so each
// decision is attributable. Nothing runs while the kill switch is engaged.
//
// A proposal's life: a policy trigger (or a person's manual trigger, which must still match a policy for that plugin
// and action) → the plugin's dry run (plan) → awaiting approval (or approved, for policies that need none) →
// approvals by distinct people with allowed roles → execution on the plugin host (cooldown and rate limit checked
// atomically at start; a canary proposal first when the policy asks) → verification (the plugin's own check and the
// policy's condition within its window, polled by tick()) → succeeded, or failed → rolled back when the policy says so.
class RemediationService
{
public:
    struct Options {
        std::string databasePath;
        RemediationStore::Options store;
        PluginHost::Options plugins;
    };
    static Result<std::unique_ptr<RemediationService>> open(Options options, Timestamp now);
    ~RemediationService();

    RemediationStore &store() { return *m_store; }
    // The time decisions are stamped with and expiries are judged by: the engine's clock (simulated during a scenario
    // replay, so a proposal's time to live and its approvals are on the same clock). Default: the system clock.
    void setClock(std::function<Timestamp()> clock);
    Timestamp now() const;
    PluginHost &plugins() { return *m_plugins; }

    // Policies (YAML, see docs/remediation.md), replacing the current set; audited as a configuration change by `actor`.
    Status loadPolicies(const std::string &yaml, const std::string &source, const std::string &actor, Timestamp now);
    std::vector<Policy> policies() const;

    // Evaluates policies, expires stale proposals, runs approved no-approval ones and finishes verifications.
    void tick(const PolicyContext &context, const std::vector<IncidentView> &incidents, Timestamp now,
              const std::vector<ActionSuggestion> &suggestions = {});

    Result<std::string> login(const std::string &user, const std::string &password, Timestamp now);
    // A person asks for an action by hand (from an incident); the policy covering plugin + action supplies the rules.
    Result<std::int64_t> trigger(const std::string &token, const std::string &plugin, const std::string &action,
                                 const std::string &target, const QJsonObject &parameters, const std::string &reason,
                                 std::int64_t incidentId, Timestamp now);
    Status approve(const std::string &token, std::int64_t id, const std::string &reason, Timestamp now);
    Status reject(const std::string &token, std::int64_t id, const std::string &reason, Timestamp now);
    // Rolls back a succeeded or failed proposal on a person's request.
    Status rollback(const std::string &token, std::int64_t id, const std::string &reason, Timestamp now);
    // Engaging needs an operator or admin; releasing needs an admin.
    Status setKillSwitch(const std::string &token, bool engaged, const std::string &reason, Timestamp now);
    bool killSwitch() const { return m_book.killSwitch(); }

    std::vector<Proposal> proposals() const { return m_book.all(); }
    std::optional<Proposal> proposal(std::int64_t id) const { return m_book.get(id); }
    // Bumped on every change, for views that poll.
    std::uint64_t version() const { return m_version.load(); }

private:
    RemediationService() = default;
    void recover(Timestamp now);
    Result<std::int64_t> propose(const Policy &policy, const std::string &target, const std::map<std::string, std::string> &parameters,
                                 const QJsonObject &extraParameters, const std::string &proposer, const std::string &reason,
                                 std::int64_t incidentId, bool canary, const std::string &entity, Timestamp now,
                                 const std::vector<std::string> &blastRadius = {});
    void hold(std::int64_t id, const std::string &why, Timestamp now);
    void run(std::int64_t id, const std::string &actor, Timestamp now);
    void finishVerification(std::int64_t id, bool passed, const std::string &why, Timestamp now);
    void doRollback(std::int64_t id, const std::string &actor, const std::string &why, Timestamp now);
    void persist(std::int64_t id);
    void audit(const std::string &actor, const std::string &kind, std::int64_t id, const std::string &detail, Timestamp now);
    const Policy *policyFor(const std::string &name) const;
    std::string gateKey(const Proposal &p) const { return p.plugin + "/" + p.action + "@" + p.target; }

    std::unique_ptr<RemediationStore> m_store;
    std::unique_ptr<PluginHost> m_plugins;
    ProposalBook m_book;
    RateGate m_gate;
    mutable std::mutex m_policyMutex;
    std::vector<Policy> m_policies;       // guarded by m_policyMutex
    PolicyEvaluator m_evaluator;          // guarded by m_policyMutex
    std::map<std::int64_t, Timestamp> m_verifyDeadline; // guarded by m_policyMutex
    std::mutex m_runMutex;                // one execution path at a time (plugins have their own deadlines)
    std::atomic<std::uint64_t> m_version{0};
    std::function<Timestamp()> m_clock; // set before use; guarded by being set once at start-up
};

QJsonObject planToJson(const PluginApi::Plan &plan);
PluginApi::Plan planFromJson(const QJsonObject &json);

} // namespace Nocturne::Engine
