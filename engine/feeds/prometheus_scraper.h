#pragma once

#include <QNetworkAccessManager>
#include <QObject>
#include <QTimer>
#include <QUrl>

#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "core/strong_id.h"
#include "decode/prometheus_text.h"

namespace Nocturne::Engine {

class Engine;

// Scrapes a Prometheus text endpoint (/metrics) on an interval into the engine, like a Prometheus scrape job: adds
// `job` and `instance` labels, stamps samples with the scrape time unless the exposition carries timestamps, reports
// the feed as healthy, degraded (parse issues) or down (HTTP or connection errors, with the reason), backs off on
// failure, and counts rejected lines with their reasons.
class PrometheusScraper : public QObject
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

    void start();
    void stop();
    void scrapeNow();
    QString feedName() const;
    quint64 scrapes() const { return m_scrapes; }
    quint64 failures() const { return m_failures; }

Q_SIGNALS:
    void scraped(bool ok);

private:
    void finished(QNetworkReply *reply);

    Engine &m_engine;
    Options m_options;
    QNetworkAccessManager m_network;
    QTimer m_timer;
    int m_currentIntervalMs;
    bool m_inFlight = false;
    quint64 m_scrapes = 0, m_failures = 0;
    std::unordered_map<std::string, SeriesId> m_ids; // canonical key → id, so a steady scrape interns nothing
    SystemClock m_wall;
};

} // namespace Nocturne::Engine
