#include <QFile>
#include <QProcess>
#include <QTcpServer>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include "feeds/prometheus_scraper.h"
#include "integration_support.h"
#include "runtime/engine.h"

using namespace Nocturne::Engine;

namespace {
const QString kNodeExporter = QStringLiteral("/usr/bin/prometheus-node-exporter");

// A one-shot HTTP peer that answers every request with the given body.
class FixedHttp : public QTcpServer
{
public:
    explicit FixedHttp(QByteArray body)
        : m_body(std::move(body))
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, s, [this, s] {
                    s->readAll();
                    s->write("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " + QByteArray::number(m_body.size())
                             + "\r\nConnection: close\r\n\r\n" + m_body);
                    s->disconnectFromHost();
                });
            }
        });
    }

private:
    QByteArray m_body;
};
} // namespace

class TestPrometheusScrape : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void realNodeExporterStopAndRestart()
    {
        if (!QFile::exists(kNodeExporter))
            QSKIP("prometheus-node-exporter is not installed (packaging/setup.sh installs it)");
        const quint16 port = Nocturne::Test::freeLoopbackPort();
        const QStringList args = {QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port), QStringLiteral("--collector.disable-defaults"),
                                  QStringLiteral("--collector.loadavg"), QStringLiteral("--collector.meminfo"), QStringLiteral("--collector.cpu")};
        QProcess exporter;
        exporter.start(kNodeExporter, args);
        QVERIFY(exporter.waitForStarted(5000));

        Engine engine(Nocturne::Test::feedTestEngineOptions());
        PrometheusScraper::Options scrape;
        scrape.url = QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(port));
        scrape.job = QStringLiteral("node");
        scrape.intervalMs = 200;
        scrape.maxBackoffMs = 400;
        PrometheusScraper scraper(engine, scrape);
        const std::string name = scraper.feedName().toStdString();
        scraper.start();

        auto loadSeries = [&] {
            auto m = parseSelector("node_load1{job=\"node\"}");
            return engine.store().select(*m);
        };
        QTRY_VERIFY_WITH_TIMEOUT(!loadSeries().empty() && Nocturne::Test::feedStatus(engine, name).state == FeedState::Healthy, 15000);
        const SeriesKey key = *engine.store().key(loadSeries().front());
        QCOMPARE(std::string(key.label("instance")), QStringLiteral("127.0.0.1:%1").arg(port).toStdString());
        QVERIFY(Nocturne::Test::feedStatus(engine, name).samples > 10);

        // The exporter goes away: the feed says so, with the reason, and the scraper backs off.
        exporter.kill();
        exporter.waitForFinished(5000);
        QTRY_VERIFY_WITH_TIMEOUT(Nocturne::Test::feedStatus(engine, name).state == FeedState::Down, 10000);
        QVERIFY2(QString::fromStdString(Nocturne::Test::feedStatus(engine, name).lastError).contains(QStringLiteral("refused"), Qt::CaseInsensitive),
                 Nocturne::Test::feedStatus(engine, name).lastError.c_str());

        // And comes back: data flows again into the same series.
        const std::uint64_t before = Nocturne::Test::feedStatus(engine, name).samples;
        exporter.start(kNodeExporter, args);
        QVERIFY(exporter.waitForStarted(5000));
        QTRY_VERIFY_WITH_TIMEOUT(Nocturne::Test::feedStatus(engine, name).state == FeedState::Healthy && Nocturne::Test::feedStatus(engine, name).samples > before, 15000);
        QCOMPARE(loadSeries().size(), std::size_t(1));
        scraper.stop();
        exporter.kill();
        exporter.waitForFinished(5000);
    }

    // Issue 17: an idle node's cumulative counters must not be scored as levels. Every node_cpu_seconds_total series is
    // typed a counter from # TYPE, gets a `:rate` series that detection scores, and the raw counter never has a band
    // or an anomaly of its own: no alert can name a raw _total counter, however long the node is watched.
    void realNodeExporterCountersAreRates()
    {
        if (!QFile::exists(kNodeExporter))
            QSKIP("prometheus-node-exporter is not installed (packaging/setup.sh installs it)");
        const quint16 port = Nocturne::Test::freeLoopbackPort();
        QProcess exporter;
        exporter.start(kNodeExporter, {QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port), QStringLiteral("--collector.disable-defaults"),
                                       QStringLiteral("--collector.cpu"), QStringLiteral("--collector.netdev"), QStringLiteral("--collector.loadavg")});
        QVERIFY(exporter.waitForStarted(5000));
        Engine engine; // detection on
        PrometheusScraper::Options scrape;
        scrape.url = QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(port));
        scrape.job = QStringLiteral("node");
        scrape.intervalMs = 200;
        PrometheusScraper scraper(engine, scrape);
        scraper.start();
        auto cpuSeries = [&] { return engine.store().select(*parseSelector("node_cpu_seconds_total{job=\"node\"}")); };
        QTRY_VERIFY_WITH_TIMEOUT(!cpuSeries().empty() && scraper.scrapes() >= 5, 15000);
        DetectionService &detection = *engine.detection();
        QTRY_VERIFY_WITH_TIMEOUT(detection.rateOf(cpuSeries().front()).isValid(), 10000);
        scraper.stop();
        for (SeriesId id : cpuSeries()) {
            QCOMPARE(engine.store().type(id), MetricType::Counter);
            QVERIFY(!detection.bandsOf(id).score.isValid());
        }
        for (SeriesId id : engine.store().allSeries()) {
            const auto key = engine.store().key(id);
            const std::string_view scored = key->label("series");
            if (DetectionService::isDerived(*key))
                QVERIFY2(scored.size() < 6 || scored.substr(scored.size() - 6) != "_total", key->canonical().c_str());
        }
        for (const AnomalyEvent &event : detection.openEvents()) {
            for (const InvolvedMetric &m : event.metrics)
                QVERIFY2(m.metric.size() < 6 || m.metric.substr(m.metric.size() - 6) != "_total", m.metric.c_str());
        }
        exporter.kill();
        exporter.waitForFinished(5000);
    }

    void malformedExpositionDegradesWithPosition()
    {
        FixedHttp http("# TYPE ok gauge\nok 1\nbroken{a=\"x} 2\nalso_ok{b=\"y\"} 3\n");
        QVERIFY(http.listen(QHostAddress::LocalHost, 0));
        Engine engine(Nocturne::Test::feedTestEngineOptions());
        PrometheusScraper::Options scrape;
        scrape.url = QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(http.serverPort()));
        scrape.intervalMs = 60'000;
        PrometheusScraper scraper(engine, scrape);
        QSignalSpy done(&scraper, &PrometheusScraper::polled);
        scraper.start();
        QVERIFY(done.wait(10000));
        const FeedStatus status = Nocturne::Test::feedStatus(engine, scraper.feedName().toStdString());
        QCOMPARE(status.state, FeedState::Degraded);
        QVERIFY2(QString::fromStdString(status.lastError).contains(QStringLiteral(":3:")), status.lastError.c_str()); // line 3
        QCOMPARE(status.samples, std::uint64_t(2)); // the good lines still arrive
    }
};

QTEST_GUILESS_MAIN(TestPrometheusScrape)
#include "tst_prometheus_scrape.moc"
