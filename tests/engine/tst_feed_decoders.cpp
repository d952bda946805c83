// The feed decoders on real OTLP fixtures (proto and JSON must agree), JSON lines with every kind of bad input, and a
// mutation fuzzer over all decoders (no crash, no hang, every refusal has a reason).
#include <QFile>
#include <QTest>

#include <map>
#include <random>
#include <set>

#include "decode/feed_decoding.h"

using namespace Nocturne::Engine;

namespace {
std::string readFile(const char *name)
{
    QFile f(QStringLiteral(NOCTURNE_TEST_DATA "/otlp/") + QString::fromLatin1(name));
    return f.open(QIODevice::ReadOnly) ? f.readAll().toStdString() : std::string();
}

struct Decoded {
    SeriesStore store;
    DecodeOutput out;
    std::map<std::string, double> samples; // canonical series → value
};

void decodeInto(Decoded &d, Signal signal, Encoding encoding, std::string_view payload, SeriesResolver::Limits limits = {})
{
    auto decoder = FeedDecoder::make(signal, encoding, d.store, limits);
    QVERIFY(decoder.has_value());
    DecodeContext context{"kafka-topic", 42};
    (*decoder)->decode(payload, context, d.out);
    for (const SampleRef &s : d.out.samples)
        d.samples[d.store.key(s.series)->canonical()] = s.value;
}
} // namespace

