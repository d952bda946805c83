#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QMap>
#include <QObject>
#include <QTcpServer>

#include <functional>

class QTcpSocket;

namespace Nocturne::Engine {

// A deliberately small HTTP/1.1 server for the engine's own endpoints (webhook receiver, /metrics): one request per
// connection, Content-Length bodies only, bounded header and body sizes, answers and closes. Handlers run on the
// server's thread and must be quick.
class HttpServer : public QObject
{
    Q_OBJECT
public:
    struct Request {
        QByteArray method;
        QByteArray path;  // without the query string
        QByteArray query; // after '?', undecoded
        QMap<QByteArray, QByteArray> headers; // names lower-cased
        QByteArray body;
    };
    struct Response {
        int status = 200;
        QByteArray body;
        QByteArray contentType = "text/plain; charset=utf-8";
    };
    using Handler = std::function<Response(const Request &)>;

    explicit HttpServer(Handler handler, qint64 maxBodyBytes = 4 * 1024 * 1024, QObject *parent = nullptr);

    bool listen(const QHostAddress &address, quint16 port);
    quint16 port() const { return m_server.serverPort(); }
    QString errorString() const { return m_server.errorString(); }
    void close() { m_server.close(); }

    static QByteArray reasonPhrase(int status);

private:
    void readFrom(QTcpSocket *socket);
    void respond(QTcpSocket *socket, const Response &response);

    Handler m_handler;
    qint64 m_maxBodyBytes;
    QTcpServer m_server;
};

// Constant-time comparison for secrets (tokens, shared secrets).
bool constantTimeEquals(const QByteArray &a, const QByteArray &b);

} // namespace Nocturne::Engine
