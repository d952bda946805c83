#pragma once

#include <QUrl>

#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "feeds/http_poll_feed.h"
#include "core/strong_id.h"
#include "decode/prometheus_text.h"

namespace Nocturne::Engine {

class Engine;

// Scrapes a Prometheus text endpoint (/metrics) on an interval into the engine, like a Prometheus scrape job: adds
// `job` and `instance` labels, stamps samples with the scrape time unless the exposition carries timestamps, reports
// the feed as healthy, degraded (parse issues) or down (HTTP or connection errors, with the reason), backs off on
// failure, and counts rejected lines with their reasons.
class PrometheusScraper : public HttpPollFeed
{
    Q_OBJECT
public:
    struct Options {
        QUrl url;
        QString job = QStringLiteral("scrape");
        int intervalMs = 15'000;
        int timeoutMs = 10'000;
        int maxBackoffMs = 120'000;
        qint64 maxBodyBytes = 64 * 1024 * 1024;
    };

    PrometheusScraper(Engine &engine, Options options, QObject *parent = nullptr);

    void scrapeNow() { pollNow(); }
    QString feedName() const override;
    quint64 scrapes() const { return polls(); }

protected:
    QNetworkRequest request() const override;
    QString target() const override { return m_options.url.toString(QUrl::RemoveUserInfo); }
    bool consume(const QByteArray &body, Timestamp requestedAt) override;

private:
    Options m_options;
    std::unordered_map<std::string, SeriesId> m_ids; // canonical key → id, so a steady scrape interns nothing
};

} // namespace Nocturne::Engine
