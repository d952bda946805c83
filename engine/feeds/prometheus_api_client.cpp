#include "prometheus_api_client.h"

#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrlQuery>

#include "alerts/alert_sources.h"
#include "decode/prometheus_api.h"
#include "runtime/engine.h"

namespace Nocturne::Engine {

PrometheusApiClient::PrometheusApiClient(Engine &engine, Options options, QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_options(std::move(options))
    , m_intervalMs(m_options.intervalMs)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &PrometheusApiClient::pollNow);
}

QString PrometheusApiClient::feedName() const
{
    return QStringLiteral("prometheus-api:") + m_options.baseUrl.authority();
}

void PrometheusApiClient::start()
{
    m_engine.setFeedState(feedName().toStdString(), FeedState::Connecting);
    pollNow();
}

void PrometheusApiClient::stop()
{
    m_timer.stop();
    ++m_generation; // replies still in flight are ignored
}

void PrometheusApiClient::pollNow()
{
    if (m_pending > 0)
        return;
    const Timestamp now = m_wall.now();
    const Timestamp start = m_lastEnd > 0 ? m_lastEnd - m_options.overlap : now - m_options.backfill;
    m_failed = false;
    m_problem.clear();
    m_targetProblem.clear();
    const int generation = ++m_generation;
    for (std::size_t i = 0; i < m_options.queries.size(); ++i) {
        QUrl url = m_options.baseUrl;
        url.setPath(url.path() + QStringLiteral("/api/v1/query_range"));
        QUrlQuery q;
        // '+' must reach Prometheus as %2B: in a query string a bare '+' is a space ("x * 0 + 1" would not parse).
        q.addQueryItem(QStringLiteral("query"), QString(m_options.queries[i].promql).replace(QLatin1Char('+'), QStringLiteral("%2B")));
        q.addQueryItem(QStringLiteral("start"), QString::number(double(start) / double(kSecond), 'f', 3));
        q.addQueryItem(QStringLiteral("end"), QString::number(double(now) / double(kSecond), 'f', 3));
        q.addQueryItem(QStringLiteral("step"), QString::number(double(m_options.step) / double(kSecond), 'f', 3));
        url.setQuery(q);
        QNetworkRequest request(url);
        request.setTransferTimeout(m_options.timeoutMs);
        QNetworkReply *reply = m_network.get(request);
        ++m_pending;
        connect(reply, &QNetworkReply::finished, this, [this, reply, i, now, generation] { queryFinished(reply, i, now, generation); });
    }
    // The alerts of Prometheus' own alerting rules join the alert book.
    QUrl alertsUrl = m_options.baseUrl;
    alertsUrl.setPath(alertsUrl.path() + QStringLiteral("/api/v1/alerts"));
    QNetworkRequest alertsRequest(alertsUrl);
    alertsRequest.setTransferTimeout(m_options.timeoutMs);
    QNetworkReply *alertsReply = m_network.get(alertsRequest);
    ++m_pending;
    connect(alertsReply, &QNetworkReply::finished, this, [this, alertsReply, generation] {
        if (generation == m_generation)
            alertsFinished(alertsReply);
        else
            alertsReply->deleteLater();
    });
    QUrl targets = m_options.baseUrl;
    targets.setPath(targets.path() + QStringLiteral("/api/v1/targets"));
    QNetworkRequest request(targets);
    request.setTransferTimeout(m_options.timeoutMs);
    QNetworkReply *reply = m_network.get(request);
    ++m_pending;
    connect(reply, &QNetworkReply::finished, this, [this, reply, generation] {
        if (generation == m_generation)
            targetsFinished(reply);
        else
            reply->deleteLater();
    });
}

