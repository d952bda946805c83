#pragma once

// Helpers shared by the integration tests: free loopback ports, feed lookup, fixtures.
#include <QFile>
#include <QHostAddress>
#include <QTcpServer>

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

} // namespace Nocturne::Test
