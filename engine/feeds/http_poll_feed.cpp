#include "http_poll_feed.h"

#include <QNetworkReply>

#include "net/http_reply.h"
#include "runtime/engine.h"

namespace Nocturne::Engine {

HttpPollFeed::HttpPollFeed(Engine &engine, Schedule schedule, QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_schedule(schedule)
    , m_currentIntervalMs(schedule.intervalMs)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HttpPollFeed::pollNow);
    connect(&m_network, &QNetworkAccessManager::finished, this, &HttpPollFeed::finished);
}

void HttpPollFeed::start()
{
    m_engine.setFeedState(feedName().toStdString(), FeedState::Connecting);
    pollNow();
}

void HttpPollFeed::stop()
{
    m_timer.stop();
}

void HttpPollFeed::pollNow()
{
    if (m_inFlight)
        return;
    QNetworkRequest r = request();
    if (r.transferTimeout() == 0)
        r.setTransferTimeout(m_schedule.timeoutMs);
    m_inFlight = true;
    m_requestedAt = m_wall.now();
    m_network.get(r);
}

void HttpPollFeed::scheduleNext(bool ok)
{
    if (!ok) {
        ++m_failures;
        // Back off: double the interval up to the limit, so a dead target is not hammered.
        m_currentIntervalMs = std::min(m_schedule.maxBackoffMs, m_currentIntervalMs * 2);
    } else {
        m_currentIntervalMs = m_schedule.intervalMs;
    }
    m_timer.start(m_currentIntervalMs);
    Q_EMIT polled(ok);
}

void HttpPollFeed::finished(QNetworkReply *reply)
{
    reply->deleteLater();
    m_inFlight = false;
    ++m_polls;
    const QString problem = httpReplyProblem(reply, m_schedule.maxBodyBytes);
    if (!problem.isEmpty()) {
        m_engine.setFeedState(feedName().toStdString(), FeedState::Down, QString(target() + QStringLiteral(": ") + problem).toStdString());
        scheduleNext(false);
        return;
    }
    scheduleNext(consume(reply->readAll(), m_requestedAt));
}

} // namespace Nocturne::Engine
