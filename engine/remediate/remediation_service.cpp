#include "remediation_service.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <set>

namespace Nocturne::Engine {

namespace {
std::string compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString();
}

QJsonObject parse(const std::string &json)
{
    return QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
}

std::string clip(std::string s, std::size_t n = 4000)
{
    if (s.size() > n)
        s = s.substr(0, n) + "…";
    return s;
}
} // namespace

QJsonObject planToJson(const PluginApi::Plan &plan)
{
    return QJsonObject{{QStringLiteral("action"), plan.action},   {QStringLiteral("target"), plan.target},
                       {QStringLiteral("summary"), plan.summary}, {QStringLiteral("changes"), QJsonArray::fromStringList(plan.changes)},
                       {QStringLiteral("dryRun"), plan.dryRunOutput}, {QStringLiteral("state"), plan.state}};
}

PluginApi::Plan planFromJson(const QJsonObject &o)
{
    PluginApi::Plan plan;
    plan.action = o.value(QLatin1String("action")).toString();
    plan.target = o.value(QLatin1String("target")).toString();
    plan.summary = o.value(QLatin1String("summary")).toString();
    for (const QJsonValue &c : o.value(QLatin1String("changes")).toArray())
        plan.changes << c.toString();
    plan.dryRunOutput = o.value(QLatin1String("dryRun")).toString();
    plan.state = o.value(QLatin1String("state")).toObject();
    return plan;
}

Result<std::unique_ptr<RemediationService>> RemediationService::open(Options options, Timestamp now)
{
    auto store = RemediationStore::open(options.databasePath, options.store);
    if (!store)
        return tl::unexpected(store.error());
    std::unique_ptr<RemediationService> service(new RemediationService());
    service->m_store = std::move(*store);
    RemediationStore *audit = service->m_store.get();
    RemediationService *self = service.get();
    auto userLog = options.plugins.log;
    // Plugin log lines land in the audit trail as plugin output, stamped when they are written (on the service's
    // clock, like every other record).
    options.plugins.log = [audit, userLog, self](const std::string &plugin, const std::string &line) {
        (void)audit->audit("plugin:" + plugin, "plugin_output", "plugin " + plugin, clip(line, 2000), self->now());
        if (userLog)
            userLog(plugin, line);
    };
    service->m_plugins = std::make_unique<PluginHost>(options.plugins);
    service->m_plugins->load();
    for (const PluginInfo &p : service->m_plugins->plugins())
        (void)audit->audit("system", p.loaded ? "plugin_loaded" : "plugin_failed", "plugin " + (p.name.empty() ? p.file : p.name),
                           p.loaded ? "version " + p.version + ", sha256 " + p.sha256 : p.error, now);
    service->recover(now);
    return service;
}

RemediationService::~RemediationService() = default;

void RemediationService::setClock(std::function<Timestamp()> clock)
{
    m_clock = std::move(clock);
}

Timestamp RemediationService::now() const
{
    return m_clock ? m_clock() : SystemClock().now();
}

void RemediationService::audit(const std::string &actor, const std::string &kind, std::int64_t id, const std::string &detail, Timestamp now)
{
    (void)m_store->audit(actor, kind, "proposal " + std::to_string(id), clip(detail), now);
    ++m_version;
}

void RemediationService::persist(std::int64_t id)
{
    if (auto p = m_book.get(id))
        (void)m_store->saveProposal(*p);
    ++m_version;
}

void RemediationService::recover(Timestamp now)
{
    std::vector<Proposal> proposals = m_store->loadProposals();
    std::vector<std::int64_t> interrupted;
    for (Proposal &p : proposals) {
        if (p.state == ProposalState::Running || p.state == ProposalState::Verifying) {
            p.message = std::string("interrupted by a restart while ") + proposalStateName(p.state) + "; check the target, then roll back or retry";
            p.state = ProposalState::Failed;
            p.updated = now;
            interrupted.push_back(p.id);
        }
    }
    m_book.restore(std::move(proposals));
    for (std::int64_t id : interrupted) {
        persist(id);
        audit("system", "interrupted", id, "the engine stopped during execution; marked failed", now);
    }
    for (const auto &[key, at] : m_store->starts())
        m_gate.restore(key, at);
    m_book.setKillSwitch(m_store->setting("kill_switch") == "on");
}

