// Live profiles: the pprof poller against a real Go pprof endpoint (Prometheus serves net/http/pprof on
// /debug/pprof/), profiles stored by service and time range; failures put the feed down/degraded with the reason.
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include "feeds/pprof_poller.h"
#include "integration_support.h"
#include "net/http_server.h"
#include "profile/hotspots.h"

using namespace Nocturne::Engine;

namespace {
const QString kPrometheus = QStringLiteral("/usr/bin/prometheus");
}

class TestPprofPoller : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void realPrometheusCpuProfile()
    {
        if (!QFile::exists(kPrometheus))
            QSKIP("prometheus not installed (packaging/setup.sh installs it)");
        QTemporaryDir dir;
        const quint16 port = Nocturne::Test::freeLoopbackPort();
        QProcess prometheus;
        prometheus.start(kPrometheus, Nocturne::Test::prometheusArgs(dir, "global:\n  scrape_interval: 1s\nscrape_configs: []\n", port));
        QVERIFY(prometheus.waitForStarted(5000));

        Engine engine(Nocturne::Test::feedTestEngineOptions());
        PprofPoller::Options o;
        o.url = QUrl(QStringLiteral("http://127.0.0.1:%1/debug/pprof/profile").arg(port));
        o.service = QStringLiteral("prometheus");
        o.seconds = 1;
        o.intervalMs = 200;
        o.maxBackoffMs = 400;
        PprofPoller poller(engine, o);
        QCOMPARE(poller.requestUrl().query(), QStringLiteral("seconds=1"));
        const std::string feed = poller.feedName().toStdString();
        poller.start();
        // Prometheus may still be starting: the first polls can fail; wait for two stored profiles.
        QTRY_VERIFY_WITH_TIMEOUT(engine.profiles().count() >= 2, 30000);
        QCOMPARE(Nocturne::Test::feedStatus(engine, feed).state, FeedState::Healthy);
        const auto stored = engine.profiles().list("prometheus", 0, std::numeric_limits<Timestamp>::max());
        QVERIFY(stored.size() >= 2);
        const Profile &p = *stored.front().profile;
        QCOMPARE(p.format, std::string("pprof"));
        QVERIFY(std::any_of(p.sampleTypes.begin(), p.sampleTypes.end(), [](const SampleType &t) { return t.type == "cpu"; }));
        QVERIFY(stored.front().end > stored.front().start);
        QVERIFY(stored.front().end - stored.front().start >= 900 * kMillisecond); // ~1 s of CPU profile
        QVERIFY(stored[1].start >= stored[0].start);
        // Merged over the range: one tree (an idle Prometheus may have sampled nothing; the tree still exists).
        const auto merged = engine.profiles().merged("prometheus", 0, std::numeric_limits<Timestamp>::max(), "cpu");
        QVERIFY(merged.has_value());
        QCOMPARE(merged->tree().unit, std::string("nanoseconds"));
        QVERIFY(engine.profiles().has("prometheus"));
        poller.stop();

        // A path that is not a profile: HTTP 404 → down with the URL and status.
        PprofPoller::Options bad = o;
        bad.url = QUrl(QStringLiteral("http://127.0.0.1:%1/debug/pprof/nothing-here").arg(port));
        bad.service = QStringLiteral("missing");
        PprofPoller missing(engine, bad);
        QSignalSpy polled(&missing, &PprofPoller::polled);
        missing.start();
        QVERIFY(polled.wait(10000));
        QCOMPARE(polled.front().front().toBool(), false);
        const FeedStatus down = Nocturne::Test::feedStatus(engine, missing.feedName().toStdString());
        QCOMPARE(down.state, FeedState::Down);
        QVERIFY2(QString::fromStdString(down.lastError).contains(QStringLiteral("404")), down.lastError.c_str());
        QVERIFY(!engine.profiles().has("missing"));
        prometheus.terminate();
        prometheus.waitForFinished(5000);
    }

    void garbageBodyDegradesWithReason()
    {
        // An endpoint answering 200 with a truncated gzip body: degraded, reason with the byte offset, nothing stored.
        Engine engine(Nocturne::Test::feedTestEngineOptions());
        HttpServer server([](const HttpServer::Request &) {
            HttpServer::Response r;
            r.status = 200;
            r.body = QByteArray("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage", 18);
            r.contentType = "application/octet-stream";
            return r;
        });
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        PprofPoller::Options o;
        o.url = QUrl(QStringLiteral("http://127.0.0.1:%1/debug/pprof/profile").arg(server.port()));
        o.service = QStringLiteral("broken");
        o.seconds = 1;
        PprofPoller poller(engine, o);
        QSignalSpy polled(&poller, &PprofPoller::polled);
        poller.start();
        QVERIFY(polled.wait(10000));
        const FeedStatus status = Nocturne::Test::feedStatus(engine, poller.feedName().toStdString());
        QCOMPARE(status.state, FeedState::Degraded);
        QVERIFY2(QString::fromStdString(status.lastError).contains(QStringLiteral("gzip")), status.lastError.c_str());
        QCOMPARE(engine.profiles().count(), std::size_t(0));
    }
};

QTEST_GUILESS_MAIN(TestPprofPoller)
#include "tst_pprof_poller.moc"
