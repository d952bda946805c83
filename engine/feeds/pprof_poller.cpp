#include "pprof_poller.h"

#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrlQuery>

#include "net/http_reply.h"
#include "profile/profile_import.h"
#include "runtime/engine.h"

namespace Nocturne::Engine {

PprofPoller::PprofPoller(Engine &engine, Options options, QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_options(std::move(options))
    , m_currentIntervalMs(m_options.intervalMs)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &PprofPoller::pollNow);
    connect(&m_network, &QNetworkAccessManager::finished, this, &PprofPoller::finished);
}

QString PprofPoller::feedName() const
{
    return QStringLiteral("pprof:") + m_options.service + QLatin1Char(':') + m_options.url.authority();
}

QUrl PprofPoller::requestUrl() const
{
    QUrl url = m_options.url;
    QUrlQuery query(url);
    if (url.path().endsWith(QLatin1String("/profile")) && !query.hasQueryItem(QStringLiteral("seconds"))) {
        query.addQueryItem(QStringLiteral("seconds"), QString::number(m_options.seconds));
        url.setQuery(query);
    }
    return url;
}

void PprofPoller::start()
{
    m_engine.setFeedState(feedName().toStdString(), FeedState::Connecting);
    pollNow();
}

void PprofPoller::stop()
{
    m_timer.stop();
}

void PprofPoller::pollNow()
{
    if (m_inFlight)
        return;
    QNetworkRequest request(requestUrl());
    request.setTransferTimeout(m_options.timeoutMs + 1000 * m_options.seconds);
    m_inFlight = true;
    m_requestedAt = m_wall.now();
    m_network.get(request);
}

void PprofPoller::finished(QNetworkReply *reply)
{
    reply->deleteLater();
    m_inFlight = false;
    ++m_polls;
    const std::string feed = feedName().toStdString();
    const QString where = requestUrl().toString(QUrl::RemoveUserInfo);
    const QString error = httpReplyProblem(reply, m_options.maxBodyBytes);
    const auto fail = [&](FeedState state, const std::string &why) {
        ++m_failures;
        m_engine.setFeedState(feed, state, why);
        m_currentIntervalMs = std::min(m_options.maxBackoffMs, m_currentIntervalMs * 2);
        m_timer.start(m_currentIntervalMs);
        Q_EMIT polled(false);
    };
    if (!error.isEmpty()) {
        fail(FeedState::Down, QString(where + QStringLiteral(": ") + error).toStdString());
        return;
    }
    const QByteArray body = reply->readAll();
    ProfileImportOptions options;
    options.sampleType = m_options.sampleType.toStdString();
    auto profile = importProfile(std::string_view(body.constData(), std::size_t(body.size())), where.toStdString(), options);
    if (!profile) {
        fail(FeedState::Degraded, profile.error().toString());
        return;
    }
    profile->service = m_options.service.toStdString();
    StoredProfile stored;
    stored.service = profile->service;
    stored.end = m_wall.now();
    // The profile covers its own duration when it says so; else the seconds asked for, ending now.
    const Duration covered = profile->endNs > profile->startNs ? Duration(profile->endNs - profile->startNs) : Duration(m_options.seconds) * kSecond;
    stored.start = profile->startNs > 0 ? Timestamp(profile->startNs) : stored.end - covered;
    if (profile->startNs > 0)
        stored.end = stored.start + covered;
    stored.source = where.toStdString();
    stored.profile = std::make_shared<const Profile>(std::move(*profile));
    m_engine.profiles().add(std::move(stored));
    m_currentIntervalMs = m_options.intervalMs;
    m_engine.setFeedState(feed, FeedState::Healthy);
    m_timer.start(m_currentIntervalMs);
    Q_EMIT polled(true);
}

} // namespace Nocturne::Engine