Status RemediationService::loadPolicies(const std::string &yaml, const std::string &source, const std::string &actor, Timestamp now)
{
    auto parsed = parsePolicies(yaml, source);
    if (!parsed) {
        (void)m_store->audit(actor, "config_rejected", source, parsed.error().toString(), now);
        return tl::unexpected(parsed.error());
    }
    for (const Policy &p : *parsed)
        if (m_plugins->actionMetadata(p.plugin, p.action).isEmpty())
            return makeError(ErrorCode::InvalidArgument, "policy '" + p.name + "' uses " + p.plugin + "." + p.action + ", which no loaded plugin provides",
                             source);
    {
        std::lock_guard lock(m_policyMutex);
        m_policies = std::move(*parsed);
        m_evaluator = PolicyEvaluator();
    }
    (void)m_store->audit(actor, "config", source, "policies loaded, sha256 " + sha256Hex(yaml), now);
    ++m_version;
    return {};
}

std::vector<Policy> RemediationService::policies() const
{
    std::lock_guard lock(m_policyMutex);
    return m_policies;
}

const Policy *RemediationService::policyFor(const std::string &name) const
{
    for (const Policy &p : m_policies)
        if (p.name == name)
            return &p;
    return nullptr;
}

Result<std::int64_t> RemediationService::propose(const Policy &policy, const std::string &target,
                                                 const std::map<std::string, std::string> &parameters, const QJsonObject &extra,
                                                 const std::string &proposer, const std::string &reason, std::int64_t incidentId,
                                                 bool canary, const std::string &entity, Timestamp now,
                                                 const std::vector<std::string> &blastRadius)
{
    QJsonObject params;
    for (const auto &[k, v] : parameters)
        params.insert(QString::fromStdString(k), QString::fromStdString(v));
    for (auto it = extra.begin(); it != extra.end(); ++it)
        params.insert(it.key(), it.value());
    PluginApi::ActionRequest request;
    request.action = QString::fromStdString(policy.action);
    request.target = QString::fromStdString(target);
    request.parameters = params;
    request.requestedBy = QString::fromStdString(proposer);
    auto plan = m_plugins->plan(policy.plugin, request); // the dry run: what would change
    if (!plan) {
        (void)m_store->audit(proposer, "proposal_failed", policy.plugin + "." + policy.action + " on " + target,
                             "dry run failed: " + plan.error().message, now);
        return tl::unexpected(plan.error());
    }
    Proposal p;
    p.policy = policy.name;
    p.plugin = policy.plugin;
    p.action = policy.action;
    p.target = target;
    p.entity = entity;
    p.parametersJson = compact(params);
    p.proposer = proposer;
    p.reason = reason;
    p.incidentId = incidentId;
    // The plugin's risk for the action, raised (never lowered) by the policy's.
    auto rank = [](const std::string &r) { return r == "high" ? 2 : r == "medium" ? 1 : 0; };
    const std::string pluginRisk = m_plugins->actionMetadata(policy.plugin, policy.action).value(QLatin1String("risk")).toString(QStringLiteral("medium")).toStdString();
    p.risk = rank(policy.risk) > rank(pluginRisk) ? policy.risk : pluginRisk;
    p.blastRadius = blastRadius;
    for (const QJsonValue &b : plan->state.value(QLatin1String("blastRadius")).toArray())
        if (std::find(p.blastRadius.begin(), p.blastRadius.end(), b.toString().toStdString()) == p.blastRadius.end())
            p.blastRadius.push_back(b.toString().toStdString());
    p.rule = policy.approval;
    if (p.risk == "high" && p.rule == ApprovalRule::None)
        p.rule = ApprovalRule::One;
    p.approverRoles = policy.approverRoles;
    p.excludeProposer = policy.excludeProposer;
    p.canary = canary;
    p.message = plan->summary.toStdString();
    const std::int64_t id = m_book.add(std::move(p), now, policy.ttl).id;
    (void)m_book.setPlan(id, compact(planToJson(*plan)), plan->dryRunOutput.toStdString());
    persist(id);
    audit(proposer, "proposal", id,
          policy.plugin + "." + policy.action + " on " + target + ": " + plan->summary.toStdString() + " — why: " + reason +
              (plan->changes.isEmpty() ? std::string() : " — changes: " + plan->changes.join(QStringLiteral("; ")).toStdString()),
          now);
    return id;
}

