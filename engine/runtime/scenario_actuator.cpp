#include "scenario_actuator.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>

#include "net/http_server.h"

namespace Nocturne::Engine {

ScenarioActuator::ScenarioActuator(Act act, QByteArray secret, QObject *parent)
    : QObject(parent), m_act(std::move(act)), m_secret(std::move(secret))
{
    m_server = std::make_unique<HttpServer>([this](const HttpServer::Request &r) {
        if (r.method != "POST" || r.path != "/scenario/actions")
            return HttpServer::Response{404, "not found", "text/plain"};
        const QByteArray expected = "sha256=" + QMessageAuthenticationCode::hash(r.body, m_secret, QCryptographicHash::Sha256).toHex();
        if (m_secret.isEmpty() || !constantTimeEquals(r.headers.value("x-nocturne-signature"), expected)) {
            ++m_refused;
            return HttpServer::Response{401, "bad signature", "text/plain"};
        }
        const QJsonObject body = QJsonDocument::fromJson(r.body).object();
        const std::string target = body.value(QLatin1String("target")).toString().toStdString();
        if (target.empty())
            return HttpServer::Response{400, "no target", "text/plain"};
        const bool undo = body.value(QLatin1String("action")).toString() == QLatin1String("rollback");
        const bool acted = m_act(target, undo);
        ++m_accepted;
        return HttpServer::Response{acted ? 200 : 409, acted ? "{\"ok\":true}" : "{\"ok\":false}", "application/json"};
    });
}

ScenarioActuator::~ScenarioActuator() = default;

bool ScenarioActuator::listen(quint16 port)
{
    return m_server->listen(QHostAddress::LocalHost, port);
}

quint16 ScenarioActuator::port() const
{
    return m_server->port();
}

} // namespace Nocturne::Engine