class TestFeedDecoders : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void otlpMetricsProtoAndJsonAgree()
    {
        Decoded proto, json;
        decodeInto(proto, Signal::Metrics, Encoding::OtlpProto, readFile("otlp-proto-example-metrics.otlp_proto.bin"));
        decodeInto(json, Signal::Metrics, Encoding::OtlpJson, readFile("otlp-proto-example-metrics.json"));
        QVERIFY(proto.out.rejects.empty());
        QVERIFY(json.out.rejects.empty());
        // counter 1 + gauge 1 + histogram (2 buckets + count + sum) + exponential histogram (count + sum)
        QCOMPARE(proto.out.samples.size(), std::size_t(8));
        QCOMPARE(proto.samples, json.samples);
        const auto &s = proto.samples;
        QCOMPARE(s.at(R"(my_counter{my_counter_attr="some value",service_name="my.service"})"), 5.0);
        QCOMPARE(s.at(R"(my_gauge{my_gauge_attr="some value",service_name="my.service"})"), 10.0);
        QCOMPARE(s.at(R"(my_histogram_bucket{le="1",my_histogram_attr="some value",service_name="my.service"})"), 1.0);
        QCOMPARE(s.at(R"(my_histogram_bucket{le="+Inf",my_histogram_attr="some value",service_name="my.service"})"), 2.0);
        QCOMPARE(s.at(R"(my_histogram_count{my_histogram_attr="some value",service_name="my.service"})"), 2.0);
        QCOMPARE(s.at(R"(my_exponential_histogram_sum{my_exponential_histogram_attr="some value",service_name="my.service"})"), 10.0);
        QCOMPARE(proto.out.samples.front().ts, Timestamp(1544712660300000000));
    }

    void otlpLogsProtoAndJsonAgree()
    {
        Decoded proto, json;
        decodeInto(proto, Signal::Logs, Encoding::OtlpProto, readFile("otlp-proto-example-logs.otlp_proto.bin"));
        decodeInto(json, Signal::Logs, Encoding::OtlpJson, readFile("otlp-proto-example-logs.json"));
        QVERIFY(proto.out.rejects.empty() && json.out.rejects.empty());
        QCOMPARE(proto.out.logs.size(), std::size_t(1));
        QCOMPARE(json.out.logs.size(), proto.out.logs.size());
        const LogRecord &p = proto.out.logs.front(), &j = json.out.logs.front();
        QCOMPARE(p.message, std::string("Example log record"));
        QCOMPARE(p.source, std::string("my.service"));
        QCOMPARE(p.level, LogLevel::Info); // SEVERITY_NUMBER_INFO2
        QCOMPARE(p.ts, Timestamp(1544712660300000000));
        QCOMPARE(j.message, p.message);
        QCOMPARE(j.level, p.level);
        QCOMPARE(j.ts, p.ts);
    }

    void otlpTracesProtoAndJsonAgree()
    {
        Decoded proto, json;
        decodeInto(proto, Signal::Traces, Encoding::OtlpProto, readFile("otlp-proto-example-trace.otlp_proto.bin"));
        decodeInto(json, Signal::Traces, Encoding::OtlpJson, readFile("otlp-proto-example-trace.json"));
        QVERIFY(proto.out.rejects.empty() && json.out.rejects.empty());
        QCOMPARE(proto.out.spans.size(), std::size_t(1));
        QCOMPARE(json.out.spans.size(), std::size_t(1));
        const SpanRecord &p = proto.out.spans.front(), &j = json.out.spans.front();
        QCOMPARE(p.service, std::string("my.service"));
        QCOMPARE(p.operation, std::string("I'm a server span"));
        QCOMPARE(p.duration, Duration(1000000000));
        QVERIFY(p.spanId != 0 && p.parentSpanId != 0);
        QCOMPARE(j.traceId, p.traceId);
        QCOMPARE(j.spanId, p.spanId);
        QCOMPARE(j.parentSpanId, p.parentSpanId);

        Decoded yelp;
        decodeInto(yelp, Signal::Traces, Encoding::OtlpJson, readFile("otlp-json-derived-from-zipkin2-yelp.json"));
        QVERIFY(yelp.out.rejects.empty());
        QVERIFY(yelp.out.spans.size() > 10);
        std::set<std::string> services;
        for (const auto &span : yelp.out.spans)
            services.insert(span.service);
        QVERIFY(services.size() > 1);
    }

    void jsonLinesMetrics()
    {
        Decoded d;
        const std::string payload =
            R"({"name":"cpu_seconds","labels":{"host":"a","core":0},"ts":1700000000.5,"value":1.25})" "\n"
            R"({"name":"cpu_seconds","labels":{"host":"a","core":0},"ts":"1700000001000","value":"2"})" "\n"
            "\n"
            R"({"name":"up","value":1})" "\n"                       // no ts: received time
            R"({"name":"broken","value":)" "\n"                      // truncated
            R"({"name":"t","labels":{"a":"b"},"value":"high"})" "\n" // wrong type
            R"({"labels":{},"value":1})" "\n"                        // no name
            R"({"name":"n","value":"NaN"})" "\n"                     // not finite
            R"({"name":"n","labels":{"x":{"y":1}},"value":1})" "\n"  // nested label
            "{\"name\":\"u\",\"labels\":{\"k\":\"\xff\xfe\"},\"value\":1}\n" // invalid UTF-8
            R"([1,2,3])" "\n"
            R"({"name":"cpu_seconds","labels":{"core":"0","host":"a"},"ts":"2023-11-14T22:13:22Z","value":3})";
        decodeInto(d, Signal::Metrics, Encoding::JsonLines, payload);
        QCOMPARE(d.out.samples.size(), std::size_t(4));
        QCOMPARE(d.out.rejects.size(), std::size_t(7));
        QCOMPARE(d.out.samples[0].ts, Timestamp(1700000000500000000));
        QCOMPARE(d.out.samples[1].ts, Timestamp(1700000001000000000));
        QCOMPARE(d.out.samples[2].ts, Timestamp(42));
        QCOMPARE(d.out.samples[3].ts, Timestamp(1700000002000000000));
        QCOMPARE(d.out.samples[0].series, d.out.samples[3].series); // label order and number-vs-string do not matter
        std::map<std::string, int> reasons;
        for (const Reject &r : d.out.rejects) {
            ++reasons[r.reason];
            QVERIFY2(r.detail.rfind("line ", 0) == 0, r.detail.c_str());
            QVERIFY(!r.excerpt.empty());
        }
        QCOMPARE(reasons[RejectReason::MalformedJson], 1);
        QCOMPARE(reasons[RejectReason::WrongType], 3);
        QCOMPARE(reasons[RejectReason::MissingField], 1);
        QCOMPARE(reasons[RejectReason::NotFinite], 1);
        QCOMPARE(reasons[RejectReason::InvalidUtf8], 1);
        QCOMPARE(d.out.rejects[0].detail.substr(0, 7), std::string("line 5:"));
    }

    void truncatedLastLineIsReported()
    {
        Decoded d;
        decodeInto(d, Signal::Metrics, Encoding::JsonLines, "{\"name\":\"a\",\"value\":1}\n{\"name\":\"b\",\"value\":");
        QCOMPARE(d.out.samples.size(), std::size_t(1));
        QCOMPARE(d.out.rejects.size(), std::size_t(1));
        QCOMPARE(d.out.rejects[0].detail.substr(0, 7), std::string("line 2:"));
    }

    void labelExplosionIsBounded()
    {
        Decoded d;
        SeriesResolver::Limits limits;
        limits.maxSeries = 100;
        limits.maxValueBytes = 64;
        std::string payload;
        for (int i = 0; i < 1000; ++i)
            payload += "{\"name\":\"req\",\"labels\":{\"user_id\":\"" + std::to_string(i) + "\"},\"value\":1}\n";
        payload += R"({"name":"req","labels":{"user_id":"7"},"value":2})" "\n"; // known series still flows
        payload += "{\"name\":\"x\",\"labels\":{\"v\":\"" + std::string(100, 'a') + "\"},\"value\":1}\n";
        decodeInto(d, Signal::Metrics, Encoding::JsonLines, payload, limits);
        QCOMPARE(d.out.samples.size(), std::size_t(101));
        QCOMPARE(d.store.seriesCount(), std::size_t(100));
        QCOMPARE(d.out.rejects.size(), std::size_t(901));
        QCOMPARE(std::string(d.out.rejects.front().reason), std::string(RejectReason::SeriesLimit));
        QCOMPARE(std::string(d.out.rejects.back().reason), std::string(RejectReason::LabelLimit));
    }

    void jsonLinesLogsEventsAndRawText()
    {
        Decoded d;
        decodeInto(d, Signal::Logs, Encoding::JsonLines,
                   R"({"ts":1700000000,"service":"cart","level":"error","message":"redis timeout after 250 ms"})" "\n"
                   R"({"msg":"WARN disk 91% full"})" "\n"
                   R"({"level":"info"})");
        QCOMPARE(d.out.logs.size(), std::size_t(2));
        QCOMPARE(d.out.logs[0].source, std::string("cart"));
        QCOMPARE(d.out.logs[0].level, LogLevel::Error);
        QCOMPARE(d.out.logs[1].source, std::string("kafka-topic"));
        QCOMPARE(d.out.logs[1].level, LogLevel::Warn);
        QCOMPARE(d.out.rejects.size(), std::size_t(1));

        Decoded e;
        decodeInto(e, Signal::Events, Encoding::JsonLines,
                   R"({"ts":"2026-11-22T02:00:00Z","kind":"deploy","entity":"cart","title":"cart v2.3.1","attributes":{"sha":"abc"}})");
        QCOMPARE(e.out.events.size(), std::size_t(1));
        QCOMPARE(e.out.events[0].attributes, std::string(R"({"sha":"abc"})"));
        QVERIFY(e.out.alerts.empty());

        Decoded a;
        decodeInto(a, Signal::Events, Encoding::JsonLines,
                   R"({"ts":1700000000,"kind":"alert","title":"HighLatency","entity":"cart","severity":"critical","attributes":{"service":"cart","region":"eu"}})" "\n"
                   R"({"ts":1700000060,"kind":"alert","title":"HighLatency","entity":"cart","status":"resolved","attributes":{"service":"cart","region":"eu"}})");
        QCOMPARE(a.out.alerts.size(), std::size_t(2));
        QCOMPARE(a.out.alerts[0].name, std::string("HighLatency"));
        QCOMPARE(a.out.alerts[0].severity, AlertSeverity::Critical);
        QCOMPARE(a.out.alerts[0].labels.size(), std::size_t(3));
        QVERIFY(!a.out.alerts[0].resolved);
        QVERIFY(a.out.alerts[1].resolved);

        Decoded r;
        decodeInto(r, Signal::Logs, Encoding::RawText, "2026-11-22 ERROR payment failed\r\n\nINFO ok\n");
        QCOMPARE(r.out.logs.size(), std::size_t(2));
        QCOMPARE(r.out.logs[0].level, LogLevel::Error);
        QCOMPARE(r.out.logs[0].message, std::string("2026-11-22 ERROR payment failed"));
    }

    void malformedProtoIsRejectedWithReason()
    {
        const std::string good = readFile("otlp-proto-example-metrics.otlp_proto.bin");
        for (const std::string &bad : {good.substr(0, good.size() / 2), std::string("\xff\xff\xff\xff garbage", 12),
                                       std::string(1, '\x0a') + std::string("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 11)}) {
            Decoded d;
            decodeInto(d, Signal::Metrics, Encoding::OtlpProto, bad);
            QVERIFY(d.out.samples.empty());
            QCOMPARE(d.out.rejects.size(), std::size_t(1));
            QCOMPARE(std::string(d.out.rejects[0].reason), std::string(RejectReason::MalformedProto));
        }
    }

    void unsupportedPairsAreConfigErrors()
    {
        SeriesStore store;
        QVERIFY(!FeedDecoder::make(Signal::Traces, Encoding::JsonLines, store).has_value());
        QVERIFY(!FeedDecoder::make(Signal::Metrics, Encoding::RawText, store).has_value());
        QVERIFY(!parseEncoding("avro").has_value());
        QCOMPARE(parseEncoding("otlp_json").value(), Encoding::OtlpJson);
    }

    void printableExcerptEscapesBinary()
    {
        QCOMPARE(printableExcerpt(std::string("ok\x01\xff" "é", 6)), std::string("ok\\x01\\xffé"));
        QCOMPARE(printableExcerpt(std::string(300, 'a'), 10), std::string(10, 'a') + "…");
    }

    // Mutation fuzzing: flips, truncations, duplications and splices of real payloads through every decoder.
    void fuzzDecoders()
    {
        struct Case {
            Signal signal;
            Encoding encoding;
            std::string seed;
        };
        const std::vector<Case> cases = {
            {Signal::Metrics, Encoding::OtlpProto, readFile("otlp-proto-example-metrics.otlp_proto.bin")},
            {Signal::Logs, Encoding::OtlpProto, readFile("otlp-proto-example-logs.otlp_proto.bin")},
            {Signal::Traces, Encoding::OtlpProto, readFile("otlp-proto-example-trace.otlp_proto.bin")},
            {Signal::Metrics, Encoding::OtlpJson, readFile("otlp-proto-example-metrics.json")},
            {Signal::Logs, Encoding::OtlpJson, readFile("otlp-proto-example-logs.json")},
            {Signal::Traces, Encoding::OtlpJson, readFile("otlp-json-derived-from-zipkin2-yelp.json")},
            {Signal::Metrics, Encoding::JsonLines, R"({"name":"a","labels":{"x":"1","y":2},"ts":1700000000,"value":3.5})" "\n"
                                                   R"({"name":"b","value":"4","ts":"2026-01-01T00:00:00Z"})"},
            {Signal::Events, Encoding::JsonLines, R"({"kind":"deploy","title":"t","entity":"e","attributes":{"a":[1,2]}})"},
        };
        std::mt19937_64 rng(20261122);
        const int rounds = qEnvironmentVariableIntValue("NOCTURNE_FUZZ_ROUNDS") > 0 ? qEnvironmentVariableIntValue("NOCTURNE_FUZZ_ROUNDS") : 3000;
        std::size_t items = 0, rejects = 0;
        for (const Case &c : cases) {
            QVERIFY(!c.seed.empty());
            SeriesStore store;
            auto decoder = FeedDecoder::make(c.signal, c.encoding, store);
            QVERIFY(decoder.has_value());
            for (int round = 0; round < rounds; ++round) {
                std::string input = c.seed;
                const int mutations = 1 + int(rng() % 8);
                for (int m = 0; m < mutations && !input.empty(); ++m) {
                    const std::size_t at = rng() % input.size();
                    switch (rng() % 5) {
                    case 0: input[at] = char(rng()); break;
                    case 1: input.resize(at); break;
                    case 2: input.insert(at, input.substr(at, rng() % 64)); break;
                    case 3: input.erase(at, rng() % 16); break;
                    case 4: input[at] = "{}[]\",:\n0\\"[rng() % 11]; break;
                    }
                }
                DecodeOutput out;
                (*decoder)->decode(input, DecodeContext{"fuzz", 1}, out);
                for (const Reject &r : out.rejects)
                    QVERIFY(r.reason && *r.reason);
                items += out.items();
                rejects += out.rejects.size();
            }
        }
        qInfo("fuzz: %d rounds x %zu decoders, %zu items decoded, %zu rejects", rounds, cases.size(), items, rejects);
        QVERIFY(rejects > 0);
    }
};

QTEST_GUILESS_MAIN(TestFeedDecoders)
#include "tst_feed_decoders.moc"
