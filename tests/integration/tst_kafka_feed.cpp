// KafkaFeed against librdkafka's mock cluster: real Kafka protocol over TCP on loopback, brokers that go down and
// come back, malformed messages between good ones, a consumer restarted from its committed offsets, backpressure.
#include <QElapsedTimer>
#include <QFile>
#include <QTest>

#include <atomic>
#include <thread>

#include "feeds/kafka_feed.h"
#include "feeds/kafka_tools.h"
#include "integration_support.h"

using namespace Nocturne::Engine;

namespace {
std::string readFixture(const char *name)
{
    QFile f(QStringLiteral(NOCTURNE_TEST_DATA "/otlp/") + QString::fromLatin1(name));
    return f.open(QIODevice::ReadOnly) ? f.readAll().toStdString() : std::string();
}

// One JSON-lines message with `n` samples of series group `g` (labels g, i), timestamp distinct per batch `b`. Like
// the Collector's partition_metrics_by_resource_attributes, producers key messages by group so that a series stays in
// one partition and arrives in order.
std::string jsonBatch(int b, int n, int g = 0)
{
    std::string out;
    for (int i = 0; i < n; ++i)
        out += "{\"name\":\"load\",\"labels\":{\"g\":\"" + std::to_string(g) + "\",\"i\":\"" + std::to_string(i) + "\"},\"ts\":"
             + std::to_string(1'700'000'000 + b) + ",\"value\":" + std::to_string(b * 1000 + i) + "}\n";
    return out;
}

std::size_t storedSamples(Engine &engine)
{
    return engine.store().stats().samples;
}

bool waitFor(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        QTest::qWait(20);
    }
    return true;
}

KafkaFeed::Options feedOptions(const std::string &brokers, std::vector<KafkaFeed::Topic> topics, const std::string &group)
{
    KafkaFeed::Options o;
    o.name = group;
    o.brokers = brokers;
    o.groupId = group;
    o.topics = std::move(topics);
    // Short session timeout: a restarted consumer does not wait the default 45 s for its predecessor's slot.
    o.properties = {{"log_level", "0"}, {"topic.metadata.refresh.interval.ms", "500"}, {"session.timeout.ms", "6000"},
                    {"heartbeat.interval.ms", "500"}};
    return o;
}
} // namespace

