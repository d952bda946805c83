#include "http_server.h"

#include <QTcpSocket>

namespace Nocturne::Engine {

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

HttpServer::HttpServer(Handler handler, qint64 maxBodyBytes, QObject *parent)
    : QObject(parent)
    , m_handler(std::move(handler))
    , m_maxBodyBytes(maxBodyBytes)
{
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            socket->setParent(this);
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { readFrom(socket); });
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    });
}

bool HttpServer::listen(const QHostAddress &address, quint16 port)
{
    return m_server.listen(address, port);
}

QByteArray HttpServer::reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

void HttpServer::respond(QTcpSocket *socket, const Response &response)
{
    socket->write("HTTP/1.1 " + QByteArray::number(response.status) + ' ' + reasonPhrase(response.status)
                  + "\r\nContent-Type: " + response.contentType + "\r\nContent-Length: " + QByteArray::number(response.body.size())
                  + "\r\nConnection: close\r\n\r\n" + response.body);
    socket->disconnectFromHost();
    socket->setProperty("done", true);
}

void HttpServer::readFrom(QTcpSocket *socket)
{
    if (socket->property("done").toBool()) {
        socket->readAll();
        return;
    }
    // Accumulate until the headers and Content-Length bytes of body are in.
    QByteArray buffer = socket->property("buffer").toByteArray() + socket->readAll();
    socket->setProperty("buffer", buffer);
    const qsizetype headerEnd = buffer.indexOf("\r\n\r\n");
    if (headerEnd < 0) {
        if (buffer.size() > 64 * 1024)
            respond(socket, {400, "request headers too large"});
        return;
    }
    const QList<QByteArray> lines = buffer.left(headerEnd).split('\n');
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    if (requestLine.size() < 3)
        return respond(socket, {400, "malformed request line"});
    Request request;
    request.method = requestLine[0];
    const QByteArray target = requestLine[1];
    const qsizetype question = target.indexOf('?');
    request.path = question < 0 ? target : target.left(question);
    request.query = question < 0 ? QByteArray() : target.mid(question + 1);
    qint64 contentLength = 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed().toLower();
        request.headers.insert(name, line.mid(colon + 1).trimmed());
    }
    if (request.headers.contains("content-length")) {
        bool ok = false;
        contentLength = request.headers.value("content-length").toLongLong(&ok);
        if (!ok || contentLength < 0)
            return respond(socket, {400, "malformed Content-Length"});
    } else if (request.method == "POST" || request.method == "PUT") {
        return respond(socket, {400, "Content-Length required"});
    }
    if (contentLength > m_maxBodyBytes)
        return respond(socket, {413, "body larger than the limit"});
    if (buffer.size() - headerEnd - 4 < contentLength)
        return; // wait for the rest of the body
    request.body = buffer.mid(headerEnd + 4, contentLength);
    respond(socket, m_handler(request));
}

} // namespace Nocturne::Engine
