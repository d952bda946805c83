#include <QFile>
#include <QTest>

#include <cmath>

#include "core/random.h"
#include "decode/prometheus_text.h"

using namespace Nocturne::Engine;

namespace {
QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
} // namespace

class TestPrometheusText : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void dcgmFixture()
    {
        const QByteArray text = readFile(QStringLiteral(NOCTURNE_TEST_DATA "/prom/datadog-dcgm-metrics.prom.txt"));
        QVERIFY(!text.isEmpty());
        const auto result = parseExposition(text.toStdString());
        QVERIFY2(result.issues.empty(), result.issues.empty() ? "" : result.issues.front().reason.c_str());
        QCOMPARE(result.samples.size(), std::size_t(38)); // every sample line of the scrape
        QCOMPARE(result.families.at("DCGM_FI_DEV_GPU_TEMP").type, MetricType::Gauge);
        QCOMPARE(result.families.at("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION").type, MetricType::Counter);
        bool found = false;
        for (const auto &s : result.samples) {
            if (s.key.name == "DCGM_FI_DEV_POWER_USAGE" && s.key.label("modelName") == "Tesla T4") {
                QCOMPARE(s.value, 8.969);
                QCOMPARE(QString::fromStdString(std::string(s.key.label("Hostname"))), QStringLiteral("424773df46e0"));
                found = true;
            }
        }
        QVERIFY(found);
    }

    void nodeExporterFixture()
    {
        const QByteArray text = readFile(QStringLiteral(NOCTURNE_SHARED_DIR "/bench/fixtures/prom/node_exporter-e2e-output.prom.txt"));
        if (text.isEmpty())
            QSKIP("../shared/bench/fixtures not present");
        const auto result = parseExposition(text.toStdString());
        QCOMPARE(int(result.issues.size()), 0);
        QVERIFY(result.samples.size() > 2500);
        QVERIFY(result.families.size() > 300);
        int histograms = 0;
        for (const auto &[name, family] : result.families)
            histograms += family.type == MetricType::Histogram || family.type == MetricType::Summary;
        QVERIFY(histograms > 0);
    }

    void syntax_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("samples");
        QTest::addColumn<int>("issues");
        QTest::addColumn<QString>("firstReason");
        QTest::newRow("plain") << QStringLiteral("up 1\n") << 1 << 0 << QString();
        QTest::newRow("labels and timestamp") << QStringLiteral("http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n") << 1 << 0 << QString();
        QTest::newRow("escapes") << QStringLiteral("m{path=\"C:\\\\dir\\\\x\",q=\"say \\\"hi\\\"\\nbye\"} 1\n") << 1 << 0 << QString();
        QTest::newRow("special values") << QStringLiteral("a NaN\nb +Inf\nc -Inf\nd 1e-3\n") << 4 << 0 << QString();
        QTest::newRow("histogram") << QStringLiteral("# TYPE h histogram\nh_bucket{le=\"0.1\"} 3\nh_bucket{le=\"+Inf\"} 5\nh_sum 0.7\nh_count 5\n") << 4 << 0 << QString();
        QTest::newRow("unterminated value") << QStringLiteral("m{a=\"x} 1\nok 2\n") << 1 << 1 << QStringLiteral("unterminated label value");
        QTest::newRow("bad escape") << QStringLiteral("m{a=\"\\q\"} 1\n") << 0 << 1 << QStringLiteral("invalid escape");
        QTest::newRow("duplicate label") << QStringLiteral("m{a=\"1\",a=\"2\"} 1\n") << 0 << 1 << QStringLiteral("duplicate label");
        QTest::newRow("bad value") << QStringLiteral("m twelve\n") << 0 << 1 << QStringLiteral("invalid sample value");
        QTest::newRow("no value") << QStringLiteral("m{a=\"1\"}\n") << 0 << 1 << QStringLiteral("expected a space");
        QTest::newRow("bad timestamp") << QStringLiteral("m 1 soon\n") << 0 << 1 << QStringLiteral("invalid timestamp");
        QTest::newRow("bad type") << QStringLiteral("# TYPE m histo\nm 1\n") << 1 << 1 << QStringLiteral("unknown metric type");
        QTest::newRow("dcgm blank") << QStringLiteral("DCGM_FI_DEV_X{gpu=\"0\"} 9223372036854775794\n") << 0 << 0 << QString();
        QTest::newRow("crlf and blanks") << QStringLiteral("\r\n  up 1\r\n\n") << 1 << 0 << QString();
    }
    void syntax()
    {
        QFETCH(QString, text);
        QFETCH(int, samples);
        QFETCH(int, issues);
        QFETCH(QString, firstReason);
        const auto result = parseExposition(text.toStdString());
        QCOMPARE(int(result.samples.size()), samples);
        QCOMPARE(int(result.issues.size()), issues);
        if (issues) {
            QVERIFY2(QString::fromStdString(result.issues.front().reason).contains(firstReason), result.issues.front().reason.c_str());
            QVERIFY(result.issues.front().line >= 1 && result.issues.front().column >= 1);
        }
    }

    void valuesAndPositions()
    {
        const auto result = parseExposition("ok 1\n  broken{x=\"1\" 2\nm{path=\"a\\\\b\"} 3 1000\n");
        QCOMPARE(result.samples.size(), std::size_t(2));
        QCOMPARE(result.issues.size(), std::size_t(1));
        QCOMPARE(result.issues.front().line, std::size_t(2));
        QCOMPARE(result.issues.front().column, std::size_t(16)); // the '2' where ',' or '}' was due (2 leading blanks counted)
        QCOMPARE(std::string(result.samples[1].key.label("path")), std::string("a\\b"));
        QCOMPARE(*result.samples[1].ts, Timestamp(1000 * kMillisecond));
        const auto specials = parseExposition("a NaN\nb -Inf\n");
        QVERIFY(std::isnan(specials.samples[0].value));
        QVERIFY(std::isinf(specials.samples[1].value) && specials.samples[1].value < 0);
    }

    void mutatedInputNeverCrashes()
    {
        // Byte-level mutation fuzzing of a real scrape: every run must end with samples + issues, never a crash.
        const std::string base = readFile(QStringLiteral(NOCTURNE_TEST_DATA "/prom/datadog-dcgm-metrics.prom.txt")).toStdString();
        QVERIFY(!base.empty());
        const auto clean = parseExposition(base);
        for (int round = 0; round < 300; ++round) {
            std::string text = base;
            const std::uint64_t h = mix(std::uint64_t(round) + 1);
            for (int m = 0; m < 1 + int(h % 20); ++m) {
                const std::uint64_t r = mix(h + std::uint64_t(m));
                const std::size_t at = r % text.size();
                switch ((r >> 32) % 4) {
                case 0: text[at] = char(r >> 40); break;                      // flip a byte
                case 1: text.erase(at, (r >> 40) % 16); break;                // delete a run
                case 2: text.insert(at, std::string((r >> 40) % 8, '"')); break; // insert quotes
                case 3: text.insert(at, "{\\"); break;                         // start a label set
                }
            }
            const auto result = parseExposition(text);
            QVERIFY(result.samples.size() + result.issues.size() > 0);
            QVERIFY(result.samples.size() <= clean.samples.size() + 40);
        }
    }
};

QTEST_GUILESS_MAIN(TestPrometheusText)
#include "tst_prometheus_text.moc"
