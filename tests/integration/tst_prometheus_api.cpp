#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

#include "decode/prometheus_api.h"
#include "feeds/prometheus_api_client.h"
#include "integration_support.h"
#include "runtime/engine.h"

using namespace Nocturne::Engine;

namespace {
const QString kPrometheus = QStringLiteral("/usr/bin/prometheus");
const QString kNodeExporter = QStringLiteral("/usr/bin/prometheus-node-exporter");

QByteArray fixture(const char *name)
{
    QFile f(QStringLiteral(NOCTURNE_SHARED_DIR "/bench/fixtures/prom/") + QLatin1String(name));
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
} // namespace

class TestPrometheusApi : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void decodersOnFixtures()
    {
        const QByteArray range = fixture("prometheus-2.42-query_range-node-cpu-rate.json");
        if (range.isEmpty())
            QSKIP("../shared fixtures not present");
        auto decoded = decodeRangeQuery(range.toStdString(), "cpu_rate");
        QVERIFY2(decoded, decoded ? "" : decoded.error().toString().c_str());
        QVERIFY(decoded->series >= 1);
        QCOMPARE(decoded->samples.front().key.name, std::string("cpu_rate")); // rate() drops __name__
        QCOMPARE(std::string(decoded->samples.front().key.label("job")), std::string("node"));
        QCOMPARE(*decoded->samples.front().ts, Timestamp(1795318379) * kSecond);
        auto error = decodeRangeQuery(fixture("prometheus-2.42-query_range-error-bad-query.json").toStdString(), "x");
        QVERIFY(!error);
        QVERIFY(QString::fromStdString(error.error().message).startsWith(QStringLiteral("bad_data: 1:20: parse error")));
        auto targets = decodeTargets(fixture("prometheus-2.42-targets.json").toStdString());
        QVERIFY(targets && !targets->empty());
        QVERIFY(!decodeRangeQuery("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}", "x"));
        QVERIFY(!decodeRangeQuery("{oops", "x"));
        // Alerting-rule alerts (real Prometheus 2.42 output): labels, annotations, state, activeAt.
        auto alerts = decodeRuleAlerts(fixture("prometheus-2.42-alerts.json").toStdString());
        QVERIFY2(alerts, alerts ? "" : alerts.error().toString().c_str());
        QVERIFY(!alerts->empty());
        const RuleAlert &first = alerts->front();
        QCOMPARE(first.state, std::string("firing"));
        QVERIFY(first.activeAt > 0);
        QVERIFY(std::any_of(first.labels.begin(), first.labels.end(), [](const auto &l) { return l.first == "alertname" && l.second == "GpuTempAbove20C"; }));
        QVERIFY(std::any_of(first.annotations.begin(), first.annotations.end(), [](const auto &a) { return a.first == "runbook_url"; }));
    }

    void realPrometheusBackfillStopRestart()
    {
        if (!QFile::exists(kPrometheus) || !QFile::exists(kNodeExporter))
            QSKIP("prometheus / prometheus-node-exporter not installed (packaging/setup.sh installs them)");
        QTemporaryDir dir;
        const quint16 exporterPort = Nocturne::Test::freeLoopbackPort();
        QProcess exporter;
        exporter.start(kNodeExporter, {QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(exporterPort),
                                       QStringLiteral("--collector.disable-defaults"), QStringLiteral("--collector.loadavg")});
        QVERIFY(exporter.waitForStarted(5000));
        const quint16 promPort = Nocturne::Test::freeLoopbackPort();
        const QStringList promArgs = Nocturne::Test::prometheusArgs(
            dir,
            QStringLiteral("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: node\n    static_configs:\n"
                           "      - targets: ['127.0.0.1:%1']\n")
                .arg(exporterPort)
                .toUtf8(),
            promPort);
        QProcess prometheus;
        prometheus.start(kPrometheus, promArgs);
        QVERIFY(prometheus.waitForStarted(5000));

        Engine engine(Nocturne::Test::feedTestEngineOptions());
        PrometheusApiClient::Options api;
        api.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(promPort));
        api.queries = {{QStringLiteral("node_load1"), QStringLiteral("node_load1")},
                       {QStringLiteral("rate(node_load1{job=\"node\"}[5s]) * 0 + 1"), QStringLiteral("probe")}};
        api.backfill = 5 * kMinute;
        api.step = kSecond;
        api.overlap = 5 * kSecond;
        api.intervalMs = 300;
        api.maxBackoffMs = 600;
        PrometheusApiClient client(engine, api);
        const std::string name = client.feedName().toStdString();
        client.start();
        auto load = [&] { return engine.store().select(*parseSelector("node_load1{job=\"node\"}")); };
        auto describe = [&] {
            const FeedStatus f = Nocturne::Test::feedStatus(engine, name);
            return QStringLiteral("state=%1 samples=%2 series=%3 error=%4")
                .arg(QString::fromLatin1(feedStateName(f.state)))
                .arg(f.samples)
                .arg(load().size())
                .arg(QString::fromStdString(f.lastError))
                .toLocal8Bit();
        };
        QTRY_VERIFY2_WITH_TIMEOUT(!load().empty() && Nocturne::Test::feedStatus(engine, name).state == FeedState::Healthy && Nocturne::Test::feedStatus(engine, name).samples >= 3,
                                  describe().constData(), 30000);
        QCOMPARE(Nocturne::Test::feedStatus(engine, name).rejected, std::uint64_t(0)); // overlapping polls deliver each point once

