#pragma once

#include <QNetworkAccessManager>
#include <QObject>
#include <QTimer>
#include <QUrl>

#include "core/clock.h"

namespace Nocturne::Engine {

class Engine;

// Polls a Go-style pprof endpoint (`/debug/pprof/profile?seconds=N`, or any URL returning a pprof or other supported
// profile) for one service on an interval and stores each profile with its service and time range in the engine's
// ProfileStore. Bad bodies and HTTP errors put the feed down or degraded with the reason (byte offset for decode
// errors) and back off; nothing is stored from a failed poll.
class PprofPoller : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QUrl url;
        QString service;
        int seconds = 10;          // CPU profile duration asked of the endpoint (appended as ?seconds= when missing)
        int intervalMs = 60'000;   // between the end of one poll and the start of the next
        int timeoutMs = 15'000;    // on top of `seconds`
        int maxBackoffMs = 300'000;
        qint64 maxBodyBytes = 64 * 1024 * 1024;
        QString sampleType;        // e.g. "cpu"; empty: the profile's default
    };

    PprofPoller(Engine &engine, Options options, QObject *parent = nullptr);

    void start();
    void stop();
    void pollNow();
    QString feedName() const;
    QUrl requestUrl() const;
    quint64 polls() const { return m_polls; }
    quint64 failures() const { return m_failures; }

Q_SIGNALS:
    void polled(bool ok);

private:
    void finished(QNetworkReply *reply);

    Engine &m_engine;
    Options m_options;
    QNetworkAccessManager m_network;
    QTimer m_timer;
    int m_currentIntervalMs;
    bool m_inFlight = false;
    Timestamp m_requestedAt = 0;
    quint64 m_polls = 0, m_failures = 0;
    SystemClock m_wall;
};

} // namespace Nocturne::Engine
