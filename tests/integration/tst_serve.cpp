// `nocturne-engine serve` as operators run it: a Kafka feed against librdkafka's mock cluster (this process hosts the
// cluster; serve connects over TCP), self-metrics over HTTP, SIGTERM → clean exit with offsets committed, so a
// successor in the same consumer group reads only what came after.
#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include "feeds/kafka_feed.h"
#include "feeds/kafka_tools.h"
#include "integration_support.h"

using namespace Nocturne::Engine;

namespace {
QByteArray httpGet(const QString &url)
{
    QNetworkAccessManager network;
    QNetworkReply *reply = network.get(QNetworkRequest(QUrl(url)));
    QElapsedTimer timer;
    timer.start();
    while (!reply->isFinished() && timer.elapsed() < 5000)
        QTest::qWait(10);
    const QByteArray body = reply->readAll();
    reply->deleteLater();
    return body;
}

std::string batch(int b)
{
    std::string out;
    for (int i = 0; i < 10; ++i)
        out += "{\"name\":\"q\",\"labels\":{\"i\":\"" + std::to_string(i) + "\"},\"ts\":" + std::to_string(1'700'000'000 + b) + ",\"value\":1}\n";
    return out;
}
} // namespace

class TestServe : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void sigtermCommitsOffsets()
    {
        auto cluster = KafkaMockCluster::create(1);
        QVERIFY(cluster.has_value());
        QVERIFY((*cluster)->createTopic("q", 1).has_value());
        auto producer = KafkaProducer::create((*cluster)->bootstrapServers());
        QVERIFY(producer.has_value());
        for (int b = 0; b < 50; ++b)
            QVERIFY((*producer)->produce("q", batch(b), "k").has_value());
        QVERIFY((*producer)->flush(10'000));

        QTemporaryDir dir;
        const quint16 metricsPort = Nocturne::Test::freeLoopbackPort();
        QFile config(dir.filePath(QStringLiteral("nocturne.yaml")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(QStringLiteral("engine:\n  metrics_listen: 127.0.0.1:%1\nfeeds:\n  - name: q\n    type: kafka\n    brokers: %2\n"
                                    "    group: serve-test\n    topics: [{name: q, signal: metrics, encoding: json_lines}]\n"
                                    "    properties: {log_level: '0', session.timeout.ms: '6000', heartbeat.interval.ms: '500'}\n")
                         .arg(metricsPort)
                         .arg(QString::fromStdString((*cluster)->bootstrapServers()))
                         .toUtf8());
        config.close();

        QProcess serve;
        serve.start(QStringLiteral(NOCTURNE_ENGINE_EXE), {QStringLiteral("serve"), QStringLiteral("--config"), config.fileName()});
        QVERIFY(serve.waitForStarted());
        const QString metricsUrl = QStringLiteral("http://127.0.0.1:%1/metrics").arg(metricsPort);
        QByteArray metrics;
        QElapsedTimer timer;
        timer.start();
        while (!metrics.contains("nocturne_feed_samples_total{feed=\"kafka:q\"} 500") && timer.elapsed() < 30'000) {
            QTest::qWait(200);
            metrics = httpGet(metricsUrl);
        }
        QVERIFY2(metrics.contains("nocturne_feed_samples_total{feed=\"kafka:q\"} 500"), metrics.constData());
        QVERIFY(metrics.contains("# TYPE nocturne_feed_rejected_total counter"));
        QVERIFY(metrics.contains("nocturne_feed_kafka_lag_messages{feed=\"kafka:q\"}"));
        QVERIFY(metrics.contains("nocturne_snapshot_publish_seconds "));
        QCOMPARE(httpGet(QStringLiteral("http://127.0.0.1:%1/other").arg(metricsPort)).left(9), QByteArray("not found"));

        serve.terminate(); // SIGTERM
        QVERIFY(serve.waitForFinished(20'000));
        QCOMPARE(serve.exitStatus(), QProcess::NormalExit);
        QCOMPARE(serve.exitCode(), 0);
        const QString err = QString::fromUtf8(serve.readAllStandardError());
        QVERIFY2(err.contains(QStringLiteral("kafka:q: 500 samples")), qPrintable(err));

        // The successor in the same group starts after the committed offset: it reads only the 5 new messages.
        for (int b = 50; b < 55; ++b)
            QVERIFY((*producer)->produce("q", batch(b), "k").has_value());
        QVERIFY((*producer)->flush(10'000));
        Engine engine(Nocturne::Test::feedTestEngineOptions());
        KafkaFeed::Options o;
        o.name = "successor";
        o.brokers = (*cluster)->bootstrapServers();
        o.groupId = "serve-test";
        o.topics = {{"q", Signal::Metrics, Encoding::JsonLines}};
        o.properties = {{"log_level", "0"}, {"session.timeout.ms", "6000"}};
        KafkaFeed successor(engine, o);
        QVERIFY(successor.start().has_value());
        timer.restart();
        while (engine.store().stats().samples < 50 && timer.elapsed() < 30'000)
            QTest::qWait(50);
        QTest::qWait(500);
        QCOMPARE(successor.stats().messages, std::uint64_t(5));
        successor.stop();
    }

    void badConfigurationExitsWithPosition()
    {
        QTemporaryDir dir;
        QFile config(dir.filePath(QStringLiteral("bad.yaml")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("feeds:\n  - name: x\n    type: kafka\n    topics: [t]\n");
        config.close();
        QProcess serve;
        serve.start(QStringLiteral(NOCTURNE_ENGINE_EXE), {QStringLiteral("serve"), QStringLiteral("--config"), config.fileName()});
        QVERIFY(serve.waitForFinished(10'000));
        QCOMPARE(serve.exitCode(), 2);
        QVERIFY(serve.readAllStandardError().contains("bad.yaml:2:5: feeds[0]: 'brokers' is required"));
    }
};

QTEST_GUILESS_MAIN(TestServe)
#include "tst_serve.moc"
