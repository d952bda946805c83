#include <QFile>
#include <QTest>

#include <cmath>
#include <limits>

#include "decode/feed_decoding.h"
#include "decode/prometheus_text.h"
#include "detect/counter_rates.h"
#include "feeds/prometheus_scraper.h"
#include "model/metric_type.h"
#include "runtime/engine.h"

using namespace Nocturne::Engine;

Q_DECLARE_METATYPE(std::vector<double>)
Q_DECLARE_METATYPE(std::vector<HistogramBucket>)
Q_DECLARE_METATYPE(MetricType)
Q_DECLARE_METATYPE(SeriesRole)

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

QByteArray readFile(const QString &name)
{
    QFile file(QStringLiteral(NOCTURNE_TEST_DATA "/otlp/") + name);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The scraper as the engine runs it, fed expositions directly instead of over HTTP.
class DirectScraper : public PrometheusScraper
{
public:
    using PrometheusScraper::PrometheusScraper;
    using PrometheusScraper::consume;
};

PrometheusScraper::Options scrapeOptions()
{
    PrometheusScraper::Options options;
    options.url = QUrl(QStringLiteral("http://node:9100/metrics"));
    options.job = QStringLiteral("node");
    return options;
}

std::optional<SeriesId> findSeries(const SeriesStore &store, const std::string &name, Labels labels = {})
{
    labels.push_back({"instance", "node:9100"});
    labels.push_back({"job", "node"});
    return store.find(SeriesKey::make(name, std::move(labels)));
}

// Deterministic jitter in [-1, 1): the increments of a real counter are never exactly equal.
double jitter(int i)
{
    return double((i * 7919 + 13) % 200) / 100.0 - 1.0;
}
} // namespace

