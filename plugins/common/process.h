#pragma once
// Runs a program with an argv list — never through a shell, so no parameter is ever interpreted — with a timeout, an
// environment built from an allowlist only, and bounded captured output. Shared by the bundled plugins.
#include <QByteArray>
#include <QProcess>
#include <QProcessEnvironment>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QStringList>

#include "api/remediation_action.h"
#include "common/validate.h"

namespace Nocturne::Plugins {

struct ProcessResult {
    bool started = false;
    bool timedOut = false;
    bool cancelled = false;
    int exitCode = -1;
    QByteArray output; // stdout + stderr, at most kMaxOutput bytes
    QString describe() const
    {
        if (!started)
            return QStringLiteral("could not start");
        if (timedOut)
            return QStringLiteral("timed out and was killed");
        if (cancelled)
            return QStringLiteral("cancelled and was killed");
        return QStringLiteral("exit code %1").arg(exitCode);
    }
    bool ok() const { return started && !timedOut && !cancelled && exitCode == 0; }
};

constexpr qsizetype kMaxOutput = 64 * 1024;

inline ProcessResult runProcess(const QStringList &argv, int timeoutMs, const QStringList &environmentAllowlist,
                                const QMap<QString, QString> &extraEnvironment = {},
                                const PluginApi::CancelToken *cancel = nullptr)
{
    ProcessResult r;
    if (argv.isEmpty() || argv.front().isEmpty())
        return r;
    QProcess process;
    QProcessEnvironment env;
    const QProcessEnvironment system = QProcessEnvironment::systemEnvironment();
    for (const QString &name : environmentAllowlist)
        if (system.contains(name))
            env.insert(name, system.value(name));
    for (auto it = extraEnvironment.begin(); it != extraEnvironment.end(); ++it)
        env.insert(it.key(), it.value());
    process.setProcessEnvironment(env);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setProgram(argv.front());
    process.setArguments(argv.mid(1));
    process.start(QIODevice::ReadOnly);
    if (!process.waitForStarted(5000))
        return r;
    r.started = true;
    QElapsedTimer timer;
    timer.start();
    while (!process.waitForFinished(100)) {
        r.output += process.readAll();
        if (r.output.size() > kMaxOutput)
            r.output.truncate(kMaxOutput);
        if (cancel && cancel->isCancelled()) {
            r.cancelled = true;
            process.kill();
            process.waitForFinished(2000);
            return r;
        }
        if (timer.elapsed() > timeoutMs) {
            r.timedOut = true;
            process.kill();
            process.waitForFinished(2000);
            return r;
        }
    }
    r.output += process.readAll();
    if (r.output.size() > kMaxOutput)
        r.output.truncate(kMaxOutput);
    r.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    return r;
}

// For people reading a plan: quotes what a shell would split, so the line shows exactly the argv that will run.
inline QString displayArgv(const QStringList &argv)
{
    QStringList shown;
    for (const QString &a : argv) {
        if (isPlainShellWord(a))
            shown << a;
        else
            shown << QLatin1Char('\'') + QString(a).replace(QLatin1Char('\''), QStringLiteral("'\\''"))
                         + QLatin1Char('\'');
    }
    return shown.join(QLatin1Char(' '));
}

inline QStringList toStringList(const QJsonValue &v)
{
    QStringList out;
    for (const QJsonValue &x : v.toArray())
        out << x.toString();
    return out;
}

} // namespace Nocturne::Plugins
