#pragma once

#include <QObject>
#include <QTimer>
#include <QUrl>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/records.h"

class QWebSocket;

namespace Nocturne::Engine {

// Client for Loki's tail API (GET ws(s)://host/loki/api/v1/tail?query=…&start=…): frames of
// {"streams":[{"stream":{labels},"values":[["<ns>","<line>"],…]}],"dropped_entries":[…]} become LogRecords. On a
// dropped connection it reconnects with exponential backoff and resumes from the last timestamp it delivered (+1 ns),
// so nothing is delivered twice and nothing after the last delivered line is skipped. Malformed frames are counted with
// their reason and never stop the stream. The bearer token is sent as a header and never logged.
class LokiTailClient : public QObject
{
    Q_OBJECT
public:
    struct Options {
        QUrl baseUrl;                  // ws://host:3100 or wss://…
        QString query;                 // LogQL, e.g. {job="shop"}
        QString tenant;                // X-Scope-OrgID, optional
        QString bearerToken;           // optional
        QString sourceLabel = QStringLiteral("service"); // label that names the LogRecord source (fallback: job, app)
        qint64 startNs = 0;            // 0: from now
        int minBackoffMs = 200;
        int maxBackoffMs = 30'000;
    };
    struct Stats {
        quint64 lines = 0;
        quint64 frames = 0;
        quint64 rejectedFrames = 0;
        quint64 droppedByServer = 0;
        quint64 reconnects = 0;
        QString lastError;
    };
    using Sink = std::function<void(std::vector<LogRecord>)>;

    LokiTailClient(Options options, Sink sink, QObject *parent = nullptr);
    ~LokiTailClient() override;

    void start();
    void stop();
    Stats stats() const { return m_stats; }
    bool isConnected() const;
    qint64 lastTimestampNs() const { return m_lastNs; }
    QUrl currentUrl() const; // the URL of the next (re)connect, with start= set

    // Parses one frame; returns the records and, on error, a reason (exposed for tests and fuzzing).
    static std::vector<LogRecord> parseFrame(const QByteArray &frame, const QString &sourceLabel, qint64 afterNs, QString *error,
                                             quint64 *dropped = nullptr);

Q_SIGNALS:
    void connectedChanged(bool connected);

private:
    void connectNow();
    void onText(const QString &text);
    void scheduleReconnect();

    Options m_options;
    Sink m_sink;
    std::unique_ptr<QWebSocket> m_socket;
    QTimer m_reconnect;
    int m_backoffMs;
    qint64 m_lastNs = 0;
    bool m_running = false;
    Stats m_stats;
};

} // namespace Nocturne::Engine