void RemediationService::tick(const PolicyContext &context, const std::vector<IncidentView> &incidents, Timestamp now,
                              const std::vector<ActionSuggestion> &suggestions)
{
    for (std::int64_t id : m_book.expire(now)) {
        persist(id);
        audit("system", "expire", id, "time to live passed before it ran", now);
    }
    std::vector<PolicyTrigger> triggers;
    std::vector<Policy> policies;
    {
        std::lock_guard lock(m_policyMutex);
        triggers = m_evaluator.evaluate(m_policies, context, incidents, now, suggestions);
        policies = m_policies;
    }
    const std::vector<Proposal> existing = m_book.all();
    std::set<std::string> open, canaryDone, canaryOpen;
    std::map<std::string, Timestamp> lastEnded; // policy|target → when its last proposal ended
    for (const Proposal &p : existing) {
        if (!isFinal(p.state) && p.state != ProposalState::Failed)
            open.insert(p.policy + "|" + p.target);
        else
            lastEnded[p.policy + "|" + p.target] = std::max(lastEnded[p.policy + "|" + p.target], p.updated);
        if (p.canary && p.state == ProposalState::Succeeded)
            canaryDone.insert(p.policy);
        if (p.canary && !isFinal(p.state) && p.state != ProposalState::Failed)
            canaryOpen.insert(p.policy);
    }
    for (const PolicyTrigger &t : triggers) {
        const Policy *policy = nullptr;
        for (const Policy &p : policies)
            if (p.name == t.policy->name)
                policy = &p;
        if (!policy || open.count(policy->name + "|" + t.target))
            continue;
        // A condition that still holds after its proposal ended (done, rejected, rolled back) does not propose the
        // same action again at once: people decided, or the action did what it could. Wait out the longer of the
        // cooldown, the time to live and ten minutes.
        if (auto ended = lastEnded.find(policy->name + "|" + t.target);
            ended != lastEnded.end() && now - ended->second < std::max({policy->limits.cooldown, policy->ttl, 10 * kMinute}))
            continue;
        bool canary = false;
        if (policy->canary && !canaryDone.count(policy->name)) {
            if (canaryOpen.count(policy->name))
                continue; // the rest wait until the first target has gone well
            canary = true;
            canaryOpen.insert(policy->name);
        }
        if (propose(*policy, t.target, t.parameters, {}, "policy:" + policy->name, t.reason, t.incidentId, canary, t.entity, now, t.blastRadius))
            open.insert(policy->name + "|" + t.target);
    }
    // Approved proposals run (no-approval policies, or ones a cooldown held back earlier).
    for (const Proposal &p : m_book.all())
        if (p.state == ProposalState::Approved)
            run(p.id, p.decisions.empty() ? p.proposer : p.decisions.back().user, now);
    // Verifications in progress.
    std::vector<std::pair<std::int64_t, Timestamp>> verifying;
    {
        std::lock_guard lock(m_policyMutex);
        verifying.assign(m_verifyDeadline.begin(), m_verifyDeadline.end());
    }
    for (const auto &[id, deadline] : verifying) {
        const auto p = m_book.get(id);
        if (!p || p->state != ProposalState::Verifying) {
            std::lock_guard lock(m_policyMutex);
            m_verifyDeadline.erase(id);
            continue;
        }
        PolicyCondition condition;
        {
            std::lock_guard lock(m_policyMutex);
            if (const Policy *policy = policyFor(p->policy))
                condition = policy->verify;
        }
        std::string why;
        auto holds = PolicyEvaluator::holds(condition, context, p->entity.empty() ? p->target : p->entity, &why);
        if (holds && *holds) {
            const auto plugin = m_plugins->verify(p->plugin, planFromJson(parse(p->planJson)), parse(p->outcomeJson));
            finishVerification(id, bool(plugin), plugin ? "verified: " + why : "the plugin's check failed: " + plugin.error().message, now);
        } else if (now > deadline) {
            finishVerification(id, false, "the condition did not hold in time: " + why, now);
        }
    }
}

