// fabric: configuration { timeout_ms, commands: { isolate_port | drain_node | migrate_job:
//   { argv: [...], dry_run_argv: [...], verify_argv: [...], undo_argv: [...] } } }. In argv entries "{target}" and
// "{exclude}" are replaced by the (validated) target and parameter; each stays one argv element (no shell).
#include <QJsonArray>
#include <QObject>

#include "common/process.h"
#include "common/validate.h"

using namespace Nocturne::PluginApi;
using Nocturne::Plugins::displayArgv;
using Nocturne::Plugins::isFabricElementId;
using Nocturne::Plugins::runProcess;
using Nocturne::Plugins::toStringList;

class FabricPlugin final : public QObject, public RemediationAction
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID NocturneRemediationAction_iid FILE "fabric.json")
    Q_INTERFACES(Nocturne::PluginApi::RemediationAction)

public:
    Result initialize(const HostContext &context) override
    {
        m_commands = context.config.value(QLatin1String("commands")).toObject();
        m_timeoutMs = context.config.value(QLatin1String("timeout_ms")).toInt(300'000);
        return Result::success();
    }

    Result plan(const ActionRequest &request, Plan &plan) override
    {
        if (!isFabricElementId(request.target))
            return Result::failure(QStringLiteral("target '%1' is not a fabric element id").arg(request.target));
        const QString exclude = request.parameters.value(QLatin1String("exclude")).toString();
        if (!exclude.isEmpty() && !isFabricElementId(exclude))
            return Result::failure(QStringLiteral("exclude '%1' is not a host name").arg(exclude));
        const QJsonObject command = m_commands.value(request.action).toObject();
        if (toStringList(command.value(QLatin1String("argv"))).isEmpty())
            return Result::failure(QStringLiteral("no command configured for %1").arg(request.action));
        const QStringList argv = fill(toStringList(command.value(QLatin1String("argv"))), request.target, exclude);
        plan.action = request.action;
        plan.target = request.target;
        plan.summary = QStringLiteral("%1 %2").arg(request.action, request.target);
        plan.changes << QStringLiteral("would run: ") + displayArgv(argv);
        const QStringList dry = fill(toStringList(command.value(QLatin1String("dry_run_argv"))), request.target, exclude);
        if (!dry.isEmpty()) {
            const auto r = runProcess(dry, m_timeoutMs, {QStringLiteral("PATH")});
            plan.dryRunOutput = QString::fromUtf8(r.output);
            if (!r.ok())
                return Result::failure(QStringLiteral("dry run %1").arg(r.describe()));
        }
        plan.state = QJsonObject{{QStringLiteral("argv"), QJsonArray::fromStringList(argv)},
                                 {QStringLiteral("verify"), QJsonArray::fromStringList(fill(toStringList(command.value(QLatin1String("verify_argv"))), request.target, exclude))},
                                 {QStringLiteral("undo"), QJsonArray::fromStringList(fill(toStringList(command.value(QLatin1String("undo_argv"))), request.target, exclude))}};
        return Result::success();
    }

    Result execute(const Plan &plan, const CancelToken &cancel, QJsonObject &outcome) override
    {
        const auto r = runProcess(toStringList(plan.state.value(QLatin1String("argv"))), m_timeoutMs, {QStringLiteral("PATH")}, {}, &cancel);
        outcome = QJsonObject{{QStringLiteral("output"), QString::fromUtf8(r.output)}, {QStringLiteral("result"), r.describe()}};
        return r.ok() ? Result::success() : Result::failure(r.describe());
    }

    Result verify(const Plan &plan, const QJsonObject &outcome) override
    {
        const QStringList argv = toStringList(plan.state.value(QLatin1String("verify")));
        if (argv.isEmpty())
            return outcome.value(QLatin1String("result")).toString() == QLatin1String("exit code 0") ? Result::success() : Result::failure(QStringLiteral("the command failed"));
        const auto r = runProcess(argv, m_timeoutMs, {QStringLiteral("PATH")});
        return r.ok() ? Result::success() : Result::failure(QStringLiteral("verify %1").arg(r.describe()));
    }

    Result rollback(const Plan &plan, const QJsonObject &) override
    {
        const QStringList argv = toStringList(plan.state.value(QLatin1String("undo")));
        if (argv.isEmpty())
            return Result::failure(QStringLiteral("no undo command configured"));
        const auto r = runProcess(argv, m_timeoutMs, {QStringLiteral("PATH")});
        return r.ok() ? Result::success() : Result::failure(QStringLiteral("undo %1").arg(r.describe()));
    }

private:
    static QStringList fill(QStringList argv, const QString &target, const QString &exclude)
    {
        for (QString &a : argv)
            a.replace(QLatin1String("{target}"), target).replace(QLatin1String("{exclude}"), exclude);
        return argv;
    }
    QJsonObject m_commands;
    int m_timeoutMs = 300'000;
};

#include "fabric_plugin.moc"
