#include "metrics_server.h"

#include "net/http_server.h"
#include "runtime/engine.h"

namespace Nocturne::Engine {

MetricsServer::MetricsServer(const Engine &engine, QObject *parent)
    : QObject(parent)
    , m_engine(engine)
{
    m_http = std::make_unique<HttpServer>(
        [this](const HttpServer::Request &request) -> HttpServer::Response {
            if (request.path != "/metrics")
                return {404, "not found; the engine's metrics are on /metrics\n"};
            if (request.method != "GET" && request.method != "HEAD")
                return {405, "only GET\n"};
            return {200, QByteArray::fromStdString(m_engine.metricsExposition()), "text/plain; version=0.0.4; charset=utf-8"};
        },
        0);
}

MetricsServer::~MetricsServer() = default;

bool MetricsServer::listen(const QHostAddress &address, quint16 port)
{
    return m_http->listen(address, port);
}

quint16 MetricsServer::port() const
{
    return m_http->port();
}

QString MetricsServer::errorString() const
{
    return m_http->errorString();
}

} // namespace Nocturne::Engine
