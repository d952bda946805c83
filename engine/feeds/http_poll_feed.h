#pragma once

#include <QNetworkAccessManager>
#include <QNetworkRequest>
#include <QObject>
#include <QTimer>

#include "core/clock.h"

namespace Nocturne::Engine {

class Engine;

// What every polled HTTP feed shares (Prometheus scrapes, pprof polls): one request in flight at a time, the next one
// an interval after the previous answer, exponential back-off on failure up to a limit, the feed down with the URL
// and the reason when the target does not answer usefully (HTTP status, transport error, oversized body). Subclasses
// build the request and consume good bodies.
class HttpPollFeed : public QObject
{
    Q_OBJECT
public:
    struct Schedule
    {
        int intervalMs = 15'000;
        int timeoutMs = 10'000;
        int maxBackoffMs = 120'000;
        qint64 maxBodyBytes = 64 * 1024 * 1024;
    };

    void start();
    void stop();
    void pollNow();
    virtual QString feedName() const = 0;
    quint64 polls() const { return m_polls; }
    quint64 failures() const { return m_failures; }

Q_SIGNALS:
    // After every answer (or failure): ok when the body was used.
    void polled(bool ok);

protected:
    HttpPollFeed(Engine &engine, Schedule schedule, QObject *parent);
    virtual QNetworkRequest request() const = 0;
    // The URL as errors name it (no credentials).
    virtual QString target() const = 0;
    // A usable reply's body, fetched at `requestedAt`. Returns false when it could not be used; the subclass has set
    // the feed state with the reason, and the poll backs off like a failed request.
    virtual bool consume(const QByteArray &body, Timestamp requestedAt) = 0;

    Engine &m_engine;
    Schedule m_schedule;
    SystemClock m_wall;

private:
    void finished(QNetworkReply *reply);
    void scheduleNext(bool ok);

    QNetworkAccessManager m_network;
    QTimer m_timer;
    int m_currentIntervalMs;
    bool m_inFlight = false;
    Timestamp m_requestedAt = 0;
    quint64 m_polls = 0, m_failures = 0;
};

} // namespace Nocturne::Engine
