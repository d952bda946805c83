#pragma once

#include <QStringList>

namespace Nocturne::App {

// Each subcommand parses its own arguments (args[0] is the subcommand) and returns the process exit code.
int runReplay(const QStringList &args);
int runDetect(const QStringList &args);
int runParseLogs(const QStringList &args);
int runVersion(const QStringList &args);
int runServe(const QStringList &args);
int runMockKafka(const QStringList &args);
int runStorm(const QStringList &args);

} // namespace Nocturne::App
