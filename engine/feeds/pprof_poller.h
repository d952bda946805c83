#pragma once

#include <QUrl>

#include "core/clock.h"
#include "feeds/http_poll_feed.h"

namespace Nocturne::Engine {

class Engine;

// Polls a Go-style pprof endpoint (`/debug/pprof/profile?seconds=N`, or any URL returning a pprof or other supported
// profile) for one service on an interval and stores each profile with its service and time range in the engine's
// ProfileStore. Bad bodies and HTTP errors put the feed down or degraded with the reason (byte offset for decode
// errors) and back off; nothing is stored from a failed poll.
class PprofPoller : public HttpPollFeed
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

    QString feedName() const override;
    QUrl requestUrl() const;

protected:
    QNetworkRequest request() const override;
    QString target() const override { return requestUrl().toString(QUrl::RemoveUserInfo); }
    bool consume(const QByteArray &body, Timestamp requestedAt) override;

private:
    Options m_options;
};

} // namespace Nocturne::Engine
