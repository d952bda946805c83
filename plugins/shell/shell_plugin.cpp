// shell: runbooks from configuration, executed as argv lists. Configuration:
//   runbooks: { <name>: { argv: [program, arg…], dry_run_argv: […], verify_argv: […], rollback_argv: […],
//                         timeout_ms: 60000, env: [PATH, LANG] } }
// Parameters never choose the program: only a configured runbook's argv runs, with the request's `args` appended as
// literal entries. NOCTURNE_PROPOSAL and NOCTURNE_TARGET are set in the environment.
#include <QJsonArray>
#include <QObject>

#include "common/process.h"

using namespace Nocturne::PluginApi;
using Nocturne::Plugins::displayArgv;
using Nocturne::Plugins::runProcess;
using Nocturne::Plugins::toStringList;

class ShellPlugin final : public QObject, public RemediationAction
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID NocturneRemediationAction_iid FILE "shell.json")
    Q_INTERFACES(Nocturne::PluginApi::RemediationAction)

public:
    Result initialize(const HostContext &context) override
    {
        m_runbooks = context.config.value(QLatin1String("runbooks")).toObject();
        m_log = context.log;
        return Result::success(QStringLiteral("%1 runbooks").arg(m_runbooks.size()));
    }

    Result plan(const ActionRequest &request, Plan &plan) override
    {
        const QString name = request.parameters.value(QLatin1String("runbook")).toString();
        if (!m_runbooks.contains(name))
            return Result::failure(QStringLiteral("no runbook named '%1' in the configuration").arg(name));
        const QJsonObject book = m_runbooks.value(name).toObject();
        QStringList argv = toStringList(book.value(QLatin1String("argv")));
        if (argv.isEmpty())
            return Result::failure(QStringLiteral("runbook '%1' has no argv").arg(name));
        QStringList extra;
        for (const QJsonValue &a : request.parameters.value(QLatin1String("args")).toArray()) {
            if (!a.isString())
                return Result::failure(QStringLiteral("args must be strings"));
            extra << a.toString();
        }
        argv += extra;
        plan.action = request.action;
        plan.target = request.target;
        plan.summary = QStringLiteral("run runbook %1 for %2").arg(name, request.target);
        plan.changes << QStringLiteral("would run: ") + displayArgv(argv);
        const QStringList dryRun = toStringList(book.value(QLatin1String("dry_run_argv")));
        if (!dryRun.isEmpty()) {
            const auto r = runProcess(dryRun + extra, timeout(book), envAllowlist(book), env(request.proposalId, request.target));
            plan.dryRunOutput = QString::fromUtf8(r.output);
            if (!r.ok())
                return Result::failure(QStringLiteral("dry run %1: %2").arg(r.describe(), QString::fromUtf8(r.output.left(500))));
        }
        plan.state = QJsonObject{{QStringLiteral("runbook"), name}, {QStringLiteral("argv"), QJsonArray::fromStringList(argv)},
                                 {QStringLiteral("extra"), QJsonArray::fromStringList(extra)},
                                 {QStringLiteral("proposal"), request.proposalId}};
        return Result::success();
    }

    Result execute(const Plan &plan, const CancelToken &cancel, QJsonObject &outcome) override
    {
        const QJsonObject book = m_runbooks.value(plan.state.value(QLatin1String("runbook")).toString()).toObject();
        const auto r = runProcess(toStringList(plan.state.value(QLatin1String("argv"))), timeout(book), envAllowlist(book),
                                  env(plan.state.value(QLatin1String("proposal")).toString(), plan.target), &cancel);
        outcome = QJsonObject{{QStringLiteral("exitCode"), r.exitCode}, {QStringLiteral("output"), QString::fromUtf8(r.output)},
                              {QStringLiteral("result"), r.describe()}};
        if (m_log)
            m_log(QStringLiteral("runbook %1: %2").arg(plan.state.value(QLatin1String("runbook")).toString(), r.describe()));
        return r.ok() ? Result::success(r.describe()) : Result::failure(QStringLiteral("runbook %1").arg(r.describe()));
    }

    Result verify(const Plan &plan, const QJsonObject &outcome) override
    {
        const QJsonObject book = m_runbooks.value(plan.state.value(QLatin1String("runbook")).toString()).toObject();
        const QStringList argv = toStringList(book.value(QLatin1String("verify_argv")));
        if (argv.isEmpty())
            return outcome.value(QLatin1String("exitCode")).toInt(-1) == 0 ? Result::success() : Result::failure(QStringLiteral("the runbook failed"));
        const auto r = runProcess(argv + toStringList(plan.state.value(QLatin1String("extra"))), timeout(book), envAllowlist(book),
                                  env(plan.state.value(QLatin1String("proposal")).toString(), plan.target));
        return r.ok() ? Result::success() : Result::failure(QStringLiteral("verify runbook %1: %2").arg(r.describe(), QString::fromUtf8(r.output.left(500))));
    }

    Result rollback(const Plan &plan, const QJsonObject &) override
    {
        const QJsonObject book = m_runbooks.value(plan.state.value(QLatin1String("runbook")).toString()).toObject();
        const QStringList argv = toStringList(book.value(QLatin1String("rollback_argv")));
        if (argv.isEmpty())
            return Result::failure(QStringLiteral("runbook has no rollback_argv"));
        const auto r = runProcess(argv + toStringList(plan.state.value(QLatin1String("extra"))), timeout(book), envAllowlist(book),
                                  env(plan.state.value(QLatin1String("proposal")).toString(), plan.target));
        return r.ok() ? Result::success() : Result::failure(QStringLiteral("rollback runbook %1").arg(r.describe()));
    }

private:
    static int timeout(const QJsonObject &book) { return book.value(QLatin1String("timeout_ms")).toInt(60'000); }
    static QStringList envAllowlist(const QJsonObject &book)
    {
        const QStringList listed = toStringList(book.value(QLatin1String("env")));
        return listed.isEmpty() ? QStringList{QStringLiteral("PATH"), QStringLiteral("LANG")} : listed;
    }
    static QMap<QString, QString> env(const QString &proposal, const QString &target)
    {
        return {{QStringLiteral("NOCTURNE_PROPOSAL"), proposal}, {QStringLiteral("NOCTURNE_TARGET"), target}};
    }
    QJsonObject m_runbooks;
    std::function<void(const QString &)> m_log;
};

#include "shell_plugin.moc"
