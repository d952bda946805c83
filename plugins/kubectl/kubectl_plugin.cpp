// kubectl: configuration { binary: "kubectl", context, kubeconfig, namespace, dry_run: "server" | "client",
// timeout_ms }. Every call is an argv list (never a shell); targets and names are checked against Kubernetes' naming
// rules before they reach the command line. plan() runs the same command with --dry-run=<mode> and, for scale, reads
// the current replica count so rollback can restore it.
#include <QJsonArray>
#include <QObject>

#include "common/process.h"
#include "common/validate.h"

using namespace Nocturne::PluginApi;
using Nocturne::Plugins::displayArgv;
using Nocturne::Plugins::isDuration;
using Nocturne::Plugins::isKubernetesNamespace;
using Nocturne::Plugins::isKubernetesTarget;
using Nocturne::Plugins::runProcess;

class KubectlPlugin final : public QObject, public RemediationAction
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID NocturneRemediationAction_iid FILE "kubectl.json")
    Q_INTERFACES(Nocturne::PluginApi::RemediationAction)

public:
    Result initialize(const HostContext &context) override
    {
        m_binary = context.config.value(QLatin1String("binary")).toString(QStringLiteral("kubectl"));
        m_context = context.config.value(QLatin1String("context")).toString();
        m_kubeconfig = context.config.value(QLatin1String("kubeconfig")).toString();
        m_namespace = context.config.value(QLatin1String("namespace")).toString();
        m_dryRun = context.config.value(QLatin1String("dry_run")).toString(QStringLiteral("server"));
        m_timeoutMs = context.config.value(QLatin1String("timeout_ms")).toInt(120'000);
        if (m_dryRun != QLatin1String("server") && m_dryRun != QLatin1String("client"))
            return Result::failure(QStringLiteral("dry_run is server or client"));
        return Result::success();
    }

    Result plan(const ActionRequest &request, Plan &plan) override
    {
        if (!isKubernetesTarget(request.target))
            return Result::failure(QStringLiteral("target must be kind/name (deployment, statefulset, daemonset, node): '%1'").arg(request.target));
        const bool node = request.target.startsWith(QLatin1String("node/"));
        const bool nodeAction = request.action == QLatin1String("cordon") || request.action == QLatin1String("drain");
        if (node != nodeAction)
            return Result::failure(QStringLiteral("%1 needs a %2 target").arg(request.action, nodeAction ? QStringLiteral("node/") : QStringLiteral("workload")));
        const QString ns = request.parameters.value(QLatin1String("namespace")).toString(m_namespace);
        if (!ns.isEmpty() && !isKubernetesNamespace(ns))
            return Result::failure(QStringLiteral("bad namespace '%1'").arg(ns));
        QStringList command;
        QJsonObject state{{QStringLiteral("namespace"), ns}};
        if (request.action == QLatin1String("scale")) {
            const int replicas = request.parameters.value(QLatin1String("replicas")).toInt(-1);
            if (replicas < 0 || replicas > 1000)
                return Result::failure(QStringLiteral("replicas must be 0…1000"));
            command = {QStringLiteral("scale"), request.target, QStringLiteral("--replicas=%1").arg(replicas)};
            const auto current = runProcess(base(ns) + QStringList{QStringLiteral("get"), request.target, QStringLiteral("-o"),
                                                                    QStringLiteral("jsonpath={.spec.replicas}")},
                                            m_timeoutMs, env());
            if (!current.ok())
                return Result::failure(QStringLiteral("cannot read current replicas: %1 %2").arg(current.describe(), QString::fromUtf8(current.output.left(300))));
            state.insert(QStringLiteral("previousReplicas"), QString::fromUtf8(current.output).trimmed().toInt());
            plan.changes << QStringLiteral("%1 replicas %2 → %3").arg(request.target).arg(state.value(QLatin1String("previousReplicas")).toInt()).arg(replicas);
        } else if (request.action == QLatin1String("rollout_restart")) {
            command = {QStringLiteral("rollout"), QStringLiteral("restart"), request.target};
            plan.changes << QStringLiteral("rolling restart of %1").arg(request.target);
        } else if (request.action == QLatin1String("rollout_undo")) {
            command = {QStringLiteral("rollout"), QStringLiteral("undo"), request.target};
            plan.changes << QStringLiteral("%1 back to its previous revision").arg(request.target);
        } else if (request.action == QLatin1String("cordon")) {
            command = {QStringLiteral("cordon"), request.target.mid(5)};
            plan.changes << QStringLiteral("%1 unschedulable").arg(request.target);
        } else if (request.action == QLatin1String("drain")) {
            const QString timeout = request.parameters.value(QLatin1String("timeout")).toString(QStringLiteral("5m"));
            if (!isDuration(timeout, u"smh"))
                return Result::failure(QStringLiteral("timeout must be like 5m"));
            command = {QStringLiteral("drain"), request.target.mid(5), QStringLiteral("--ignore-daemonsets"),
                       QStringLiteral("--delete-emptydir-data"), QStringLiteral("--timeout=") + timeout};
            plan.changes << QStringLiteral("%1 cordoned and its pods evicted").arg(request.target);
        } else {
            return Result::failure(QStringLiteral("unknown action %1").arg(request.action));
        }
        // rollout restart/undo have no server-side dry run in older kubectl; client mode still validates the target.
        const QString mode = request.action.startsWith(QLatin1String("rollout")) ? QStringLiteral("client") : m_dryRun;
        const QStringList dry = base(ns) + command + QStringList{QStringLiteral("--dry-run=") + mode};
        const auto r = runProcess(dry, m_timeoutMs, env());
        plan.dryRunOutput = QStringLiteral("$ %1\n%2").arg(displayArgv(dry), QString::fromUtf8(r.output));
        if (!r.ok())
            return Result::failure(QStringLiteral("dry run %1: %2").arg(r.describe(), QString::fromUtf8(r.output.left(500))));
        plan.action = request.action;
        plan.target = request.target;
        plan.summary = plan.changes.value(0);
        state.insert(QStringLiteral("argv"), QJsonArray::fromStringList(base(ns) + command));
        plan.state = state;
        return Result::success();
    }

    Result execute(const Plan &plan, const CancelToken &cancel, QJsonObject &outcome) override
    {
        const auto r = runProcess(Nocturne::Plugins::toStringList(plan.state.value(QLatin1String("argv"))), m_timeoutMs, env(), {}, &cancel);
        outcome = QJsonObject{{QStringLiteral("output"), QString::fromUtf8(r.output)}, {QStringLiteral("result"), r.describe()}};
        return r.ok() ? Result::success() : Result::failure(QStringLiteral("kubectl %1: %2").arg(r.describe(), QString::fromUtf8(r.output.left(500))));
    }

    Result verify(const Plan &plan, const QJsonObject &) override
    {
        const QString ns = plan.state.value(QLatin1String("namespace")).toString();
        QStringList command;
        if (plan.target.startsWith(QLatin1String("node/")))
            command = {QStringLiteral("get"), plan.target, QStringLiteral("-o"), QStringLiteral("jsonpath={.spec.unschedulable}")};
        else
            command = {QStringLiteral("rollout"), QStringLiteral("status"), plan.target, QStringLiteral("--timeout=120s")};
        const auto r = runProcess(base(ns) + command, m_timeoutMs, env());
        if (!r.ok())
            return Result::failure(QStringLiteral("kubectl %1: %2").arg(r.describe(), QString::fromUtf8(r.output.left(500))));
        if (plan.target.startsWith(QLatin1String("node/")) && QString::fromUtf8(r.output).trimmed() != QLatin1String("true"))
            return Result::failure(QStringLiteral("%1 is still schedulable").arg(plan.target));
        return Result::success();
    }

    Result rollback(const Plan &plan, const QJsonObject &) override
    {
        const QString ns = plan.state.value(QLatin1String("namespace")).toString();
        QStringList command;
        if (plan.action == QLatin1String("scale"))
            command = {QStringLiteral("scale"), plan.target,
                       QStringLiteral("--replicas=%1").arg(plan.state.value(QLatin1String("previousReplicas")).toInt())};
        else if (plan.action == QLatin1String("cordon") || plan.action == QLatin1String("drain"))
            command = {QStringLiteral("uncordon"), plan.target.mid(5)};
        else if (plan.action == QLatin1String("rollout_undo") || plan.action == QLatin1String("rollout_restart"))
            command = {QStringLiteral("rollout"), QStringLiteral("undo"), plan.target};
        const auto r = runProcess(base(ns) + command, m_timeoutMs, env());
        return r.ok() ? Result::success() : Result::failure(QStringLiteral("kubectl %1: %2").arg(r.describe(), QString::fromUtf8(r.output.left(500))));
    }

private:
    QStringList base(const QString &ns) const
    {
        QStringList argv{m_binary};
        if (!m_kubeconfig.isEmpty())
            argv << QStringLiteral("--kubeconfig") << m_kubeconfig;
        if (!m_context.isEmpty())
            argv << QStringLiteral("--context") << m_context;
        if (!ns.isEmpty())
            argv << QStringLiteral("--namespace") << ns;
        return argv;
    }
    static QStringList env() { return {QStringLiteral("PATH"), QStringLiteral("HOME"), QStringLiteral("KUBECONFIG")}; }
    QString m_binary, m_context, m_kubeconfig, m_namespace, m_dryRun;
    int m_timeoutMs = 120'000;
};

#include "kubectl_plugin.moc"
