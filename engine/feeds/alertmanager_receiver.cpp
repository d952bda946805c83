#include "alertmanager_receiver.h"

#include <QTcpSocket>

#include "runtime/engine.h"

namespace Nocturne::Engine {

namespace {
bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

std::string jsonEscape(const std::string &s)
{
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            out += ' ';
            continue;
        }
        out += c;
    }
    return out;
}
} // namespace

AlertmanagerReceiver::AlertmanagerReceiver(Engine &engine, Options options, QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_options(std::move(options))
{
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            socket->setParent(this);
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { handle(socket); });
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    });
}

QString AlertmanagerReceiver::feedName() const
{
    return QStringLiteral("alertmanager-webhook:%1").arg(port());
}

bool AlertmanagerReceiver::listen()
{
    if (!m_server.listen(m_options.address, m_options.port))
        return false;
    m_engine.setFeedState(feedName().toStdString(), FeedState::Healthy);
    return true;
}

void AlertmanagerReceiver::respond(QTcpSocket *socket, int status, const QByteArray &body)
{
    const QByteArray reason = status == 200 ? "OK" : status == 401 ? "Unauthorized" : status == 404 ? "Not Found" : status == 413 ? "Payload Too Large" : "Bad Request";
    socket->write("HTTP/1.1 " + QByteArray::number(status) + ' ' + reason + "\r\nContent-Type: text/plain\r\nContent-Length: "
                  + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    socket->disconnectFromHost();
    if (status != 200) {
        ++m_rejected;
        m_engine.setFeedState(feedName().toStdString(), FeedState::Healthy, "last rejected request: " + body.toStdString());
    }
}

void AlertmanagerReceiver::handle(QTcpSocket *socket)
{
    // Accumulate until the headers and Content-Length bytes of body are in.
    QByteArray buffer = socket->property("buffer").toByteArray() + socket->readAll();
    socket->setProperty("buffer", buffer);
    const qsizetype headerEnd = buffer.indexOf("\r\n\r\n");
    if (headerEnd < 0) {
        if (buffer.size() > 64 * 1024)
            respond(socket, 400, "request headers too large");
        return;
    }
    const QList<QByteArray> lines = buffer.left(headerEnd).split('\n');
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    QByteArray authorization, secret;
    qint64 contentLength = -1;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon < 0)
            continue;
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "content-length")
            contentLength = value.toLongLong();
        else if (name == "authorization")
            authorization = value;
        else if (name == "x-nocturne-secret")
            secret = value;
    }
    if (requestLine.size() < 2 || requestLine[0] != "POST")
        return respond(socket, 400, "only POST is accepted");
    if (QString::fromLatin1(requestLine[1]) != m_options.path)
        return respond(socket, 404, "unknown path");
    if (!m_options.bearerToken.isEmpty() && !constantTimeEquals(authorization, "Bearer " + m_options.bearerToken))
        return respond(socket, 401, "missing or wrong bearer token");
    if (!m_options.sharedSecret.isEmpty() && !constantTimeEquals(secret, m_options.sharedSecret))
        return respond(socket, 401, "missing or wrong shared secret");
    if (contentLength < 0)
        return respond(socket, 400, "Content-Length required");
    if (contentLength > m_options.maxBodyBytes)
        return respond(socket, 413, "body larger than the limit");
    if (buffer.size() - headerEnd - 4 < contentLength)
        return; // wait for the rest of the body
    const QByteArray body = buffer.mid(headerEnd + 4, contentLength);
    auto payload = decodeAlertmanagerWebhook(std::string_view(body.constData(), std::size_t(body.size())));
    if (!payload)
        return respond(socket, 400, QByteArray::fromStdString(payload.error().toString()));
    std::vector<EventRecord> events;
    for (const ReceivedAlert &alert : payload->alerts) {
        EventRecord e;
        e.ts = alert.status == "resolved" && alert.endsAt ? alert.endsAt : alert.startsAt;
        e.kind = "alert";
        const auto name = alert.labels.find("alertname");
        const auto severity = alert.labels.find("severity");
        const auto summary = alert.annotations.find("summary");
        e.severity = severity != alert.labels.end() ? severity->second : "warning";
        for (const char *key : {"service", "instance", "job"}) {
            if (e.entity.empty() && alert.labels.count(key))
                e.entity = alert.labels.at(key);
        }
        e.title = (name != alert.labels.end() ? name->second : std::string("alert")) + " " + alert.status
                + (summary != alert.annotations.end() ? ": " + summary->second : std::string());
        std::string labels;
        for (const auto &[k, v] : alert.labels)
            labels += (labels.empty() ? "" : ",") + std::string("\"") + jsonEscape(k) + "\":\"" + jsonEscape(v) + "\"";
        e.attributes = "{\"fingerprint\":\"" + jsonEscape(alert.fingerprint) + "\",\"status\":\"" + alert.status + "\",\"labels\":{" + labels + "}}";
        e.source = "alertmanager:" + payload->receiver;
        events.push_back(std::move(e));
    }
    m_engine.ingestEvents(events, feedName().toStdString());
    ++m_accepted;
    respond(socket, 200, "ok");
    Q_EMIT received(int(events.size()));
}

} // namespace Nocturne::Engine
