#pragma once
// The remediation plugin interface: the only header a plugin sees. Header-only, std + QtCore value types; no engine
// internals. A plugin is `final : public QObject, public Nocturne::PluginApi::RemediationAction` with
// `Q_PLUGIN_METADATA(IID NocturneRemediationAction_iid FILE "<name>.json")` and `Q_INTERFACES(...)`.
//
// Metadata (the JSON file, read by the host before the plugin is instantiated):
//   { "name": "shell", "version": "1.0.0", "apiVersion": 1, "description": "…",
//     "capabilities": ["dry-run", "verify", "rollback"],
//     "actions": [ { "name": "run", "risk": "low|medium|high", "description": "…",
//                    "parameters": { "runbook": {"type": "string", "required": true, "description": "…"},
//                                    "args": {"type": "array"} } } ] }
//
// Lifecycle, all on the engine's worker pool with timeouts, every call returning a Result (exceptions must not
// escape; the host catches them anyway and fails the call):
//   initialize(HostContext) once → plan(request) = dry run: what would change → execute(plan, cancel) →
//   verify(plan, outcome) → rollback(plan, outcome) when verification fails or a person asks.
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QtPlugin>

#include <atomic>
#include <functional>
#include <memory>

namespace Nocturne::PluginApi {

constexpr int kApiVersion = 1;

struct Result {
    bool ok = true;
    QString message; // for people: what happened or why it failed; never a secret
    static Result success(QString message = {}) { return Result{true, std::move(message)}; }
    static Result failure(QString message) { return Result{false, std::move(message)}; }
};

// What the host gives a plugin: its own configuration section (secrets included — the plugin must not log them), a
// log sink that lands in the audit trail, and a scratch directory.
struct HostContext {
    QString pluginName;
    QJsonObject config;
    QString workDirectory;
    std::function<void(const QString &line)> log;
};

struct ActionRequest {
    QString action;          // one of the metadata's actions
    QString target;          // what it acts on: "deployment/frontend", "leaf-03/p17", "gpu-node21"
    QJsonObject parameters;  // validated against the action's parameter schema by the host
    QString proposalId;      // for idempotency keys and logs
    QString requestedBy;     // the person (or "policy:<name>") behind the request
};

// A dry run's answer, and everything execute/verify/rollback need later (the host stores it with the proposal, so a
// restart can still verify or roll back).
struct Plan {
    QString action;
    QString target;
    QString summary;        // one line: "scale deployment/frontend 3 → 6 replicas"
    QStringList changes;    // what would change, one line each
    QString dryRunOutput;   // what the tool itself said in its dry-run mode, if it has one
    QJsonObject state;      // plugin-private: the request, previous values for rollback, …
};

// Cooperative cancellation: long operations poll it and stop cleanly.
class CancelToken
{
public:
    CancelToken() : m_flag(std::make_shared<std::atomic<bool>>(false)) {}
    bool isCancelled() const { return m_flag->load(); }
    void cancel() const { m_flag->store(true); }

private:
    std::shared_ptr<std::atomic<bool>> m_flag;
};

class RemediationAction
{
public:
    virtual ~RemediationAction() = default;
    virtual Result initialize(const HostContext &context) = 0;
    virtual Result plan(const ActionRequest &request, Plan &plan) = 0;
    virtual Result execute(const Plan &plan, const CancelToken &cancel, QJsonObject &outcome) = 0;
    virtual Result verify(const Plan &plan, const QJsonObject &outcome) = 0;
    virtual Result rollback(const Plan &plan, const QJsonObject &outcome) = 0;
};

} // namespace Nocturne::PluginApi

#define NocturneRemediationAction_iid "org.nocturne.RemediationAction/1"
Q_DECLARE_INTERFACE(Nocturne::PluginApi::RemediationAction, NocturneRemediationAction_iid)
