#pragma once

#include <QHostAddress>
#include <QObject>

#include <memory>

namespace Nocturne::Engine {

class Engine;
class HttpServer;

// Serves the engine's self-monitoring (Engine::metricsExposition) on GET /metrics for a Prometheus to scrape.
// Loopback by default: exposing it wider is a deliberate configuration choice.
class MetricsServer : public QObject
{
    Q_OBJECT
public:
    MetricsServer(const Engine &engine, QObject *parent = nullptr);
    ~MetricsServer() override;

    bool listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    quint16 port() const;
    QString errorString() const;

private:
    const Engine &m_engine;
    std::unique_ptr<HttpServer> m_http;
};

} // namespace Nocturne::Engine
