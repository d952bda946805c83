#include "pprof_poller.h"

#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrlQuery>

#include "profile/profile_import.h"
#include "runtime/engine.h"

namespace Nocturne::Engine {

PprofPoller::PprofPoller(Engine &engine, Options options, QObject *parent)
    : HttpPollFeed(engine, {options.intervalMs, options.timeoutMs + 1000 * options.seconds, options.maxBackoffMs, options.maxBodyBytes}, parent)
    , m_options(std::move(options))
{
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

QNetworkRequest PprofPoller::request() const
{
    return QNetworkRequest(requestUrl()); // the transfer timeout comes from the schedule (timeout + seconds)
}

bool PprofPoller::consume(const QByteArray &body, Timestamp requestedAt)
{
    const std::string feed = feedName().toStdString();
    ProfileImportOptions options;
    options.sampleType = m_options.sampleType.toStdString();
    auto profile = importProfile(std::string_view(body.constData(), std::size_t(body.size())), target().toStdString(), options);
    if (!profile) {
        m_engine.setFeedState(feed, FeedState::Degraded, profile.error().toString());
        return false;
    }
    profile->service = m_options.service.toStdString();
    StoredProfile stored;
    stored.service = profile->service;
    // The profile covers its own time range when it says so; else the seconds asked for, from the request on.
    if (profile->startNs > 0 && profile->endNs > profile->startNs) {
        stored.start = Timestamp(profile->startNs);
        stored.end = Timestamp(profile->endNs);
    } else {
        stored.start = requestedAt;
        stored.end = requestedAt + Duration(m_options.seconds) * kSecond;
    }
    stored.source = target().toStdString();
    stored.profile = std::make_shared<const Profile>(std::move(*profile));
    m_engine.profiles().add(std::move(stored));
    m_engine.setFeedState(feed, FeedState::Healthy);
    return true;
}

} // namespace Nocturne::Engine
