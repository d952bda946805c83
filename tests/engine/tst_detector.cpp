#include <QTest>

#include <cmath>
#include <vector>

#include "core/random.h"
#include "detect/series_detector.h"

using namespace Nocturne::Engine;

namespace {

constexpr Timestamp kStart = 1'772'524'800LL * kSecond; // 2026-03-03T08:00:00Z

struct Point {
    Timestamp ts;
    double value;
};

std::vector<Point> noise(std::size_t n, Duration step, double mean, double sd, std::uint64_t seed, Timestamp start = kStart)
{
    std::vector<Point> out;
    for (std::size_t i = 0; i < n; ++i)
        out.push_back({start + Timestamp(i) * step, mean + sd * gaussian(mix(seed ^ (i * 0x9e3779b97f4a7c15ULL)))});
    return out;
}

std::vector<Detection> run(const std::vector<Point> &points, SeriesDetector &detector)
{
    std::vector<Detection> out;
    for (const auto &p : points)
        out.push_back(detector.update(p.ts, p.value));
    return out;
}

std::vector<Detection> run(const std::vector<Point> &points)
{
    SeriesDetector detector;
    return run(points, detector);
}

int alarms(const std::vector<Detection> &d, std::size_t from, std::size_t to)
{
    int n = 0;
    for (std::size_t i = from; i < to && i < d.size(); ++i)
        n += d[i].score >= DetectorConfig{}.threshold;
    return n;
}

// Index of the first alarm at or after `from`, or -1.
int firstAlarm(const std::vector<Detection> &d, std::size_t from)
{
    for (std::size_t i = from; i < d.size(); ++i) {
        if (d[i].score >= DetectorConfig{}.threshold)
            return int(i);
    }
    return -1;
}

} // namespace