void RemediationService::run(std::int64_t id, const std::string &actor, Timestamp now)
{
    std::lock_guard runLock(m_runMutex);
    const auto p = m_book.get(id);
    if (!p || p->state != ProposalState::Approved)
        return;
    Policy policy;
    {
        std::lock_guard lock(m_policyMutex);
        const Policy *found = policyFor(p->policy);
        if (!found) {
            audit("system", "held", id, "its policy '" + p->policy + "' is no longer loaded", now);
            return;
        }
        policy = *found;
    }
    if (m_book.killSwitch()) {
        hold(id, "held: automation is paused (kill switch)", now);
        return;
    }
    if (const std::string why = m_gate.acquire(gateKey(*p), policy.limits, now); !why.empty()) {
        hold(id, "held: " + why, now);
        return;
    }
    if (auto s = m_book.start(id, now); !s) {
        hold(id, "held: " + s.error().message, now);
        return;
    }
    (void)m_store->recordStart(gateKey(*p), now);
    persist(id);
    const PluginApi::Plan plan = planFromJson(parse(p->planJson));
    audit(actor, "execute", id, p->plugin + "." + p->action + " on " + p->target + ": " + plan.summary.toStdString(), now);
    PluginApi::CancelToken cancel;
    auto outcome = m_plugins->execute(p->plugin, plan, cancel);
    if (!outcome) {
        (void)m_book.transition(id, ProposalState::Failed, now, "execution failed: " + outcome.error().message);
        persist(id);
        audit("plugin:" + p->plugin, "execute_failed", id, outcome.error().message, now);
        if (policy.rollbackOnFailure)
            doRollback(id, "policy:" + policy.name, "execution failed", now);
        return;
    }
    (void)m_book.setOutcome(id, compact(*outcome));
    audit("plugin:" + p->plugin, "plugin_output", id, compact(*outcome), now);
    (void)m_book.transition(id, ProposalState::Verifying, now, "verifying");
    persist(id);
    if (policy.verify.empty()) {
        const auto check = m_plugins->verify(p->plugin, plan, *outcome);
        finishVerification(id, bool(check), check ? "the plugin's check passed" : "the plugin's check failed: " + check.error().message, now);
    } else {
        std::lock_guard lock(m_policyMutex);
        m_verifyDeadline[id] = now + policy.verifyWithin;
    }
}

void RemediationService::hold(std::int64_t id, const std::string &why, Timestamp now)
{
    // Audited once per reason, not every tick.
    if (m_book.note(id, why)) {
        persist(id);
        audit("system", "held", id, why, now);
    }
}

void RemediationService::finishVerification(std::int64_t id, bool passed, const std::string &why, Timestamp now)
{
    {
        std::lock_guard lock(m_policyMutex);
        m_verifyDeadline.erase(id);
    }
    const auto p = m_book.get(id);
    if (!p)
        return;
    (void)m_book.transition(id, passed ? ProposalState::Succeeded : ProposalState::Failed, now, why);
    persist(id);
    audit("system", passed ? "verified" : "verify_failed", id, why, now);
    if (!passed) {
        bool rollback = true;
        {
            std::lock_guard lock(m_policyMutex);
            if (const Policy *policy = policyFor(p->policy))
                rollback = policy->rollbackOnFailure;
        }
        if (rollback)
            doRollback(id, "policy:" + p->policy, "verification failed", now);
    }
}

void RemediationService::doRollback(std::int64_t id, const std::string &actor, const std::string &why, Timestamp now)
{
    const auto p = m_book.get(id);
    if (!p)
        return;
    const auto r = m_plugins->rollback(p->plugin, planFromJson(parse(p->planJson)), parse(p->outcomeJson));
    if (!r) {
        audit("plugin:" + p->plugin, "rollback_failed", id, why + "; rollback failed: " + r.error().message, now);
        return;
    }
    (void)m_book.transition(id, ProposalState::RolledBack, now, "rolled back (" + why + ")");
    persist(id);
    audit(actor, "rollback", id, why, now);
}

Result<std::string> RemediationService::login(const std::string &user, const std::string &password, Timestamp now)
{
    return m_store->login(user, password, now);
}