void PrometheusApiClient::queryFinished(QNetworkReply *reply, std::size_t queryIndex, Timestamp end, int generation)
{
    reply->deleteLater();
    if (generation != m_generation)
        return;
    const QByteArray body = reply->readAll();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const Query &query = m_options.queries[queryIndex];
    if (reply->error() != QNetworkReply::NoError && body.isEmpty()) {
        m_failed = true;
        if (m_problem.isEmpty())
            m_problem = reply->errorString();
    } else {
        // Prometheus answers errors with a JSON body too (400/422/503): decode it for the reason.
        auto decoded = decodeRangeQuery(std::string_view(body.constData(), std::size_t(body.size())), query.fallbackName.toStdString());
        if (!decoded) {
            if (m_problem.isEmpty())
                m_problem = QStringLiteral("%1 (HTTP %2): %3").arg(query.promql).arg(status).arg(QString::fromStdString(decoded.error().message));
        } else {
            std::vector<SampleRef> samples;
            samples.reserve(decoded->samples.size());
            for (const ParsedSample &s : decoded->samples) {
                Labels labels = s.key.labels;
                labels.push_back({"prometheus", m_options.baseUrl.authority().toStdString()});
                const SeriesKey key = SeriesKey::make(s.key.name, std::move(labels));
                const std::string canonical = key.canonical();
                auto it = m_ids.find(canonical);
                if (it == m_ids.end())
                    it = m_ids.emplace(canonical, m_engine.store().intern(key)).first;
                m_engine.store().setType(it->second, s.type);
                Timestamp &last = m_lastTs[it->second.value];
                if (*s.ts <= last)
                    continue; // the overlap of the previous poll
                last = *s.ts;
                samples.push_back({it->second, *s.ts, s.value});
            }
            m_engine.ingestSamples(samples, feedName().toStdString());
            m_lastEnd = std::max(m_lastEnd, end);
        }
    }
    if (--m_pending == 0)
        finishPoll();
}

void PrometheusApiClient::targetsFinished(QNetworkReply *reply)
{
    reply->deleteLater();
    const QByteArray body = reply->readAll();
    if (reply->error() == QNetworkReply::NoError) {
        if (auto targets = decodeTargets(std::string_view(body.constData(), std::size_t(body.size())))) {
            for (const TargetHealth &t : *targets) {
                if (t.health == "down" && m_targetProblem.isEmpty())
                    m_targetProblem = QStringLiteral("target %1 (%2) is down: %3")
                                          .arg(QString::fromStdString(t.instance), QString::fromStdString(t.job), QString::fromStdString(t.lastError));
            }
        }
    }
    if (--m_pending == 0)
        finishPoll();
}

void PrometheusApiClient::alertsFinished(QNetworkReply *reply)
{
    reply->deleteLater();
    const QByteArray body = reply->readAll();
    if (reply->error() == QNetworkReply::NoError) {
        if (auto alerts = decodeRuleAlerts(std::string_view(body.constData(), std::size_t(body.size())))) {
            const Timestamp now = m_wall.now();
            std::map<std::string, AlertInput> firing;
            for (const RuleAlert &rule : *alerts) {
                if (rule.state != "firing")
                    continue; // pending: the rule's `for` has not elapsed
                AlertInput in = alertFromLabels("prometheus", rule.labels, rule.annotations, rule.activeAt ? rule.activeAt : now, false);
                firing.emplace(alertFingerprint(in.name, SeriesKey::make(in.name, in.labels).labels), in);
            }
            std::vector<AlertInput> inputs;
            for (auto &[fingerprint, in] : firing)
                inputs.push_back(in);
            // Gone from the rule evaluation: resolved.
            for (auto &[fingerprint, in] : m_firingRuleAlerts) {
                if (!firing.count(fingerprint)) {
                    in.resolved = true;
                    in.ts = now;
                    inputs.push_back(in);
                }
            }
            m_firingRuleAlerts = std::move(firing);
            m_engine.ingestAlerts(inputs);
        }
    }
    if (--m_pending == 0)
        finishPoll();
}

void PrometheusApiClient::finishPoll()
{
    ++m_polls;
    const std::string feed = feedName().toStdString();
    if (m_failed) {
        m_engine.setFeedState(feed, FeedState::Down, QString(m_options.baseUrl.toString() + QStringLiteral(": ") + m_problem).toStdString());
        m_intervalMs = std::min(m_options.maxBackoffMs, m_intervalMs * 2);
    } else {
        m_intervalMs = m_options.intervalMs;
        const QString problem = !m_problem.isEmpty() ? m_problem : m_targetProblem;
        if (problem.isEmpty())
            m_engine.setFeedState(feed, FeedState::Healthy);
        else
            m_engine.setFeedState(feed, FeedState::Degraded, problem.toStdString());
    }
    m_timer.start(m_intervalMs);
    Q_EMIT polled(!m_failed);
}

} // namespace Nocturne::Engine