        // Prometheus stops: the feed goes down with the reason; it comes back and data continues in the same series.
        prometheus.kill();
        prometheus.waitForFinished(5000);
        QTRY_VERIFY_WITH_TIMEOUT(Nocturne::Test::feedStatus(engine, name).state == FeedState::Down, 15000);
        QVERIFY2(QString::fromStdString(Nocturne::Test::feedStatus(engine, name).lastError).contains(QStringLiteral("refused"), Qt::CaseInsensitive),
                 Nocturne::Test::feedStatus(engine, name).lastError.c_str());
        const std::uint64_t before = Nocturne::Test::feedStatus(engine, name).samples;
        prometheus.start(kPrometheus, promArgs);
        QVERIFY(prometheus.waitForStarted(5000));
        QTRY_VERIFY_WITH_TIMEOUT(Nocturne::Test::feedStatus(engine, name).state == FeedState::Healthy && Nocturne::Test::feedStatus(engine, name).samples > before + 2, 30000);
        QCOMPARE(load().size(), std::size_t(1));
        QCOMPARE(Nocturne::Test::feedStatus(engine, name).rejected, std::uint64_t(0));

        // The scrape target dies: Prometheus reports it down, and the feed says which one.
        exporter.kill();
        exporter.waitForFinished(5000);
        QTRY_VERIFY_WITH_TIMEOUT(Nocturne::Test::feedStatus(engine, name).state == FeedState::Degraded, 20000);
        QVERIFY2(QString::fromStdString(Nocturne::Test::feedStatus(engine, name).lastError).contains(QStringLiteral("is down")), Nocturne::Test::feedStatus(engine, name).lastError.c_str());
        client.stop();
        prometheus.kill();
        prometheus.waitForFinished(5000);
    }

    void badQueryDegradesWithPrometheusReason()
    {
        if (!QFile::exists(kPrometheus))
            QSKIP("prometheus not installed");
        QTemporaryDir dir;
        const quint16 promPort = Nocturne::Test::freeLoopbackPort();
        QProcess prometheus;
        prometheus.start(kPrometheus, Nocturne::Test::prometheusArgs(dir, "global:\n  scrape_interval: 15s\n", promPort));
        QVERIFY(prometheus.waitForStarted(5000));
        Engine engine(Nocturne::Test::feedTestEngineOptions());
        PrometheusApiClient::Options api;
        api.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(promPort));
        api.queries = {{QStringLiteral("up{job="), QStringLiteral("x")}};
        api.intervalMs = 300;
        api.maxBackoffMs = 600;
        PrometheusApiClient client(engine, api);
        client.start();
        const std::string name = client.feedName().toStdString();
        QTRY_VERIFY_WITH_TIMEOUT(Nocturne::Test::feedStatus(engine, name).state == FeedState::Degraded, 20000);
        QVERIFY2(QString::fromStdString(Nocturne::Test::feedStatus(engine, name).lastError).contains(QStringLiteral("bad_data")), Nocturne::Test::feedStatus(engine, name).lastError.c_str());
        client.stop();
        prometheus.kill();
        prometheus.waitForFinished(5000);
    }
};

QTEST_GUILESS_MAIN(TestPrometheusApi)
#include "tst_prometheus_api.moc"