Result<std::int64_t> RemediationService::trigger(const std::string &token, const std::string &plugin, const std::string &action,
                                                 const std::string &target, const QJsonObject &parameters, const std::string &reason,
                                                 std::int64_t incidentId, Timestamp now)
{
    auto session = m_store->authenticate(token, now);
    if (!session)
        return tl::unexpected(session.error());
    if (session->role == Role::Viewer) {
        (void)m_store->audit(session->user, "refused", plugin + "." + action + " on " + target, "viewers cannot trigger actions", now);
        return makeError(ErrorCode::InvalidArgument, "viewers cannot trigger actions");
    }
    if (reason.find_first_not_of(" \t\r\n") == std::string::npos)
        return makeError(ErrorCode::InvalidArgument, "a manual trigger needs a reason");
    Policy policy;
    {
        std::lock_guard lock(m_policyMutex);
        const Policy *found = nullptr;
        for (const Policy &p : m_policies)
            if (p.plugin == plugin && p.action == action && !found)
                found = &p;
        if (!found) {
            (void)m_store->audit(session->user, "refused", plugin + "." + action + " on " + target, "no policy allows this action", now);
            return makeError(ErrorCode::InvalidArgument, "no policy covers " + plugin + "." + action + ": actions run only under a policy");
        }
        policy = *found;
    }
    std::map<std::string, std::string> params;
    for (const auto &[k, v] : policy.parameters)
        params[k] = substituteEntity(v, target);
    auto id = propose(policy, target, params, parameters, session->user, reason, incidentId, false, target, now);
    if (id && m_book.get(*id)->state == ProposalState::Approved)
        run(*id, session->user, now);
    return id;
}

Status RemediationService::approve(const std::string &token, std::int64_t id, const std::string &reason, Timestamp now)
{
    auto session = m_store->authenticate(token, now);
    if (!session)
        return tl::unexpected(session.error());
    const Actor actor{session->user, session->role, session->id};
    if (auto s = m_book.approve(id, actor, reason, now); !s) {
        audit(actor.user, "approve_refused", id, s.error().message, now);
        persist(id);
        return s;
    }
    persist(id);
    audit(actor.user, "approve", id, "session " + actor.session + ": " + reason, now);
    if (m_book.get(id)->state == ProposalState::Approved)
        run(id, actor.user, now);
    return {};
}

Status RemediationService::reject(const std::string &token, std::int64_t id, const std::string &reason, Timestamp now)
{
    auto session = m_store->authenticate(token, now);
    if (!session)
        return tl::unexpected(session.error());
    const Actor actor{session->user, session->role, session->id};
    if (auto s = m_book.reject(id, actor, reason, now); !s) {
        audit(actor.user, "reject_refused", id, s.error().message, now);
        return s;
    }
    persist(id);
    audit(actor.user, "reject", id, reason, now);
    return {};
}

Status RemediationService::rollback(const std::string &token, std::int64_t id, const std::string &reason, Timestamp now)
{
    auto session = m_store->authenticate(token, now);
    if (!session)
        return tl::unexpected(session.error());
    if (session->role == Role::Viewer)
        return makeError(ErrorCode::InvalidArgument, "viewers cannot roll back");
    if (reason.find_first_not_of(" \t\r\n") == std::string::npos)
        return makeError(ErrorCode::InvalidArgument, "a rollback needs a reason");
    const auto p = m_book.get(id);
    if (!p || (p->state != ProposalState::Succeeded && p->state != ProposalState::Failed))
        return makeError(ErrorCode::InvalidArgument, "only a succeeded or failed proposal can be rolled back");
    doRollback(id, session->user, reason, now);
    if (m_book.get(id)->state != ProposalState::RolledBack)
        return makeError(ErrorCode::Internal, "the rollback failed (see the audit log)");
    return {};
}

Status RemediationService::setKillSwitch(const std::string &token, bool engaged, const std::string &reason, Timestamp now)
{
    auto session = m_store->authenticate(token, now);
    if (!session)
        return tl::unexpected(session.error());
    if (session->role == Role::Viewer || (!engaged && session->role != Role::Admin))
        return makeError(ErrorCode::InvalidArgument, engaged ? "viewers cannot pause automation" : "only an admin can resume automation");
    if (reason.find_first_not_of(" \t\r\n") == std::string::npos)
        return makeError(ErrorCode::InvalidArgument, "the kill switch needs a reason");
    m_book.setKillSwitch(engaged);
    (void)m_store->setSetting("kill_switch", engaged ? "on" : "off");
    (void)m_store->audit(session->user, "kill_switch", "automation", std::string(engaged ? "paused: " : "resumed: ") + reason, now);
    ++m_version;
    return {};
}

} // namespace Nocturne::Engine