class TestKafkaFeed : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init() { qputenv("RDKAFKA_DEBUG", ""); }

    void otlpAndJsonLinesEndToEnd()
    {
        auto cluster = KafkaMockCluster::create(3);
        QVERIFY2(cluster.has_value(), cluster ? "" : cluster.error().message.c_str());
        auto &mock = **cluster;
        for (const char *topic : {"otlp_metrics", "otlp_logs", "otlp_spans", "metrics_jsonl"})
            QVERIFY(mock.createTopic(topic, 3).has_value());
        auto producer = KafkaProducer::create(mock.bootstrapServers());
        QVERIFY(producer.has_value());
        QVERIFY((*producer)->produce("otlp_metrics", readFixture("otlp-proto-example-metrics.otlp_proto.bin")).has_value());
        QVERIFY((*producer)->produce("otlp_logs", readFixture("otlp-proto-example-logs.otlp_proto.bin"), "checkout").has_value());
        QVERIFY((*producer)->produce("otlp_spans", readFixture("otlp-proto-example-trace.otlp_proto.bin")).has_value());
        for (int b = 0; b < 10; ++b)
            QVERIFY((*producer)->produce("metrics_jsonl", jsonBatch(b, 10, b % 3), std::to_string(b % 3)).has_value());
        QVERIFY((*producer)->flush(10'000));

        Engine engine(Nocturne::Test::feedTestEngineOptions());
        KafkaFeed feed(engine, feedOptions(mock.bootstrapServers(),
                                           {{"otlp_metrics", Signal::Metrics, Encoding::OtlpProto},
                                            {"otlp_logs", Signal::Logs, Encoding::OtlpProto},
                                            {"otlp_spans", Signal::Traces, Encoding::OtlpProto},
                                            {"metrics_jsonl", Signal::Metrics, Encoding::JsonLines}},
                                           "e2e"));
        QVERIFY(feed.start().has_value());
        QVERIFY2(waitFor([&] { return storedSamples(engine) == 8 + 100 && engine.logs().total() == 1 && engine.spans().total() == 1; }, 60'000),
                 qPrintable(QStringLiteral("samples %1 logs %2 spans %3").arg(storedSamples(engine)).arg(engine.logs().total()).arg(engine.spans().total())));
        QVERIFY(engine.store().find(SeriesKey::make("my_gauge", {{"my_gauge_attr", "some value"}, {"service_name", "my.service"}})));
        QVERIFY(engine.store().find(SeriesKey::make("load", {{"g", "1"}, {"i", "7"}})));
        // Lag per partition is visible and drains to zero.
        QVERIFY(waitFor([&] {
            const auto parts = feed.partitions();
            std::int64_t lag = 0;
            for (const auto &p : parts)
                lag += p.lag;
            // The feed status is the engine's published snapshot: it follows the partitions a moment later.
            return parts.size() == 12 && lag == 0 && Nocturne::Test::feedStatus(engine, feed.feedName()).lag == 0;
        }, 10'000));
        const auto status = Nocturne::Test::feedStatus(engine, feed.feedName());
        QCOMPARE(status.state, FeedState::Healthy);
        QCOMPARE(status.lag, std::int64_t(0));
        QVERIFY(status.endpoint.find("otlp_metrics(metrics/otlp_proto)") != std::string::npos);
        const std::string metrics = engine.metricsExposition();
        QVERIFY(metrics.find("nocturne_feed_samples_total{feed=\"kafka:e2e\"} 108") != std::string::npos);
        QVERIFY(metrics.find("nocturne_feed_kafka_lag_messages{feed=\"kafka:e2e\"} 0") != std::string::npos);
        feed.stop();
    }

    // A broker goes down mid-stream and comes back: nothing is lost (at-least-once + idempotent store).
    void brokerDownAndUpLosesNothing()
    {
        auto cluster = KafkaMockCluster::create(3);
        QVERIFY(cluster.has_value());
        auto &mock = **cluster;
        QVERIFY(mock.createTopic("metrics", 6).has_value());
        auto producer = KafkaProducer::create(mock.bootstrapServers(), {{"message.timeout.ms", "60000"}});
        QVERIFY(producer.has_value());
        Engine engine(Nocturne::Test::feedTestEngineOptions());
        KafkaFeed feed(engine, feedOptions(mock.bootstrapServers(), {{"metrics", Signal::Metrics, Encoding::JsonLines}}, "outage"));
        QVERIFY(feed.start().has_value());

        constexpr int kBatches = 300, kPerBatch = 20;
        bool sawDown = false;
        for (int b = 0; b < kBatches; ++b) {
            QVERIFY((*producer)->produce("metrics", jsonBatch(b, kPerBatch, b % 6), std::to_string(b % 6)).has_value());
            if (b == 100) {
                QVERIFY(mock.setBrokerDown(1).has_value());
                QVERIFY(mock.setBrokerDown(2).has_value());
            }
            if (b > 100 && b < 200) {
                QTest::qWait(15);
                const auto state = Nocturne::Test::feedStatus(engine, feed.feedName()).state;
                sawDown = sawDown || state == FeedState::Degraded || state == FeedState::Down;
            }
            if (b == 200) {
                QVERIFY(mock.setBrokerUp(1).has_value());
                QVERIFY(mock.setBrokerUp(2).has_value());
            }
        }
        QVERIFY((*producer)->flush(60'000));
        QCOMPARE((*producer)->failed(), std::uint64_t(0));
        QVERIFY2(waitFor([&] { return storedSamples(engine) == std::size_t(kBatches * kPerBatch); }, 60'000),
                 qPrintable(QStringLiteral("stored %1 of %2").arg(storedSamples(engine)).arg(kBatches * kPerBatch)));
        qInfo("broker outage: %d samples produced, %zu stored, feed saw degraded/down: %s", kBatches * kPerBatch,
              storedSamples(engine), sawDown ? "yes" : "no");
        QVERIFY(waitFor([&] { return Nocturne::Test::feedStatus(engine, feed.feedName()).state == FeedState::Healthy; }, 60'000));
        feed.stop();
    }

    // 1,000 malformed messages interleaved with 1,000 good ones: every good sample arrives, every bad one is refused
    // with a reason and its position, and the dead-letter ring shows them.
    void malformedMessagesInterleaved()
    {
        auto cluster = KafkaMockCluster::create(1);
        QVERIFY(cluster.has_value());
        auto &mock = **cluster;
        QVERIFY(mock.createTopic("mixed_jsonl", 2).has_value());
        QVERIFY(mock.createTopic("mixed_proto", 2).has_value());
        auto producer = KafkaProducer::create(mock.bootstrapServers());
        QVERIFY(producer.has_value());
        const std::string proto = readFixture("otlp-proto-example-metrics.otlp_proto.bin");
        const std::vector<std::string> badJson = {"{\"name\":\"x\",\"value\":", "not json at all", "{\"name\":1,\"value\":2}",
                                                  std::string("{\"name\":\"u\",\"value\":1,\"labels\":{\"k\":\"\xc3\x28\"}}"),
                                                  "{\"name\":\"v\",\"value\":\"NaN\"}"};
        for (int i = 0; i < 500; ++i) {
            QVERIFY((*producer)->produce("mixed_jsonl", jsonBatch(i, 2, i % 4), std::to_string(i % 4)).has_value());
            QVERIFY((*producer)->produce("mixed_jsonl", badJson[std::size_t(i) % badJson.size()]).has_value());
            // Good proto messages need distinct timestamps to count as distinct samples: vary via key only, so they
            // replace each other (idempotent); the count check below uses the JSON lines.
            QVERIFY((*producer)->produce("mixed_proto", proto).has_value());
            QVERIFY((*producer)->produce("mixed_proto", proto.substr(0, proto.size() / 2 + (i % 7))).has_value());
        }
        QVERIFY((*producer)->flush(10'000));
        Engine engine(Nocturne::Test::feedTestEngineOptions());
        KafkaFeed feed(engine, feedOptions(mock.bootstrapServers(),
                                           {{"mixed_jsonl", Signal::Metrics, Encoding::JsonLines},
                                            {"mixed_proto", Signal::Metrics, Encoding::OtlpProto}},
                                           "mixed"));
        QVERIFY(feed.start().has_value());
        QVERIFY(waitFor([&] { return feed.stats().messages == 2000; }, 60'000));
        QVERIFY(waitFor([&] { return feed.stats().rejects == 1000; }, 10'000));
        const auto status = Nocturne::Test::feedStatus(engine, feed.feedName());
        // 500 JSON messages × 2 samples (distinct) + the proto fixture's 8 series (re-delivered: replaced, not duplicated)
        QCOMPARE(storedSamples(engine), std::size_t(1000 + 8));
        QCOMPARE(status.rejected, std::uint64_t(1000));
        std::map<std::string, std::uint64_t> reasons(status.rejectsByReason.begin(), status.rejectsByReason.end());
        QCOMPARE(reasons[RejectReason::MalformedProto], std::uint64_t(500));
        QCOMPARE(reasons[RejectReason::MalformedJson], std::uint64_t(200));
        QCOMPARE(reasons[RejectReason::WrongType], std::uint64_t(100));
        QCOMPARE(reasons[RejectReason::InvalidUtf8], std::uint64_t(100));
        QCOMPARE(reasons[RejectReason::NotFinite], std::uint64_t(100));
        // Recent rejects degrade the feed (the state is re-evaluated twice a second).
        QVERIFY(waitFor([&] { return Nocturne::Test::feedStatus(engine, feed.feedName()).state == FeedState::Degraded; }, 5'000));
        QVERIFY(status.lastRejected.find(" at mixed_") != std::string::npos);
        const auto letters = engine.deadLetters(feed.feedName(), 5000);
        QCOMPARE(letters.size(), std::size_t(1000)); // the ring holds the last 1,000
        QVERIFY(letters.back().position.find("]@") != std::string::npos);
        QVERIFY(!letters.back().excerpt.empty());
        feed.stop();
    }

    // Offsets are committed only after ingest: a consumer stopped half way and a new one in the same group together
    // deliver everything, and nothing is read twice beyond the uncommitted tail.
    void restartResumesFromCommittedOffsets()
    {
        auto cluster = KafkaMockCluster::create(1);
        QVERIFY(cluster.has_value());
        auto &mock = **cluster;
        QVERIFY(mock.createTopic("m", 1).has_value());
        auto producer = KafkaProducer::create(mock.bootstrapServers());
        QVERIFY(producer.has_value());
        for (int b = 0; b < 100; ++b)
            QVERIFY((*producer)->produce("m", jsonBatch(b, 5)).has_value());
        QVERIFY((*producer)->flush(10'000));

        Engine first(Nocturne::Test::feedTestEngineOptions());
        {
            KafkaFeed feed(first, feedOptions(mock.bootstrapServers(), {{"m", Signal::Metrics, Encoding::JsonLines}}, "restart"));
            QVERIFY(feed.start().has_value());
            // Generous: the mock coordinator's group join takes seconds, more on a loaded machine.
            QVERIFY2(waitFor([&] { return storedSamples(first) == 500; }, 60'000),
                     qPrintable(QStringLiteral("first consumer stored %1").arg(storedSamples(first))));
            feed.stop();
            qInfo("first consumer: %llu messages", (unsigned long long)feed.stats().messages);
        }
        for (int b = 100; b < 150; ++b)
            QVERIFY((*producer)->produce("m", jsonBatch(b, 5)).has_value());
        QVERIFY((*producer)->flush(10'000));
        Engine second(Nocturne::Test::feedTestEngineOptions());
        KafkaFeed feed(second, feedOptions(mock.bootstrapServers(), {{"m", Signal::Metrics, Encoding::JsonLines}}, "restart"));
        QVERIFY(feed.start().has_value());
        QVERIFY2(waitFor([&] { return storedSamples(second) == 250; }, 60'000),
                 qPrintable(QStringLiteral("second consumer stored %1, read %2 messages").arg(storedSamples(second)).arg(feed.stats().messages)));
        QTest::qWait(500);
        QCOMPARE(feed.stats().messages, std::uint64_t(50)); // resumed exactly at the committed offset
        feed.stop();
    }

    // A small queue forces pause/resume; all data still arrives and the queue stays bounded.
    void backpressurePausesAndResumes()
    {
        auto cluster = KafkaMockCluster::create(1);
        QVERIFY(cluster.has_value());
        auto &mock = **cluster;
        QVERIFY(mock.createTopic("bp", 2).has_value());
        auto producer = KafkaProducer::create(mock.bootstrapServers());
        QVERIFY(producer.has_value());
        for (int b = 0; b < 400; ++b)
            QVERIFY((*producer)->produce("bp", jsonBatch(b, 50, b % 4), std::to_string(b % 4)).has_value());
        QVERIFY((*producer)->flush(10'000));
        Engine engine(Nocturne::Test::feedTestEngineOptions());
        auto options = feedOptions(mock.bootstrapServers(), {{"bp", Signal::Metrics, Encoding::JsonLines}}, "bp");
        options.maxQueueBytes = 64 * 1024;
        options.maxBatchMessages = 8;
        KafkaFeed feed(engine, options);
        QVERIFY(feed.start().has_value());
        std::uint64_t maxQueue = 0;
        QVERIFY(waitFor([&] {
            maxQueue = std::max(maxQueue, Nocturne::Test::feedStatus(engine, feed.feedName()).queueDepth);
            return storedSamples(engine) == 400 * 50;
        }, 30'000));
        const auto stats = feed.stats();
        qInfo("backpressure: %llu pauses, %llu resumes, max queue seen %llu bytes (bound 65536 + one fetch batch)",
              (unsigned long long)stats.pauses, (unsigned long long)stats.resumes, (unsigned long long)maxQueue);
        QVERIFY(stats.pauses > 0);
        QVERIFY(stats.resumes > 0);
        feed.stop();
    }

    // A message over the size limit is refused as too_large with its position; the next one still arrives.
    void hugeMessageIsRefused()
    {
        auto cluster = KafkaMockCluster::create(1);
        QVERIFY(cluster.has_value());
        QVERIFY((*cluster)->createTopic("big", 1).has_value());
        auto producer = KafkaProducer::create((*cluster)->bootstrapServers());
        QVERIFY(producer.has_value());
        QVERIFY((*producer)->produce("big", std::string(200'000, '{')).has_value());
        QVERIFY((*producer)->produce("big", jsonBatch(0, 3)).has_value());
        QVERIFY((*producer)->flush(10'000));
        Engine engine(Nocturne::Test::feedTestEngineOptions());
        auto options = feedOptions((*cluster)->bootstrapServers(), {{"big", Signal::Metrics, Encoding::JsonLines}}, "big");
        options.maxMessageBytes = 64 * 1024;
        KafkaFeed feed(engine, options);
        QVERIFY(feed.start().has_value());
        QVERIFY(waitFor([&] { return storedSamples(engine) == 3; }, 60'000));
        const auto letters = engine.deadLetters(feed.feedName());
        QCOMPARE(letters.size(), std::size_t(1));
        QCOMPARE(letters[0].reason, std::string(RejectReason::TooLarge));
        QCOMPARE(letters[0].position, std::string("big[0]@0"));
        QVERIFY(letters[0].excerpt.size() < 300);
        feed.stop();
    }

    void configurationErrorsNameTheProperty()
    {
        Engine engine(Nocturne::Test::feedTestEngineOptions());
        auto options = feedOptions("127.0.0.1:1", {{"t", Signal::Metrics, Encoding::JsonLines}}, "cfg");
        options.properties = {{"no.such.property", "1"}};
        auto started = KafkaFeed(engine, options).start();
        QVERIFY(!started.has_value());
        QVERIFY(started.error().message.find("no.such.property") != std::string::npos);

        options.properties = {{"ssl.key.password", "hunter2"}, {"security.protocol", "bogus"}};
        started = KafkaFeed(engine, options).start();
        QVERIFY(!started.has_value());
        QVERIFY(started.error().message.find("hunter2") == std::string::npos);

        options.properties = {{"enable.auto.commit", "false"}};
        started = KafkaFeed(engine, options).start();
        QVERIFY(!started.has_value());
        QVERIFY(started.error().message.find("managed by Nocturne") != std::string::npos);

        options.properties = {};
        options.topics = {{"t", Signal::Traces, Encoding::JsonLines}};
        QVERIFY(!KafkaFeed(engine, options).start().has_value());
    }
};

QTEST_GUILESS_MAIN(TestKafkaFeed)
#include "tst_kafka_feed.moc"
