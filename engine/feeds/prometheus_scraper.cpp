#include "prometheus_scraper.h"

#include <QNetworkReply>
#include <QNetworkRequest>

#include "net/http_reply.h"
#include "runtime/engine.h"

namespace Nocturne::Engine {

PrometheusScraper::PrometheusScraper(Engine &engine, Options options, QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_options(std::move(options))
    , m_currentIntervalMs(m_options.intervalMs)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &PrometheusScraper::scrapeNow);
    connect(&m_network, &QNetworkAccessManager::finished, this, &PrometheusScraper::finished);
}

QString PrometheusScraper::feedName() const
{
    return QStringLiteral("prometheus-scrape:") + m_options.job + QLatin1Char(':') + m_options.url.authority();
}

void PrometheusScraper::start()
{
    m_engine.setFeedState(feedName().toStdString(), FeedState::Connecting);
    scrapeNow();
}

void PrometheusScraper::stop()
{
    m_timer.stop();
}

void PrometheusScraper::scrapeNow()
{
    if (m_inFlight)
        return;
    QNetworkRequest request(m_options.url);
    request.setRawHeader("Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1");
    request.setTransferTimeout(m_options.timeoutMs);
    m_inFlight = true;
    m_network.get(request);
}

void PrometheusScraper::finished(QNetworkReply *reply)
{
    reply->deleteLater();
    m_inFlight = false;
    ++m_scrapes;
    const std::string feed = feedName().toStdString();
    const QString error = httpReplyProblem(reply, m_options.maxBodyBytes);
    if (!error.isEmpty()) {
        ++m_failures;
        m_engine.setFeedState(feed, FeedState::Down, QString(m_options.url.toString() + QStringLiteral(": ") + error).toStdString());
        // Back off: double the interval up to the limit, so a dead target is not hammered.
        m_currentIntervalMs = std::min(m_options.maxBackoffMs, m_currentIntervalMs * 2);
        m_timer.start(m_currentIntervalMs);
        Q_EMIT scraped(false);
        return;
    }
    m_currentIntervalMs = m_options.intervalMs;
    const QByteArray body = reply->readAll();
    const Timestamp now = m_wall.now();
    const ExpositionResult result = parseExposition(std::string_view(body.constData(), std::size_t(body.size())));
    std::vector<SampleRef> samples;
    samples.reserve(result.samples.size());
    const std::string job = m_options.job.toStdString();
    const std::string instance = m_options.url.authority().toStdString();
    for (const ParsedSample &s : result.samples) {
        Labels labels = s.key.labels;
        labels.push_back({"job", job});
        labels.push_back({"instance", instance});
        const SeriesKey key = SeriesKey::make(s.key.name, std::move(labels));
        const std::string canonical = key.canonical();
        auto it = m_ids.find(canonical);
        if (it == m_ids.end())
            it = m_ids.emplace(canonical, m_engine.store().intern(key)).first;
        samples.push_back({it->second, s.ts.value_or(now), s.value});
    }
    m_engine.ingestSamples(samples, feed);
    if (result.issues.empty()) {
        m_engine.setFeedState(feed, FeedState::Healthy);
    } else {
        const ParseIssue &first = result.issues.front();
        m_engine.setFeedState(feed, FeedState::Degraded,
                              m_options.url.toString().toStdString() + ":" + std::to_string(first.line) + ":" + std::to_string(first.column)
                                  + ": " + first.reason + " (" + std::to_string(result.issues.size()) + " lines rejected)");
    }
    m_timer.start(m_currentIntervalMs);
    Q_EMIT scraped(true);
}

} // namespace Nocturne::Engine
