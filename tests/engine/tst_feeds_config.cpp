// The feeds configuration: every feed type, defaults, ${env:} secrets, and errors that name file, line and column.
#include <QFile>
#include <QTest>

#include <cstdlib>

#include "config/feeds_config.h"

using namespace Nocturne::Engine;

class TestFeedsConfig : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void fullConfiguration()
    {
        qputenv("NOCTURNE_TEST_KAFKA_PASSWORD", "s3cret");
        QFile file(QStringLiteral(NOCTURNE_TEST_DATA "/config/full.yaml"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const std::string text = file.readAll().toStdString();
        auto config = parseConfig(text, "nocturne.yaml");
        QVERIFY2(config.has_value(), config ? "" : config.error().message.c_str());
        QCOMPARE(config->eventsDb, std::string("/tmp/events.db"));
        QCOMPARE(config->feeds.size(), std::size_t(6));
        const FeedConfig &k = config->feeds[0];
        QCOMPARE(k.type, FeedConfig::Type::Kafka);
        QCOMPARE(k.topics.size(), std::size_t(4));
        QCOMPARE(k.topics[1].signal, Signal::Logs); // implied by the Collector's topic name
        QCOMPARE(k.topics[0].encoding, Encoding::OtlpProto);
        QCOMPARE(k.topics[2].encoding, Encoding::JsonLines);
        QCOMPARE(k.topics[3].encoding, Encoding::RawText);
        QCOMPARE(k.properties[1].second, std::string("s3cret"));
        QCOMPARE(k.maxQueueBytes, std::size_t(32) << 20);
        QCOMPARE(config->feeds[1].interval, 10 * kSecond);
        QCOMPARE(config->feeds[1].job, std::string("node"));
        QCOMPARE(config->feeds[2].queries.size(), std::size_t(2));
        QCOMPARE(config->feeds[2].backfill, 2 * kHour);
        QCOMPARE(config->feeds[3].bearerToken, std::string("t0k"));
        QVERIFY(config->feeds[4].fromStart);
        QCOMPARE(config->feeds[5].query, std::string("{job=\"shop\"}"));
    }

    void errorsNamePosition_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown type") << "feeds:\n  - name: a\n    type: carrier-pigeon\n" << "cfg.yaml:3:11: feeds[0].type: unknown feed type 'carrier-pigeon'";
        QTest::newRow("bad encoding") << "feeds:\n  - name: a\n    type: kafka\n    brokers: b\n    topics:\n      - {name: t, encoding: avro}\n"
                                      << "cfg.yaml:6:29: feeds[0].topics[0].encoding: unknown encoding 'avro'";
        QTest::newRow("unsupported pair") << "feeds:\n  - name: a\n    type: kafka\n    brokers: b\n    topics:\n      - {name: t, signal: traces, encoding: json_lines}\n"
                                          << "cfg.yaml:6:9: feeds[0].topics[0]: encoding json_lines is not supported for traces";
        QTest::newRow("missing brokers") << "feeds:\n  - name: a\n    type: kafka\n    topics: [t]\n" << "cfg.yaml:2:5: feeds[0]: 'brokers' is required for type kafka";
        QTest::newRow("typo key") << "feeds:\n  - name: a\n    type: log_file\n    path: /x\n    form_start: true\n" << "cfg.yaml:5:5: feeds[0]: unknown key 'form_start'";
        QTest::newRow("bad duration") << "feeds:\n  - {name: a, type: prometheus_scrape, url: 'http://x/metrics', interval: soon}\n" << "cfg.yaml:2:75: feeds[0].interval:";
        QTest::newRow("bad url") << "feeds:\n  - {name: a, type: prometheus_api, url: 'ftp://x', queries: [up]}\n" << "feeds[0].url: 'ftp://x' is not an http(s) URL";
        QTest::newRow("duplicate") << "feeds:\n  - {name: a, type: log_file, path: /x}\n  - {name: a, type: log_file, path: /y}\n" << "feeds[1].name: 'a' is used twice";
        QTest::newRow("missing env") << "feeds:\n  - {name: a, type: alertmanager_webhook, bearer_token: '${env:NOCTURNE_SURELY_UNSET}'}\n"
                                     << "environment variable 'NOCTURNE_SURELY_UNSET' is not set";
        QTest::newRow("bad port") << "engine: {metrics_listen: 'localhost:99999'}\n" << "engine.metrics_listen: 'localhost:99999': port must be 0..65535";
        QTest::newRow("yaml syntax") << "feeds: [\n  {name: a\n" << "cfg.yaml:";
        QTest::newRow("pprof seconds") << "feeds:\n  - {name: p, type: pprof, url: 'http://x/debug/pprof/profile', seconds: 900}\n"
                                       << "feeds[0].seconds: expected whole seconds between 1 and 300";
        QTest::newRow("pprof interval") << "feeds:\n  - {name: p, type: pprof, url: 'http://x/debug/pprof/profile', seconds: 30, interval: 10s}\n"
                                        << "feeds[0].interval: shorter than the profile duration";
        QTest::newRow("pprof url") << "feeds:\n  - {name: p, type: pprof, url: 'x:6060'}\n" << "feeds[0].url: 'x:6060' is not an http(s) URL";
    }

    void errorsNamePosition()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        auto config = parseConfig(text.toStdString(), "cfg.yaml");
        QVERIFY(!config.has_value());
        QVERIFY2(QString::fromStdString(config.error().message).contains(expected), config.error().message.c_str());
    }

    void pprofFeed()
    {
        auto config = parseConfig("feeds:\n  - name: checkout-cpu\n    type: pprof\n    url: http://checkout:6060/debug/pprof/profile\n"
                                  "    service: checkout\n    seconds: 20\n    interval: 2m\n    sample_type: cpu\n",
                                  "cfg.yaml");
        QVERIFY2(config.has_value(), config ? "" : config.error().message.c_str());
        const FeedConfig &f = config->feeds.at(0);
        QCOMPARE(f.type, FeedConfig::Type::Pprof);
        QCOMPARE(f.service, std::string("checkout"));
        QCOMPARE(f.seconds, 20);
        QCOMPARE(f.interval, 2 * kMinute);
        QCOMPARE(f.sampleType, std::string("cpu"));
        QCOMPARE(std::string(feedTypeName(f.type)), std::string("pprof"));
        // The service defaults to the feed's name, the interval to a minute.
        auto minimal = parseConfig("feeds:\n  - {name: svc, type: pprof, url: 'http://svc:6060/debug/pprof/profile'}\n", "cfg.yaml");
        QVERIFY(minimal.has_value());
        QCOMPARE(minimal->feeds.at(0).service, std::string("svc"));
        QCOMPARE(minimal->feeds.at(0).interval, kMinute);
    }

    void emptyConfigIsValid()
    {
        auto config = parseConfig("", "empty.yaml");
        QVERIFY(config.has_value());
        QVERIFY(config->feeds.empty());
    }
};

QTEST_GUILESS_MAIN(TestFeedsConfig)
#include "tst_feeds_config.moc"
