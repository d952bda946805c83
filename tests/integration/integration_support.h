#pragma once

// Helpers shared by the integration tests: free loopback ports, feed lookup, fixtures.
#include <QFile>
#include <QHostAddress>
#include <QStringList>
#include <QTcpServer>
#include <QTemporaryDir>

#include "runtime/engine.h"

namespace Nocturne::Test {

inline quint16 freeLoopbackPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

inline Engine::FeedStatus feedStatus(Engine::Engine &engine, const std::string &name)
{
    for (const auto &f : engine.publishNow()->feeds) {
        if (f.name == name)
            return f;
    }
    return {};
}

// An engine for feed tests: raw samples only (no detectors, so counts are exactly what the feed delivered).
inline Engine::Engine::Options feedTestEngineOptions()
{
    Engine::Engine::Options options;
    options.detection = false;
    return options;
}

// Writes a Prometheus config into `dir` and returns the arguments that start Prometheus on loopback `port` with its
// TSDB in `dir` (the same arguments restart it on the same data).
inline QStringList prometheusArgs(const QTemporaryDir &dir, const QByteArray &config, quint16 port)
{
    QFile file(dir.filePath(QStringLiteral("prometheus.yml")));
    if (file.open(QIODevice::WriteOnly))
        file.write(config);
    file.close();
    return {QStringLiteral("--config.file=") + file.fileName(), QStringLiteral("--storage.tsdb.path=") + dir.filePath(QStringLiteral("tsdb")),
            QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port)};
}

} // namespace Nocturne::Test
