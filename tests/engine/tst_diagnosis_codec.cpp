// A frozen diagnosis as JSON: every field of a ranking comes back exactly (NaN correlations included), and stored
// text that is truncated, oversized or of the wrong shape is refused with an error naming the field, never a throw.
#include "storage/diagnosis_codec.h"

#include <QTest>
#include <cmath>
#include <limits>

using namespace Nocturne::Engine;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A ranking that sets every field of RcaCandidate and RcaEvidence to something other than its default.
std::vector<RcaCandidate> sampleRanking() {
    RcaEvidence cpu;
    cpu.metric = "carts_cpu_seconds";
    cpu.kind = "cpu";
    cpu.score = 14.2;
    cpu.direction = 1;
    cpu.onset = 1'772'447'465'123'456'789; // beyond 2^53: must not go through a double
    cpu.value = 0.1 + 0.2;
    cpu.reference = -3.5e-12;
    cpu.text = "carts CPU rose to 14.2× its usual spread at 10:31:05 \"quoted\" \\ \n ⚠";
    cpu.correlation = 0.87;
    cpu.lagSeconds = -30;
    RcaEvidence log;
    log.metric = "log:carts#17";
    log.kind = "log";
    log.score = std::numeric_limits<double>::infinity();
    log.direction = -1;
    log.onset = 0;
    log.value = -std::numeric_limits<double>::infinity();
    log.text = "new template: Lock wait timeout <*>";
    // correlation stays NaN: not computed

    RcaCandidate carts;
    carts.entity = "carts";
    carts.faultClass = "cpu_saturation";
    carts.score = 42.125;
    carts.confidence = 0.73;
    carts.tier = 0;
    carts.evidence = {cpu, log};
    carts.disproof = "carts CPU back in its band while checkout stays slow";
    carts.propagationPath = {"carts", "orders", "front-end"};
    carts.blastRadius = {"orders", "front-end"};
    carts.requestShare = 0.4;
    carts.pattern = "cpu-throttling";
    carts.action = "scale carts out";
    carts.feedbackWeight = 1.5;
    carts.walkScore = 1;

    RcaCandidate db;
    db.entity = "mysql-primary";
    db.faultClass = "latency";
    db.score = 3;
    db.confidence = 0.27;
    db.tier = -2;
    db.feedbackWeight = 0.25;
    db.walkScore = 0.125;
    return {carts, db};
}

bool sameDouble(double a, double b) {
    return (std::isnan(a) && std::isnan(b)) || a == b;
}

QString describe(const Result<std::vector<RcaCandidate>> &r) {
    return r ? QStringLiteral("decoded") : QString::fromStdString(r.error().toString());
}

void verifyEqual(const std::vector<RcaCandidate> &got, const std::vector<RcaCandidate> &want) {
    QCOMPARE(got.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        const RcaCandidate &g = got[i], &w = want[i];
        QCOMPARE(g.entity, w.entity);
        QCOMPARE(g.faultClass, w.faultClass);
        QVERIFY(sameDouble(g.score, w.score));
        QVERIFY(sameDouble(g.confidence, w.confidence));
        QCOMPARE(g.tier, w.tier);
        QCOMPARE(g.disproof, w.disproof);
        QCOMPARE(g.propagationPath, w.propagationPath);
        QCOMPARE(g.blastRadius, w.blastRadius);
        QVERIFY(sameDouble(g.requestShare, w.requestShare));
        QCOMPARE(g.pattern, w.pattern);
        QCOMPARE(g.action, w.action);
        QVERIFY(sameDouble(g.feedbackWeight, w.feedbackWeight));
        QVERIFY(sameDouble(g.walkScore, w.walkScore));
        QCOMPARE(g.evidence.size(), w.evidence.size());
        for (std::size_t j = 0; j < w.evidence.size(); ++j) {
            const RcaEvidence &ge = g.evidence[j], &we = w.evidence[j];
            QCOMPARE(ge.metric, we.metric);
            QCOMPARE(ge.kind, we.kind);
            QVERIFY(sameDouble(ge.score, we.score));
            QVERIFY(sameDouble(ge.direction, we.direction));
            QCOMPARE(ge.onset, we.onset);
            QVERIFY(sameDouble(ge.value, we.value));
            QVERIFY(sameDouble(ge.reference, we.reference));
            QCOMPARE(ge.text, we.text);
            QVERIFY(sameDouble(ge.correlation, we.correlation));
            QVERIFY(sameDouble(ge.lagSeconds, we.lagSeconds));
        }
    }
}