class TestDetector : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void scoresAreBoundedAndWarmUpIsQuiet()
    {
        const auto d = run(noise(2000, 10 * kSecond, 100, 2, 1));
        for (std::size_t i = 0; i < d.size(); ++i) {
            QVERIFY(d[i].score >= 0 && d[i].score <= 1);
            QVERIFY(d[i].lower <= d[i].expected && d[i].expected <= d[i].upper);
            if (i < DetectorConfig{}.warmupSamples) {
                QCOMPARE(d[i].score, 0.0);
                QCOMPARE(d[i].reason, AnomalyReason::WarmingUp);
            }
        }
        // Gaussian noise alone: at most a handful of alarms in 2000 samples.
        QVERIFY2(alarms(d, 0, d.size()) <= 3, qPrintable(QString::number(alarms(d, 0, d.size()))));
    }

    void spike()
    {
        auto points = noise(1500, 10 * kSecond, 100, 2, 2);
        points[1000].value = 140; // 20σ
        const auto d = run(points);
        QVERIFY(d[1000].score >= 0.8);
        QCOMPARE(d[1000].reason, AnomalyReason::SpikeUp);
        QVERIFY(d[1000].upper < 140);
        QCOMPARE(alarms(d, 900, 1000), 0);
    }

    void levelShift()
    {
        auto points = noise(1600, 10 * kSecond, 100, 2, 3);
        for (std::size_t i = 1000; i < points.size(); ++i)
            points[i].value += 12; // +6σ, sustained
        const auto d = run(points);
        const int first = firstAlarm(d, 1000);
        QVERIFY(first >= 1000 && first <= 1005);
        // The new level becomes normal: no alarm storm afterwards.
        QVERIFY(alarms(d, 1100, 1600) <= 2);
    }

    void weeklyPatternWithOneOffAnomaly()
    {
        // 30-minute samples for four weeks: a daily cycle (quiet nights) and quiet weekends. At 03:00 on a weekday of
        // the last week the value jumps to what is normal at the daily peak: anomalous only in context.
        const Duration step = 30 * kMinute;
        std::vector<Point> points;
        for (int i = 0; i < 4 * 7 * 48; ++i) {
            const Timestamp ts = kStart + Timestamp(i) * step;
            const double hour = double(((ts % kDay) + kDay) % kDay) / double(kHour);
            const std::int64_t dow = ((ts / kDay) % 7 + 7) % 7;
            const double weekend = (dow == 2 || dow == 3) ? 0.6 : 1.0;
            const double value = (100 + 60 * std::sin((hour - 9) / 24 * 2 * M_PI)) * weekend + 2 * gaussian(mix(std::uint64_t(i)));
            points.push_back({ts, value});
        }
        std::size_t night = 0;
        for (std::size_t i = 3 * 7 * 48; i < points.size(); ++i) {
            const Timestamp ts = points[i].ts;
            const std::int64_t dow = ((ts / kDay) % 7 + 7) % 7;
            if (((ts % kDay) / kHour) == 3 && dow != 2 && dow != 3) {
                night = i;
                break;
            }
        }
        QVERIFY(night > 0);
        points[night].value = 160; // the daily peak, at 03:00
        const auto d = run(points);
        QVERIFY2(d[night].score >= 0.5, qPrintable(QString::number(d[night].score)));
        // After the first week the rhythm itself is normal.
        QVERIFY2(alarms(d, 2 * 7 * 48, night) <= 2, qPrintable(QString::number(alarms(d, 2 * 7 * 48, night))));
    }

    void slowDrift()
    {
        auto points = noise(4000, 10 * kSecond, 100, 2, 4);
        for (std::size_t i = 2000; i < points.size(); ++i)
            points[i].value += 0.02 * double(i - 2000); // +40 (20σ) over 2000 samples, 0.01σ per sample
        const auto d = run(points);
        const int first = firstAlarm(d, 2000);
        QVERIFY2(first > 2000, "drift must eventually alarm");
        QVERIFY(alarms(d, 0, 2000) <= 2);
    }

    void flatThenNoisy()
    {
        std::vector<Point> points;
        for (int i = 0; i < 300; ++i)
            points.push_back({kStart + i * 10 * kSecond, 5.0});
        const auto tail = noise(3000, 10 * kSecond, 5, 1, 5, kStart + 300 * 10 * kSecond);
        points.insert(points.end(), tail.begin(), tail.end());
        const auto d = run(points);
        QVERIFY(firstAlarm(d, 300) >= 300 && firstAlarm(d, 300) < 310); // the change itself is news
        // Once noisy is normal, it raises its own bar: few alarms in the last 2000 samples.
        QVERIFY2(alarms(d, 1300, d.size()) <= 4, qPrintable(QString::number(alarms(d, 1300, d.size()))));
    }

    void gapsAndIrregularSampling()
    {
        std::vector<Point> points;
        Timestamp t = kStart;
        for (int i = 0; i < 3000; ++i) {
            t += Duration(5 + (mix(std::uint64_t(i)) % 20)) * kSecond; // 5–24 s apart
            if (i == 1500)
                t += 6 * kHour; // a six-hour hole in the data
            points.push_back({t, 50 + gaussian(mix(std::uint64_t(i) + 77))});
        }
        const auto d = run(points);
        for (const auto &x : d)
            QVERIFY(std::isfinite(x.score) && std::isfinite(x.expected));
        QVERIFY(alarms(d, 0, d.size()) <= 3);
    }

    void causality()
    {
        // Appending data never changes earlier scores: two runs share a prefix and diverge afterwards.
        auto a = noise(1200, 10 * kSecond, 100, 3, 6);
        auto b = a;
        for (std::size_t i = 800; i < b.size(); ++i)
            b[i].value = 1000 + double(i);
        const auto da = run(a), db = run(b);
        for (std::size_t i = 0; i < 800; ++i) {
            QCOMPARE(da[i].score, db[i].score);
            QCOMPARE(da[i].expected, db[i].expected);
        }
        QVERIFY(db[800].score > da[800].score);
    }

    void badValuesLeaveStateUntouched()
    {
        const auto points = noise(500, 10 * kSecond, 100, 2, 7);
        SeriesDetector clean, dirty;
        for (std::size_t i = 0; i < points.size(); ++i) {
            const Detection expected = clean.update(points[i].ts, points[i].value);
            if (i == 300) {
                QCOMPARE(dirty.update(points[i].ts - kSecond, std::nan("")).reason, AnomalyReason::BadValue);
                QCOMPARE(dirty.update(points[i].ts - kSecond, INFINITY).reason, AnomalyReason::BadValue);
                QCOMPARE(dirty.update(points[i].ts - kSecond, -INFINITY).reason, AnomalyReason::BadValue);
            }
            const Detection got = dirty.update(points[i].ts, points[i].value);
            QCOMPARE(got.score, expected.score);
            QCOMPARE(got.expected, expected.expected);
            if (i == 400) {
                QCOMPARE(dirty.update(points[i].ts - 20 * kSecond, 1e9).reason, AnomalyReason::OutOfOrder);
                QCOMPARE(dirty.update(points[i].ts, 1e9).reason, AnomalyReason::Duplicate);
            }
        }
        QCOMPARE(dirty.samples(), clean.samples());
    }

    void saveAndRestore()
    {
        const auto points = noise(1000, 10 * kSecond, 100, 2, 8);
        SeriesDetector full;
        const auto expected = run(points, full);
        SeriesDetector first;
        for (std::size_t i = 0; i < 600; ++i)
            first.update(points[i].ts, points[i].value);
        const std::string bytes = first.save();
        QCOMPARE(bytes.size(), SeriesDetector::stateBytes());
        auto restored = SeriesDetector::restore(bytes);
        QVERIFY(restored);
        for (std::size_t i = 600; i < points.size(); ++i)
            QCOMPARE(restored->update(points[i].ts, points[i].value).score, expected[i].score);
        QVERIFY(!SeriesDetector::restore(bytes.substr(1)));
        std::string wrongVersion = bytes;
        wrongVersion[0] = char(99);
        QVERIFY(!SeriesDetector::restore(wrongVersion));
        QVERIFY(SeriesDetector::stateBytes() <= 512);
    }
};

QTEST_GUILESS_MAIN(TestDetector)
#include "tst_detector.moc"