class TestCounterRates : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // Rates against PromQL rate() over the window between consecutive samples, computed by hand.
    void rateSemantics_data()
    {
        QTest::addColumn<std::vector<double>>("seconds");
        QTest::addColumn<std::vector<double>>("values");
        QTest::addColumn<std::vector<double>>("rates"); // NaN: no rate for this sample
        QTest::newRow("steady") << std::vector<double>{0, 15, 30} << std::vector<double>{0, 150, 300}
                                << std::vector<double>{kNaN, 10, 10};
        // 250 → 30 is a reset: the 30 counted since the reset are the increase (30 / 15 s = 2/s).
        QTest::newRow("reset") << std::vector<double>{0, 15, 30, 45} << std::vector<double>{100, 250, 30, 90}
                               << std::vector<double>{kNaN, 10, 2, 4};
        QTest::newRow("reset to zero") << std::vector<double>{0, 10} << std::vector<double>{100, 0}
                                       << std::vector<double>{kNaN, 0};
        // A 10-minute gap spreads its increase over the gap.
        QTest::newRow("gap") << std::vector<double>{0, 15, 615} << std::vector<double>{0, 15, 615}
                             << std::vector<double>{kNaN, 1, 1};
        QTest::newRow("flat") << std::vector<double>{0, 15, 30} << std::vector<double>{7, 7, 7}
                              << std::vector<double>{kNaN, 0, 0};
        QTest::newRow("fractional seconds") << std::vector<double>{0, 0.5} << std::vector<double>{1, 2}
                                            << std::vector<double>{kNaN, 2};
    }
    void rateSemantics()
    {
        QFETCH(std::vector<double>, seconds);
        QFETCH(std::vector<double>, values);
        QFETCH(std::vector<double>, rates);
        CounterRateTracker tracker;
        for (std::size_t i = 0; i < seconds.size(); ++i) {
            const auto rate = tracker.update(Timestamp(std::llround(seconds[i] * 1e9)), values[i]);
            if (std::isnan(rates[i])) {
                QVERIFY2(!rate, qPrintable(QStringLiteral("sample %1 gave a rate").arg(i)));
            } else {
                QVERIFY2(rate, qPrintable(QStringLiteral("sample %1 gave no rate").arg(i)));
                QCOMPARE(*rate, rates[i]);
            }
        }
    }

    // Rates weighted by their intervals add up to PromQL increase() with its reset correction: for 10, 20, 5, 15 that
    // is 15 - 10 + 20 (the value before the reset) = 25.
    void ratesSumToPromqlIncrease()
    {
        CounterRateTracker tracker;
        const double values[] = {10, 20, 5, 15};
        double increase = 0;
        for (int i = 0; i < 4; ++i) {
            if (auto rate = tracker.update(Timestamp(i) * 30 * kSecond, values[i]))
                increase += *rate * 30;
        }
        QCOMPARE(increase, 25.0);
        QCOMPARE(tracker.resets(), 1u);
    }

    void rateBadInput()
    {
        CounterRateTracker tracker;
        QVERIFY(!tracker.update(0, kNaN)); // nothing remembered from a NaN
        QVERIFY(!tracker.hasValue());
        QVERIFY(!tracker.update(0, 100));
        QVERIFY(!tracker.update(10 * kSecond, kInf));
        QVERIFY(!tracker.update(10 * kSecond, -kInf));
        QVERIFY(!tracker.update(10 * kSecond, kNaN)); // a staleness marker: the next value rates across it
        QCOMPARE(*tracker.update(20 * kSecond, 120), 1.0);
        QVERIFY(!tracker.update(15 * kSecond, 500)); // out of order: ignored, state kept
        QCOMPARE(*tracker.update(30 * kSecond, 130), 1.0);
        QVERIFY(!tracker.update(30 * kSecond, 140)); // same timestamp: no rate, the newer value is remembered
        QCOMPARE(*tracker.update(40 * kSecond, 150), 1.0);
        // Ten years without a sample: the increase is spread over ten years, a small finite rate.
        const Timestamp tenYears = 10 * 365 * kDay;
        const auto slow = tracker.update(40 * kSecond + tenYears, 150 + 3650 * 86400.0);
        QVERIFY(slow);
        QCOMPARE(*slow, 1.0);
        // The whole int64 range between two samples does not overflow.
        CounterRateTracker extremes;
        QVERIFY(!extremes.update(std::numeric_limits<Timestamp>::min(), 0));
        const auto rate = extremes.update(std::numeric_limits<Timestamp>::max(), 1);
        QVERIFY(rate && std::isfinite(*rate) && *rate > 0);
    }

    // histogram_quantile against hand-computed values.
    void quantile_data()
    {
        QTest::addColumn<double>("q");
        QTest::addColumn<std::vector<HistogramBucket>>("buckets");
        QTest::addColumn<double>("expected"); // NaN: undefined
        const std::vector<HistogramBucket> latency{{0.1, 10}, {0.5, 30}, {1, 40}, {kInf, 40}};
        // rank 20 lies in (0.1, 0.5], 10 of its 20 observations in: 0.1 + 0.4 · 10/20
        QTest::newRow("p50") << 0.5 << latency << 0.3;
        // rank 39.6 lies in (0.5, 1], 9.6 of its 10 in: 0.5 + 0.5 · 0.96
        QTest::newRow("p99") << 0.99 << latency << 0.98;
        QTest::newRow("unsorted") << 0.5 << std::vector<HistogramBucket>{{kInf, 40}, {1, 40}, {0.1, 10}, {0.5, 30}} << 0.3;
        // rank 50 is in the +Inf bucket: the highest finite bound
        QTest::newRow("in +Inf") << 0.5 << std::vector<HistogramBucket>{{1, 10}, {2, 20}, {kInf, 100}} << 2.0;
        QTest::newRow("empty buckets below") << 0.5 << std::vector<HistogramBucket>{{0.1, 0}, {0.2, 0}, {0.4, 10}, {kInf, 10}} << 0.3;
        QTest::newRow("no observations") << 0.5 << std::vector<HistogramBucket>{{1, 0}, {kInf, 0}} << kNaN;
        QTest::newRow("no +Inf bucket") << 0.5 << std::vector<HistogramBucket>{{1, 3}, {2, 5}} << kNaN;
        QTest::newRow("only +Inf") << 0.5 << std::vector<HistogramBucket>{{kInf, 5}} << kNaN;
        QTest::newRow("none") << 0.5 << std::vector<HistogramBucket>{} << kNaN;
        // 2 below 1's 10 is a torn scrape: fixed up to 10, so rank 10 ends bucket (0, 1]
        QTest::newRow("not monotonic") << 0.5 << std::vector<HistogramBucket>{{1, 10}, {2, 8}, {kInf, 20}} << 1.0;
        QTest::newRow("first bound <= 0") << 0.25 << std::vector<HistogramBucket>{{0, 5}, {1, 10}, {kInf, 10}} << 0.0;
        QTest::newRow("same bound twice") << 0.5 << std::vector<HistogramBucket>{{1, 5}, {1, 5}, {kInf, 20}} << 1.0;
        QTest::newRow("q < 0") << -0.1 << latency << -kInf;
        QTest::newRow("q > 1") << 1.5 << latency << kInf;
        QTest::newRow("q NaN") << kNaN << latency << kNaN;
        QTest::newRow("NaN count ignored") << 0.5 << std::vector<HistogramBucket>{{0.1, 10}, {0.3, kNaN}, {0.5, 30}, {1, 40}, {kInf, 40}} << 0.3;
    }
    void quantile()
    {
        QFETCH(double, q);
        QFETCH(std::vector<HistogramBucket>, buckets);
        QFETCH(double, expected);
        const double actual = histogramQuantile(q, buckets);
        if (std::isnan(expected))
            QVERIFY2(std::isnan(actual), qPrintable(QString::number(actual)));
        else
            QCOMPARE(actual, expected);
    }

    // Quantiles over per-interval bucket increases: what histogram_quantile(q, rate(x_bucket[15s])) shows.
    void quantilesOfIncreases()
    {
        HistogramQuantileTracker tracker;
        auto set = [&](Timestamp ts, std::vector<HistogramBucket> buckets) {
            std::optional<HistogramQuantiles> out;
            for (const HistogramBucket &b : buckets) {
                if (auto q = tracker.add(ts, b.upperBound, b.count))
                    out = q;
            }
            if (auto q = tracker.flush())
                out = q;
            return out;
        };
        QVERIFY(!set(0, {{0.1, 100}, {0.5, 100}, {1, 100}, {kInf, 100}})); // the first set only teaches
        auto q = set(15 * kSecond, {{0.1, 110}, {0.5, 130}, {1, 140}, {kInf, 140}});
        QVERIFY(q);
        QCOMPARE(q->ts, 15 * kSecond);
        QCOMPARE(q->p50, 0.3);
        QCOMPARE(q->p99, 0.98);
        QVERIFY(!set(30 * kSecond, {{0.1, 110}, {0.5, 130}, {1, 140}, {kInf, 140}})); // idle interval: no quantile
        // A restarted target: every bucket went down, so each new count is its increase (all 5 in the first bucket).
        q = set(45 * kSecond, {{0.1, 5}, {0.5, 5}, {1, 5}, {kInf, 5}});
        QVERIFY(q);
        QCOMPARE(q->p50, 0.05);
        QCOMPARE(q->p99, 0.099);
        // Out of order and duplicate sets change nothing.
        QVERIFY(!set(40 * kSecond, {{0.1, 1000}, {kInf, 1000}}));
        QVERIFY(!set(45 * kSecond, {{0.1, 1000}, {kInf, 1000}}));
        // A new layout (bucket 2 added): only the buckets in both sets count.
        q = set(60 * kSecond, {{0.1, 15}, {0.5, 15}, {1, 15}, {2, 20}, {kInf, 25}});
        QVERIFY(q);
        QCOMPARE(q->p50, 0.1); // increases 10, 10, 10, (2 left out), 20: rank 10 ends the first bucket
        QCOMPARE(q->p99, 1.0); // rank 19.8 is in +Inf: the highest finite bound of the counted buckets
    }

    void quantilesAcrossBatches()
    {
        // A batch boundary inside a set: the set waits for the rest instead of finishing with half its buckets.
        HistogramQuantileTracker tracker;
        for (double le : {0.1, 0.5, 1.0, kInf})
            QVERIFY(!tracker.add(0, le, 0));
        QVERIFY(!tracker.flush());
        QVERIFY(!tracker.add(15 * kSecond, 0.1, 10));
        QVERIFY(!tracker.add(15 * kSecond, 0.5, 30));
        QVERIFY(!tracker.flush()); // 2 of 4
        QVERIFY(!tracker.add(15 * kSecond, 1.0, 40));
        QVERIFY(!tracker.add(15 * kSecond, kInf, 40));
        const auto q = tracker.flush();
        QVERIFY(q);
        QCOMPARE(q->p50, 0.3);
    }

    void gaugeHistogram()
    {
        // Buckets that already count one interval (OTLP delta, OpenMetrics gaugehistogram): no previous set needed.
        HistogramQuantileTracker tracker(false);
        for (const auto &[le, count] : std::vector<std::pair<double, double>>{{0.1, 10}, {0.5, 30}, {1, 40}, {kInf, 40}})
            QVERIFY(!tracker.add(0, le, count));
        const auto q = tracker.flush();
        QVERIFY(q);
        QCOMPARE(q->p50, 0.3);
        QVERIFY(!tracker.add(kSecond, 0.1, kNaN)); // bad counts are skipped
        QVERIFY(!tracker.add(kSecond, kNaN, 3));
    }

    void textFormatTypes()
    {
        const ExpositionResult result = parseExposition(
            "# TYPE node_cpu_seconds_total counter\n"
            "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 1234.5\n"
            "# TYPE requests counter\n" // OpenMetrics style: family without _total
            "requests_total 7\n"
            "requests_created 1.7e9\n"
            "# TYPE node_load1 gauge\n"
            "node_load1 0.5\n"
            "# TYPE weird_total gauge\n" // a declared gauge stays a gauge whatever its name
            "weird_total 3\n"
            "# TYPE http_duration_seconds histogram\n"
            "http_duration_seconds_bucket{le=\"0.1\"} 3\n"
            "http_duration_seconds_bucket{le=\"+Inf\"} 4\n"
            "http_duration_seconds_sum 0.9\n"
            "http_duration_seconds_count 4\n"
            "# TYPE rpc_seconds summary\n"
            "rpc_seconds{quantile=\"0.99\"} 0.2\n"
            "rpc_seconds_sum 10\n"
            "rpc_seconds_count 50\n"
            "# TYPE queue_seconds gaugehistogram\n"
            "queue_seconds_bucket{le=\"1\"} 2\n"
            "queue_seconds_gcount 2\n"
            "# TYPE plain untyped\n"
            "plain_total 1\n"
            "no_metadata_count 5\n");
        QVERIFY(result.issues.empty());
        std::map<std::string, std::pair<MetricType, SeriesRole>> got;
        for (const ParsedSample &s : result.samples)
            got[s.key.labels.empty() ? s.key.name : s.key.canonical()] = {s.type, seriesRole(s.key, s.type)};
        using P = std::pair<MetricType, SeriesRole>;
        QCOMPARE(got.at(R"(node_cpu_seconds_total{cpu="0",mode="idle"})"), P(MetricType::Counter, SeriesRole::Counter));
        QCOMPARE(got.at("requests_total"), P(MetricType::Counter, SeriesRole::Counter));
        QCOMPARE(got.at("requests_created"), P(MetricType::Counter, SeriesRole::Gauge));
        QCOMPARE(got.at("node_load1"), P(MetricType::Gauge, SeriesRole::Gauge));
        QCOMPARE(got.at("weird_total"), P(MetricType::Gauge, SeriesRole::Gauge));
        QCOMPARE(got.at(R"(http_duration_seconds_bucket{le="0.1"})"), P(MetricType::Histogram, SeriesRole::HistogramBucket));
        QCOMPARE(got.at("http_duration_seconds_sum"), P(MetricType::Histogram, SeriesRole::Counter));
        QCOMPARE(got.at("http_duration_seconds_count"), P(MetricType::Histogram, SeriesRole::Counter));
        QCOMPARE(got.at(R"(rpc_seconds{quantile="0.99"})"), P(MetricType::Summary, SeriesRole::Gauge));
        QCOMPARE(got.at("rpc_seconds_count"), P(MetricType::Summary, SeriesRole::Counter));
        QCOMPARE(got.at(R"(queue_seconds_bucket{le="1"})"), P(MetricType::GaugeHistogram, SeriesRole::GaugeHistogramBucket));
        QCOMPARE(got.at("queue_seconds_gcount"), P(MetricType::GaugeHistogram, SeriesRole::Gauge));
        QCOMPARE(got.at("plain_total"), P(MetricType::Untyped, SeriesRole::Counter));
        QCOMPARE(got.at("no_metadata_count"), P(MetricType::Untyped, SeriesRole::Counter));
    }

    void untypedNames_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("hasLe");
        QTest::addColumn<SeriesRole>("role");
        QTest::newRow("_total") << "node_network_receive_bytes_total" << false << SeriesRole::Counter;
        QTest::newRow("_count") << "http_requests_count" << false << SeriesRole::Counter;
        QTest::newRow("_sum") << "gc_duration_seconds_sum" << false << SeriesRole::Counter;
        QTest::newRow("_bucket with le") << "latency_bucket" << true << SeriesRole::HistogramBucket;
        QTest::newRow("_bucket without le") << "token_bucket" << false << SeriesRole::Counter;
        QTest::newRow("_created") << "requests_created" << false << SeriesRole::Gauge;
        QTest::newRow("plain") << "node_load1" << false << SeriesRole::Gauge;
        QTest::newRow("suffix only") << "_total" << false << SeriesRole::Gauge;
        QTest::newRow("inside the name") << "total_bytes" << false << SeriesRole::Gauge;
        QTest::newRow("derived rate") << "x_total:rate" << false << SeriesRole::Gauge;
        QTest::newRow("per second") << "http_requests_per_second" << false << SeriesRole::Gauge;
    }
    void untypedNames()
    {
        QFETCH(QString, name);
        QFETCH(bool, hasLe);
        QFETCH(SeriesRole, role);
        Labels labels{{"job", "x"}};
        if (hasLe)
            labels.push_back({"le", "0.5"});
        QCOMPARE(seriesRole(SeriesKey::make(name.toStdString(), labels), MetricType::Untyped), role);
    }

    void otlpTypes()
    {
        // The OTLP example has a delta monotonic sum (already per interval: a gauge) and delta histograms. Proto and
        // JSON type the same series the same way.
        for (Encoding encoding : {Encoding::OtlpProto, Encoding::OtlpJson}) {
            SeriesStore store;
            auto decoder = FeedDecoder::make(Signal::Metrics, encoding, store);
            QVERIFY(decoder.has_value());
            DecodeOutput out;
            const QByteArray payload = readFile(encoding == Encoding::OtlpProto ? QStringLiteral("otlp-proto-example-metrics.otlp_proto.bin")
                                                                                 : QStringLiteral("otlp-proto-example-metrics.json"));
            QVERIFY(!payload.isEmpty());
            (*decoder)->decode(std::string_view(payload.constData(), std::size_t(payload.size())), {"t", 1}, out);
            std::map<std::string, MetricType> types;
            for (const SampleRef &s : out.samples)
                types[store.key(s.series)->name] = store.type(s.series);
            QCOMPARE(types.at("my_counter"), MetricType::Gauge);
            QCOMPARE(types.at("my_gauge"), MetricType::Gauge);
            QCOMPARE(types.at("my_histogram_bucket"), MetricType::GaugeHistogram);
            QCOMPARE(types.at("my_histogram_count"), MetricType::GaugeHistogram);
            QCOMPARE(types.at("my_exponential_histogram_count"), MetricType::GaugeHistogram);
        }
        // Cumulative data, temporality as a number and as a name.
        const std::string json = R"({"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},
            "scopeMetrics":[{"metrics":[
            {"name":"requests","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[{"timeUnixNano":"1000000000","asInt":"5"}]}},
            {"name":"bytes","sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE","isMonotonic":true,"dataPoints":[{"timeUnixNano":"1000000000","asDouble":5}]}},
            {"name":"inflight","sum":{"aggregationTemporality":2,"isMonotonic":false,"dataPoints":[{"timeUnixNano":"1000000000","asInt":"3"}]}},
            {"name":"latency","histogram":{"aggregationTemporality":2,"dataPoints":[{"timeUnixNano":"1000000000","count":"3","sum":1.5,
                "bucketCounts":["1","2"],"explicitBounds":[0.5]}]}},
            {"name":"rpc","summary":{"dataPoints":[{"timeUnixNano":"1000000000","count":"3","sum":1.5,"quantileValues":[{"quantile":0.99,"value":0.7}]}]}}
            ]}]}]})";
        SeriesStore store;
        auto decoder = FeedDecoder::make(Signal::Metrics, Encoding::OtlpJson, store);
        QVERIFY(decoder.has_value());
        DecodeOutput out;
        (*decoder)->decode(json, {"t", 1}, out);
        QVERIFY(out.rejects.empty());
        std::map<std::string, SeriesRole> roles;
        for (const SampleRef &s : out.samples) {
            const SeriesKey key = *store.key(s.series);
            roles[key.name] = seriesRole(key, store.type(s.series));
        }
        QCOMPARE(store.type(*store.find(SeriesKey::make("requests", {{"service_name", "api"}}))), MetricType::Counter);
        QCOMPARE(roles.at("requests"), SeriesRole::Counter);
        QCOMPARE(roles.at("bytes"), SeriesRole::Counter);
        QCOMPARE(roles.at("inflight"), SeriesRole::Gauge);
        QCOMPARE(roles.at("latency_bucket"), SeriesRole::HistogramBucket);
        QCOMPARE(roles.at("latency_count"), SeriesRole::Counter);
        QCOMPARE(roles.at("latency_sum"), SeriesRole::Counter);
        QCOMPARE(roles.at("rpc"), SeriesRole::Gauge);
        QCOMPARE(roles.at("rpc_count"), SeriesRole::Counter);
    }

    void jsonLinesType()
    {
        SeriesStore store;
        auto decoder = FeedDecoder::make(Signal::Metrics, Encoding::JsonLines, store);
        QVERIFY(decoder.has_value());
        DecodeOutput out;
        (*decoder)->decode(R"({"name":"a","type":"counter","value":1,"ts":1}
{"name":"b_total","type":"gauge","value":1,"ts":1}
{"name":"c_total","value":1,"ts":1}
{"name":"d","type":"nonsense","value":1,"ts":1})", {"t", 1}, out);
        QCOMPARE(out.samples.size(), std::size_t(4));
        QCOMPARE(store.type(*store.find(SeriesKey::make("a", {}))), MetricType::Counter);
        QCOMPARE(store.type(*store.find(SeriesKey::make("b_total", {}))), MetricType::Gauge);
        QCOMPARE(store.type(*store.find(SeriesKey::make("c_total", {}))), MetricType::Untyped);
        QCOMPARE(store.type(*store.find(SeriesKey::make("d", {}))), MetricType::Untyped);
    }

    // The report of issue 17: an idle node_exporter's counters climb steadily and must raise nothing. Driven through
    // the scraper and the engine's detection path, two hours of 15 s scrapes.
    void climbingCounterRaisesNothing()
    {
        Engine engine;
        DirectScraper scraper(engine, scrapeOptions());
        const Timestamp start = 1'700'000'000 * kSecond;
        double idle = 1e6, rx = 5e9;
        for (int i = 0; i < 480; ++i) {
            idle += 15 * (0.98 + 0.01 * jitter(i));
            rx += 15 * (2000 + 100 * jitter(i + 1));
            const std::string body = "# TYPE node_cpu_seconds_total counter\n"
                                     "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} " + std::to_string(idle) + "\n"
                                     "# TYPE node_network_receive_bytes_total counter\n"
                                     "node_network_receive_bytes_total{device=\"eth0\"} " + std::to_string(rx) + "\n";
            QVERIFY(scraper.consume(QByteArray::fromStdString(body), start + i * 15 * kSecond));
        }
        DetectionService *detection = engine.detection();
        QVERIFY(detection);
        const auto cpu = findSeries(engine.store(), "node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "idle"}});
        QVERIFY(cpu);
        QCOMPARE(engine.store().type(*cpu), MetricType::Counter);
        // Raw values are kept for charts; the rate is what is scored and charted by default.
        QCOMPARE(engine.store().range(*cpu, INT64_MIN, INT64_MAX).size(), std::size_t(480));
        const SeriesId rate = detection->rateOf(*cpu);
        QVERIFY(rate.isValid());
        QCOMPARE(engine.store().key(rate)->name, std::string("node_cpu_seconds_total:rate"));
        const auto rates = engine.store().range(rate, INT64_MIN, INT64_MAX);
        QCOMPARE(rates.size(), std::size_t(479)); // the first scrape gives no rate
        for (const Sample &s : rates)
            QVERIFY(s.value > 0.96 && s.value < 1.0);
        QVERIFY(!detection->bandsOf(*cpu).score.isValid()); // the raw counter is never scored
        QVERIFY(detection->bandsOf(rate).score.isValid());
        QVERIFY(detection->scoredSamples() >= 2 * 479);
        QCOMPARE(detection->eventCount(), std::uint64_t(0));
        QVERIFY(detection->openEvents().empty());
    }

    // Histogram buckets become p50/p99 series; the buckets themselves are never scored.
    void histogramBecomesQuantiles()
    {
        Engine engine;
        DirectScraper scraper(engine, scrapeOptions());
        const Timestamp start = 1'700'000'000 * kSecond;
        double fast = 0, mid = 0, slow = 0;
        for (int i = 0; i < 3; ++i) {
            const std::string body = "# TYPE http_duration_seconds histogram\n"
                                     "http_duration_seconds_bucket{le=\"0.1\"} " + std::to_string(fast) + "\n"
                                     "http_duration_seconds_bucket{le=\"0.5\"} " + std::to_string(mid) + "\n"
                                     "http_duration_seconds_bucket{le=\"1\"} " + std::to_string(slow) + "\n"
                                     "http_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(slow) + "\n"
                                     "http_duration_seconds_sum " + std::to_string(slow * 0.3) + "\n"
                                     "http_duration_seconds_count " + std::to_string(slow) + "\n";
            QVERIFY(scraper.consume(QByteArray::fromStdString(body), start + i * 15 * kSecond));
            fast += 10, mid += 30, slow += 40; // per interval: 10 ≤ 0.1 s, 20 more ≤ 0.5 s, 10 more ≤ 1 s
        }
        const SeriesStore &store = engine.store();
        const auto p50 = findSeries(store, "http_duration_seconds:p50");
        const auto p99 = findSeries(store, "http_duration_seconds:p99");
        QVERIFY(p50 && p99);
        const auto p50s = store.range(*p50, INT64_MIN, INT64_MAX);
        const auto p99s = store.range(*p99, INT64_MIN, INT64_MAX);
        QCOMPARE(p50s.size(), std::size_t(2));
        QCOMPARE(p50s.back().value, 0.3);
        QCOMPARE(p99s.back().value, 0.98);
        QVERIFY(engine.detection()->bandsOf(*p99).score.isValid());
        const auto bucket = findSeries(store, "http_duration_seconds_bucket", {{"le", "0.5"}});
        QVERIFY(bucket);
        QVERIFY(!engine.detection()->bandsOf(*bucket).score.isValid());
        QCOMPARE(store.range(*bucket, INT64_MIN, INT64_MAX).size(), std::size_t(3)); // raw buckets still stored
        // No detector band exists for any bucket series.
        for (SeriesId id : store.allSeries()) {
            const auto key = store.key(id);
            QVERIFY2(key->label("series").find("_bucket") == std::string_view::npos, key->canonical().c_str());
        }
        QVERIFY(engine.detection()->rateOf(*findSeries(store, "http_duration_seconds_count")).isValid());
    }

    // A series whose declared type changes: its rate starts afresh, and a gauge again is scored as it is.
    void seriesChangesType()
    {
        Engine engine;
        DirectScraper scraper(engine, scrapeOptions());
        const Timestamp start = 1'700'000'000 * kSecond;
        auto scrape = [&](int i, const char *type, double value) {
            const std::string body = std::string("# TYPE jobs ") + type + "\njobs " + std::to_string(value) + "\n";
            return scraper.consume(QByteArray::fromStdString(body), start + i * 15 * kSecond);
        };
        QVERIFY(scrape(0, "gauge", 5));
        QVERIFY(scrape(1, "gauge", 6));
        const auto id = findSeries(engine.store(), "jobs");
        QVERIFY(id);
        DetectionService &detection = *engine.detection();
        QVERIFY(!detection.rateOf(*id).isValid());
        QVERIFY(detection.bandsOf(*id).score.isValid());
        QVERIFY(scrape(2, "counter", 100)); // first sample as a counter: no rate yet
        QVERIFY(!detection.rateOf(*id).isValid());
        QVERIFY(scrape(3, "counter", 130));
        const SeriesId rate = detection.rateOf(*id);
        QVERIFY(rate.isValid());
        const auto rates = engine.store().range(rate, INT64_MIN, INT64_MAX);
        QCOMPARE(rates.size(), std::size_t(1));
        QCOMPARE(rates.front().value, 2.0);
        QVERIFY(scrape(4, "gauge", 3));
        QVERIFY(!detection.rateOf(*id).isValid());
        QVERIFY(scrape(5, "histogram", 3)); // a histogram family without buckets: `jobs` itself is just a gauge
        QVERIFY(scrape(6, "counter", 10));
        QVERIFY(scrape(7, "counter", 40));
        QCOMPARE(engine.store().range(rate, INT64_MIN, INT64_MAX).back().value, 2.0);
    }

    // Defined results, never a crash: NaN/±Inf, out-of-order and duplicate timestamps, resets and a ten-year gap, for
    // counters and histogram buckets through the engine.
    void badInputThroughEngine()
    {
        Engine engine;
        SeriesStore &store = engine.store();
        const SeriesId counter = store.intern(SeriesKey::make("errors_total", {{"job", "x"}}));
        const SeriesId le1 = store.intern(SeriesKey::make("lat_bucket", {{"job", "x"}, {"le", "1"}}));
        const SeriesId inf = store.intern(SeriesKey::make("lat_bucket", {{"job", "x"}, {"le", "+Inf"}}));
        const SeriesId badLe = store.intern(SeriesKey::make("lat_bucket", {{"job", "x"}, {"le", "soon"}}));
        const Timestamp t0 = 1'700'000'000 * kSecond;
        const Timestamp tenYears = 10 * 365 * kDay;
        const std::vector<std::pair<Timestamp, double>> inputs{
            {t0, 10}, {t0 + 15 * kSecond, kNaN}, {t0 + 30 * kSecond, kInf}, {t0 + 45 * kSecond, 40},
            {t0 + 20 * kSecond, 5}, {t0 + 45 * kSecond, 41}, {t0 + 60 * kSecond, 1}, {t0 + 60 * kSecond + tenYears, 2},
            {t0 - tenYears, 3}, {std::numeric_limits<Timestamp>::max(), 4}};
        // The store keeps 6 h behind its newest sample, so each rate is read as it arrives.
        std::vector<double> rates;
        Timestamp seen = std::numeric_limits<Timestamp>::min();
        for (const auto &[ts, v] : inputs) {
            const std::vector<SampleRef> batch{{counter, ts, v}, {le1, ts, v}, {inf, ts, v * 2}, {badLe, ts, v}};
            engine.ingestSamples(batch, "test");
            const SeriesId rate = engine.detection()->rateOf(counter);
            if (const auto last = rate.isValid() ? store.last(rate) : std::nullopt; last && last->ts == ts && ts != seen) {
                rates.push_back(last->value);
                seen = ts;
            }
        }
        for (double r : rates)
            QVERIFY(std::isfinite(r) && r >= 0);
        // 10 → 40 over 45 s; the duplicate 41 replaces 40; 1 after 41 is a reset: 1/15 s; then 1 over ten years, and
        // 2 over the rest of the int64 range (the sample ten years back is out of order).
        QCOMPARE(rates.size(), std::size_t(4));
        QCOMPARE(rates[0], 30.0 / 45.0);
        QCOMPARE(rates[1], 1.0 / 15.0);
        QCOMPARE(rates[2], 1.0 / double(tenYears / kSecond));
        QVERIFY(rates[3] > 0 && rates[3] < 1e-9);
        // An unparsable le: a bucket without a bound contributes nothing, but nothing breaks.
        const auto p99 = store.find(SeriesKey::make("lat:p99", {{"job", "x"}}));
        QVERIFY(p99);
        for (const Sample &s : store.range(*p99, INT64_MIN, INT64_MAX))
            QVERIFY(std::isfinite(s.value));
    }
};

QTEST_GUILESS_MAIN(TestCounterRates)
#include "tst_counter_rates.moc"