std::string candidatesJson(const std::string &items) {
    return R"({"version":1,"candidates":[)" + items + "]}";
}
} // namespace

class TestDiagnosisCodec : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTripsEveryField() {
        const auto ranking = sampleRanking();
        const std::string json = encodeDiagnosis(ranking);
        QVERIFY(json.find('\n') == std::string::npos); // compact
        QVERIFY(json.find(R"("correlation":null)") != std::string::npos);
        QVERIFY(json.find("1772447465123456789") != std::string::npos);
        const auto decoded = decodeDiagnosis(json);
        QVERIFY2(decoded, qPrintable(describe(decoded)));
        verifyEqual(*decoded, ranking);
        QCOMPARE(encodeDiagnosis(*decoded), json); // stable
    }

    void roundTripsEmptyRanking() {
        const auto decoded = decodeDiagnosis(encodeDiagnosis({}));
        QVERIFY2(decoded, qPrintable(describe(decoded)));
        QVERIFY(decoded->empty());
    }

    // Rows written before a field existed read back with the field's default.
    void missingFieldsTakeDefaults() {
        const auto decoded = decodeDiagnosis(candidatesJson(R"({"entity":"carts","evidence":[{"metric":"m"}]})"));
        QVERIFY2(decoded, qPrintable(describe(decoded)));
        QCOMPARE(decoded->size(), std::size_t(1));
        const RcaCandidate &c = decoded->front();
        QCOMPARE(c.entity, std::string("carts"));
        QCOMPARE(c.feedbackWeight, 1.0);
        QCOMPARE(c.tier, 0);
        QCOMPARE(c.evidence.size(), std::size_t(1));
        QVERIFY(std::isnan(c.evidence.front().correlation));
        QCOMPARE(c.evidence.front().onset, Timestamp(0));
    }

    void rejectsBadInput_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("mentions");
        const std::string good = encodeDiagnosis(sampleRanking());
        const auto parse = int(ErrorCode::ParseError);
        QTest::newRow("empty") << QByteArray() << parse << QStringLiteral("malformed JSON");
        QTest::newRow("truncated") << QByteArray::fromStdString(good.substr(0, good.size() / 2)) << parse
                                   << QStringLiteral("malformed JSON at byte");
        QTest::newRow("last brace missing")
            << QByteArray::fromStdString(good.substr(0, good.size() - 1)) << parse << QStringLiteral("malformed JSON");
        QTest::newRow("not an object") << QByteArray("[1,2]") << parse << QStringLiteral("expected an object");
        QTest::newRow("no version") << QByteArray(R"({"candidates":[]})") << parse
                                    << QStringLiteral("version: missing");
        QTest::newRow("version as text") << QByteArray(R"({"version":"1","candidates":[]})") << parse
                                         << QStringLiteral("version: expected an integer, got a string");
        QTest::newRow("newer version") << QByteArray(R"({"version":2,"candidates":[]})") << int(ErrorCode::Unsupported)
                                       << QStringLiteral("version: 2");
        QTest::newRow("no candidates") << QByteArray(R"({"version":1})") << parse
                                       << QStringLiteral("candidates: missing");
        QTest::newRow("candidates object") << QByteArray(R"({"version":1,"candidates":{}})") << parse
                                           << QStringLiteral("candidates: expected an array, got an object");
        QTest::newRow("candidate number") << QByteArray::fromStdString(candidatesJson("3")) << parse
                                          << QStringLiteral("candidates[0]: expected an object, got a number");
        QTest::newRow("no entity") << QByteArray::fromStdString(candidatesJson(R"({"score":1})")) << parse
                                   << QStringLiteral("candidates[0].entity: missing");
        QTest::newRow("entity number") << QByteArray::fromStdString(candidatesJson(R"({"entity":7})")) << parse
                                       << QStringLiteral("candidates[0].entity: expected a string, got a number");
        QTest::newRow("score text") << QByteArray::fromStdString(
                                           candidatesJson(R"({"entity":"a"},{"entity":"b","score":"high"})"))
                                    << parse
                                    << QStringLiteral("candidates[1].score: expected a number or null, got a string");
        QTest::newRow("tier fraction") << QByteArray::fromStdString(candidatesJson(R"({"entity":"a","tier":1.5})"))
                                       << parse << QStringLiteral("candidates[0].tier: expected an integer");
        QTest::newRow("tier too large") << QByteArray::fromStdString(
                                               candidatesJson(R"({"entity":"a","tier":9999999999})"))
                                        << parse
                                        << QStringLiteral("candidates[0].tier: integer 9999999999 out of range");
        QTest::newRow("evidence object") << QByteArray::fromStdString(candidatesJson(R"({"entity":"a","evidence":{}})"))
                                         << parse << QStringLiteral("candidates[0].evidence: expected an array");
        QTest::newRow("evidence onset text")
            << QByteArray::fromStdString(candidatesJson(R"({"entity":"a","evidence":[{},{"onset":"10:31"}]})")) << parse
            << QStringLiteral("candidates[0].evidence[1].onset: expected an integer, got a string");
        QTest::newRow("evidence onset bool")
            << QByteArray::fromStdString(candidatesJson(R"({"entity":"a","evidence":[{"onset":true}]})")) << parse
            << QStringLiteral("candidates[0].evidence[0].onset: expected an integer, got a boolean");
        QTest::newRow("path element")
            << QByteArray::fromStdString(candidatesJson(R"({"entity":"a","propagationPath":["a",null]})")) << parse
            << QStringLiteral("candidates[0].propagationPath[1]: expected a string, got null");
        QTest::newRow("blast radius text")
            << QByteArray::fromStdString(candidatesJson(R"({"entity":"a","blastRadius":"b"})")) << parse
            << QStringLiteral("candidates[0].blastRadius: expected an array, got a string");
        QTest::newRow("deep nesting") << QByteArray(100'000, '[') << parse << QStringLiteral("malformed JSON");
    }

    void rejectsBadInput() {
        QFETCH(QByteArray, json);
        QFETCH(int, code);
        QFETCH(QString, mentions);
        const auto decoded = decodeDiagnosis(std::string_view(json.constData(), std::size_t(json.size())));
        QVERIFY(!decoded);
        QCOMPARE(int(decoded.error().code), code);
        QVERIFY2(QString::fromStdString(decoded.error().message).contains(mentions),
                 qPrintable(QString::fromStdString(decoded.error().toString())));
    }

    void boundsTheInput() {
        // More than 4 MiB is refused before parsing.
        std::string huge = candidatesJson("{\"entity\":\"" + std::string(kMaxDiagnosisJsonBytes, 'x') + "\"}");
        auto decoded = decodeDiagnosis(huge);
        QVERIFY(!decoded);
        QCOMPARE(decoded.error().code, ErrorCode::LimitExceeded);

        // At most 1000 candidates…
        std::string items;
        for (std::size_t i = 0; i < kMaxDiagnosisCandidates; ++i)
            items += (i ? "," : "") + std::string("{\"entity\":\"e") + std::to_string(i) + "\"}";
        decoded = decodeDiagnosis(candidatesJson(items));
        QVERIFY2(decoded, qPrintable(describe(decoded)));
        QCOMPARE(decoded->size(), kMaxDiagnosisCandidates);
        decoded = decodeDiagnosis(candidatesJson(items + ",{\"entity\":\"one too many\"}"));
        QVERIFY(!decoded);
        QCOMPARE(decoded.error().code, ErrorCode::LimitExceeded);
        QVERIFY(QString::fromStdString(decoded.error().message).startsWith(QStringLiteral("candidates: 1001 entries")));

        // …and at most 64 pieces of evidence each.
        std::vector<RcaCandidate> ranking(1);
        ranking.front().entity = "carts";
        ranking.front().evidence.resize(kMaxDiagnosisEvidence);
        decoded = decodeDiagnosis(encodeDiagnosis(ranking));
        QVERIFY2(decoded, qPrintable(describe(decoded)));
        QCOMPARE(decoded->front().evidence.size(), kMaxDiagnosisEvidence);
        ranking.front().evidence.resize(kMaxDiagnosisEvidence + 1);
        decoded = decodeDiagnosis(encodeDiagnosis(ranking));
        QVERIFY(!decoded);
        QCOMPARE(decoded.error().code, ErrorCode::LimitExceeded);
        QVERIFY(QString::fromStdString(decoded.error().message)
                    .startsWith(QStringLiteral("candidates[0].evidence: 65 entries")));
    }

    // Every prefix of a valid document is refused cleanly (no crash, no throw, no partial ranking).
    void everyTruncationIsAnError() {
        const std::string json = encodeDiagnosis(sampleRanking());
        for (std::size_t n = 0; n < json.size(); ++n) {
            const auto decoded = decodeDiagnosis(std::string_view(json).substr(0, n));
            QVERIFY2(!decoded, qPrintable(QStringLiteral("prefix of %1 bytes decoded").arg(n)));
            QCOMPARE(decoded.error().code, ErrorCode::ParseError);
        }
    }
};

QTEST_GUILESS_MAIN(TestDiagnosisCodec)
#include "tst_diagnosis_codec.moc"
