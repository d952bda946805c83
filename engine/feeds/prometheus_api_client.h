#pragma once

#include <QNetworkAccessManager>
#include <QObject>

#include <map>
#include <QTimer>
#include <QUrl>

#include <string>
#include <unordered_map>
#include <vector>

#include "alerts/alert_book.h"
#include "core/clock.h"
#include "core/strong_id.h"

namespace Nocturne::Engine {

class Engine;

// Pulls series from a Prometheus server through its HTTP API: a query_range backfill over a window at start, then
// periodic range queries that overlap the last one (re-delivered points are dropped per series, so nothing is counted
// twice), plus /api/v1/targets for target health. Prometheus' own errors ("status":"error"), HTTP errors and timeouts
// set the feed state with the reason; connection failures back off exponentially.
class PrometheusApiClient : public QObject
{
    Q_OBJECT
public:
    struct Query {
        QString promql;
        QString fallbackName; // names result series that have no __name__ (rate(), sums)
    };
    struct Options {
        QUrl baseUrl; // http://host:9090
        std::vector<Query> queries;
        Duration backfill = kHour;
        Duration step = 15 * kSecond;
        Duration overlap = kMinute;
        int intervalMs = 15'000;
        int timeoutMs = 10'000;
        int maxBackoffMs = 120'000;
    };

    PrometheusApiClient(Engine &engine, Options options, QObject *parent = nullptr);

    void start();
    void stop();
    void pollNow();
    QString feedName() const;
    quint64 polls() const { return m_polls; }

Q_SIGNALS:
    void polled(bool ok);

private:
    void alertsFinished(QNetworkReply *reply);
    void queryFinished(class QNetworkReply *reply, std::size_t queryIndex, Timestamp end, int generation);
    void targetsFinished(class QNetworkReply *reply);
    void finishPoll();

    Engine &m_engine;
    Options m_options;
    QNetworkAccessManager m_network;
    QTimer m_timer;
    int m_intervalMs;
    Timestamp m_lastEnd = 0;
    int m_pending = 0;
    int m_generation = 0;
    bool m_failed = false;
    QString m_problem;       // first error of the poll
    QString m_targetProblem; // a target that is down
    quint64 m_polls = 0;
    std::map<std::string, AlertInput> m_firingRuleAlerts; // fingerprint → last seen firing (to resolve on disappearance)
    std::unordered_map<std::string, SeriesId> m_ids;
    std::unordered_map<std::uint32_t, Timestamp> m_lastTs; // per series: newest ingested point
    SystemClock m_wall;
};

} // namespace Nocturne::Engine
