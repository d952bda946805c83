#include "prometheus_scraper.h"

#include <QNetworkReply>
#include <QNetworkRequest>

#include "runtime/engine.h"

namespace Nocturne::Engine {

PrometheusScraper::PrometheusScraper(Engine &engine, Options options, QObject *parent)
    : HttpPollFeed(engine, {options.intervalMs, options.timeoutMs, options.maxBackoffMs, options.maxBodyBytes}, parent)
    , m_options(std::move(options))
{
}

QString PrometheusScraper::feedName() const
{
    return QStringLiteral("prometheus-scrape:") + m_options.job + QLatin1Char(':') + m_options.url.authority();
}

QNetworkRequest PrometheusScraper::request() const
{
    QNetworkRequest request(m_options.url);
    request.setRawHeader("Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1");
    request.setTransferTimeout(m_options.timeoutMs);
    return request;
}

bool PrometheusScraper::consume(const QByteArray &body, Timestamp requestedAt)
{
    const std::string feed = feedName().toStdString();
    const Timestamp now = requestedAt;
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
        // The family's # TYPE decides whether detection sees the value or its rate; a target that redeploys with a
        // different type for the same series is followed.
        m_engine.store().setType(it->second, s.type);
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
    return true; // a partly malformed exposition still delivered its good lines (the state says degraded)
}

} // namespace Nocturne::Engine
