#pragma once

#include <QStringList>

class QCommandLineParser;

namespace Nocturne::App {

// Each subcommand parses its own arguments (args[0] is the subcommand) and returns the process exit code.
int runReplay(const QStringList &args);
int runDetect(const QStringList &args);
int runParseLogs(const QStringList &args);
int runVersion(const QStringList &args);

// Adds --help, parses `args`; false when the command should exit now with `exitCode` (2: bad arguments, printed with
// the command's name; 0: help printed).
bool parseArguments(QCommandLineParser &parser, const QStringList &args, const char *command, int &exitCode);
int runServe(const QStringList &args);
int runMockKafka(const QStringList &args);
int runStorm(const QStringList &args);
int runCampaign(const QStringList &args);
int runProfile(const QStringList &args);
int runRcaBench(const QStringList &args);
int runFabric(const QStringList &args);
int runFabricBench(const QStringList &args);
int runPlugins(const QStringList &args);
int runAudit(const QStringList &args);
int runUsers(const QStringList &args);

} // namespace Nocturne::App
