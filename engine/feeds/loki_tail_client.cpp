#include "loki_tail_client.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QUrlQuery>
#include <QWebSocket>

#include <algorithm>

namespace Nocturne::Engine {

LokiTailClient::LokiTailClient(Options options, Sink sink, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_sink(std::move(sink))
    , m_backoffMs(m_options.minBackoffMs)
    , m_lastNs(m_options.startNs > 0 ? m_options.startNs - 1 : 0)
{
    m_reconnect.setSingleShot(true);
    connect(&m_reconnect, &QTimer::timeout, this, &LokiTailClient::connectNow);
}

LokiTailClient::~LokiTailClient()
{
    stop();
}

bool LokiTailClient::isConnected() const
{
    return m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
}

QUrl LokiTailClient::currentUrl() const
{
    QUrl url = m_options.baseUrl;
    url.setPath(url.path() + QStringLiteral("/loki/api/v1/tail"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("query"), m_options.query);
    if (m_lastNs > 0)
        query.addQueryItem(QStringLiteral("start"), QString::number(m_lastNs + 1));
    url.setQuery(query);
    return url;
}

void LokiTailClient::start()
{
    m_running = true;
    connectNow();
}

void LokiTailClient::stop()
{
    m_running = false;
    m_reconnect.stop();
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket.reset();
    }
}

void LokiTailClient::connectNow()
{
    if (!m_running)
        return;
    m_socket = std::make_unique<QWebSocket>();
    connect(m_socket.get(), &QWebSocket::connected, this, [this] {
        m_backoffMs = m_options.minBackoffMs;
        Q_EMIT connectedChanged(true);
    });
    connect(m_socket.get(), &QWebSocket::textMessageReceived, this, &LokiTailClient::onText);
    connect(m_socket.get(), &QWebSocket::disconnected, this, [this] {
        Q_EMIT connectedChanged(false);
        if (m_socket && m_socket->closeCode() != QWebSocketProtocol::CloseCodeNormal)
            m_stats.lastError = m_socket->closeReason().isEmpty() ? m_socket->errorString() : m_socket->closeReason();
        scheduleReconnect();
    });
    QNetworkRequest request(currentUrl());
    if (!m_options.tenant.isEmpty())
        request.setRawHeader("X-Scope-OrgID", m_options.tenant.toUtf8());
    if (!m_options.bearerToken.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_options.bearerToken.toUtf8());
    m_socket->open(request);
}

void LokiTailClient::scheduleReconnect()
{
    if (!m_running)
        return;
    ++m_stats.reconnects;
    m_reconnect.start(m_backoffMs);
    m_backoffMs = std::min(m_options.maxBackoffMs, m_backoffMs * 2);
}

std::vector<LogRecord> LokiTailClient::parseFrame(const QByteArray &frame, const QString &sourceLabel, qint64 afterNs, QString *error,
                                                  quint64 *dropped)
{
    std::vector<LogRecord> out;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(frame, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        if (error)
            *error = QStringLiteral("invalid JSON at offset %1: %2").arg(parseError.offset).arg(parseError.errorString());
        return out;
    }
    if (!doc.isObject() || !doc.object().value(QStringLiteral("streams")).isArray()) {
        if (error)
            *error = QStringLiteral("frame has no \"streams\" array");
        return out;
    }
    const QJsonObject root = doc.object();
    if (dropped)
        *dropped += quint64(root.value(QStringLiteral("dropped_entries")).toArray().size());
    const QJsonArray streams = root.value(QStringLiteral("streams")).toArray();
    int skipped = 0;
    for (const QJsonValue &streamValue : streams) {
        const QJsonObject stream = streamValue.toObject();
        const QJsonObject labels = stream.value(QStringLiteral("stream")).toObject();
        QString source = labels.value(sourceLabel).toString();
        for (const char *fallback : {"job", "app", "container"}) {
            if (source.isEmpty())
                source = labels.value(QLatin1String(fallback)).toString();
        }
        const QString level = labels.value(QStringLiteral("level")).toString().toUpper();
        const QJsonArray values = stream.value(QStringLiteral("values")).toArray();
        for (const QJsonValue &v : values) {
            const QJsonArray pair = v.toArray();
            bool ok = false;
            const qint64 ts = pair.size() >= 2 ? pair.at(0).toString().toLongLong(&ok) : 0;
            if (!ok || !pair.at(1).isString()) {
                ++skipped;
                continue;
            }
            if (ts <= afterNs)
                continue; // already delivered before a reconnect
            LogRecord record;
            record.ts = ts;
            record.source = source.toStdString();
            record.level = level.isEmpty() ? LogLevel::Info : parseLogLevel(level.toStdString());
            record.message = pair.at(1).toString().toStdString();
            out.push_back(std::move(record));
        }
    }
    if (skipped && error)
        *error = QStringLiteral("%1 malformed entries skipped").arg(skipped);
    std::stable_sort(out.begin(), out.end(), [](const LogRecord &a, const LogRecord &b) { return a.ts < b.ts; });
    return out;
}

void LokiTailClient::onText(const QString &text)
{
    ++m_stats.frames;
    QString error;
    std::vector<LogRecord> records = parseFrame(text.toUtf8(), m_options.sourceLabel, m_lastNs, &error, &m_stats.droppedByServer);
    if (!error.isEmpty()) {
        ++m_stats.rejectedFrames;
        m_stats.lastError = error;
    }
    if (records.empty())
        return;
    m_lastNs = std::max<qint64>(m_lastNs, qint64(records.back().ts));
    m_stats.lines += records.size();
    m_sink(std::move(records));
}

} // namespace Nocturne::Engine
