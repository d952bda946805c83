#pragma once

#include <QHostAddress>
#include <QObject>

#include <memory>

#include "decode/alertmanager_webhook.h"
#include "net/http_server.h"

namespace Nocturne::Engine {

class Engine;

// Receives Alertmanager webhooks (POST, payload version 4) on a configurable address and port. A bearer token or a
// shared secret (X-Nocturne-Secret header) is checked when configured (constant-time compare; never logged). Each alert
// enters the engine as an "alert" event carrying its labels, annotations and fingerprint. Malformed requests get a
// 4xx with the reason and are counted; they never disturb other requests.
class AlertmanagerReceiver : public QObject
{
    Q_OBJECT
public:
    struct Options {
        QHostAddress address = QHostAddress::LocalHost;
        quint16 port = 0; // 0: any free port
        QString path = QStringLiteral("/alertmanager");
        QByteArray bearerToken;  // empty: not required
        QByteArray sharedSecret; // empty: not required
        qint64 maxBodyBytes = 4 * 1024 * 1024;
    };

    AlertmanagerReceiver(Engine &engine, Options options, QObject *parent = nullptr);

    bool listen();
    quint16 port() const { return m_http.port(); }
    quint64 accepted() const { return m_accepted; }
    quint64 rejected() const { return m_rejected; }
    QString feedName() const;

Q_SIGNALS:
    void received(int alerts);

private:
    HttpServer::Response handle(const HttpServer::Request &request);
    HttpServer::Response refuse(int status, const QByteArray &body);

    Engine &m_engine;
    Options m_options;
    HttpServer m_http;
    quint64 m_accepted = 0, m_rejected = 0;
};

} // namespace Nocturne::Engine
