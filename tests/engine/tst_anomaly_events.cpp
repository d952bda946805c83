#include <QTest>

#include "core/random.h"
#include "detect/anomaly_events.h"

using namespace Nocturne::Engine;

namespace {
Detection det(double score, double z, AnomalyReason reason = AnomalyReason::SpikeUp)
{
    Detection d;
    d.score = d.rawScore = score;
    d.z = z;
    d.reason = score > 0 ? reason : AnomalyReason::None;
    return d;
}

constexpr Duration kStep = 10 * kSecond;

// Feeds `steps` rows of normal noise for three metrics of one entity.
void normalRows(AnomalyEventBuilder &b, Timestamp &t, int steps, std::uint64_t seed)
{
    for (int i = 0; i < steps; ++i, t += kStep) {
        for (int m = 0; m < 3; ++m)
            b.add("db", "m" + std::to_string(m), t, det(0, gaussian(mix(seed + std::uint64_t(i * 3 + m)))));
        b.advance(t + 1);
    }
}
} // namespace

class TestAnomalyEvents : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void loneSpikeOpensNothing()
    {
        AnomalyEventBuilder b;
        Timestamp t = 0;
        normalRows(b, t, 100, 1);
        b.add("db", "m0", t, det(0.99, 30));
        t += kStep;
        normalRows(b, t, 100, 2);
        QCOMPARE(b.eventCount(), std::uint64_t(0));
    }

    // Prometheus' `for`, per metric: two anomalous samples in a row are a blip; the third makes an event dated from
    // the first.
    void blipsDoNotPersist()
    {
        AnomalyEventBuilder b;
        Timestamp t = 0;
        normalRows(b, t, 100, 11);
        for (int blip = 0; blip < 5; ++blip) {
            b.add("db", "m0", t, det(0.99, 30));
            b.add("db", "m0", t + kStep, det(0.97, 25));
            t += 2 * kStep;
            normalRows(b, t, 20, 12 + std::uint64_t(blip));
        }
        QCOMPARE(b.eventCount(), std::uint64_t(0));
        const Timestamp onset = t;
        for (int i = 0; i < 3; ++i, t += kStep) {
            b.add("db", "m0", t, det(0.9, 9));
            b.advance(t + 1);
        }
        QCOMPARE(b.openEvents().size(), std::size_t(1));
        QCOMPARE(b.openEvents().front().onset, onset);
    }

    // A metric that steps up for a fault, is adapted to by its detector, then steps back: the return into the band it
    // had before raises nothing, the fault's event closes, and a real second fault later is still seen.
    void recoveryIsNotAnAnomaly()
    {
        AnomalyEventBuilder b;
        Timestamp t = 0;
        auto sample = [&](double value, double raw, AnomalyReason reason) {
            Detection d;
            d.value = value;
            d.rawScore = d.score = raw;
            d.reason = raw > 0 ? reason : AnomalyReason::None;
            d.expected = value;
            d.lower = 90;
            d.upper = 110;
            d.z = raw > 0 ? (reason == AnomalyReason::LevelShiftUp ? 8 : -8) : 0;
            b.add("db", "latency", t, d);
            b.advance(t + 1);
            t += kStep;
        };
        for (int i = 0; i < 100; ++i)
            sample(100, 0, AnomalyReason::None);
        for (int i = 0; i < 6; ++i)
            sample(300, 0.9, AnomalyReason::LevelShiftUp); // the fault
        for (int i = 0; i < 30; ++i)
            sample(300, 0, AnomalyReason::None);            // the detector adapted; the fault goes on
        QCOMPARE(b.eventCount(), std::uint64_t(1));
        for (int i = 0; i < 6; ++i)
            sample(101, 0.9, AnomalyReason::LevelShiftDown); // back home: the adapted detector sees a shift down
        for (int i = 0; i < 60; ++i)
            sample(100, 0, AnomalyReason::None);
        QCOMPARE(b.eventCount(), std::uint64_t(1));
        QVERIFY(b.openEvents().empty());
        // Overshooting below the old band is news.
        for (int i = 0; i < 6; ++i)
            sample(20, 0.9, AnomalyReason::LevelShiftDown);
        QCOMPARE(b.eventCount(), std::uint64_t(2));
    }

    // A third of the estate moving down at once (the weekend starts) is one estate-wide event, not one per entity;
    // a single entity's anomaly at the same time is still its own.
    void estateWideShiftIsOneEvent()
    {
        AnomalyEventBuilder b;
        Timestamp t = 0;
        const int entities = 40;
        auto row = [&](double raw, AnomalyReason reason, int shifted) {
            for (int e = 0; e < entities; ++e) {
                const bool on = e < shifted;
                b.add("svc-" + std::to_string(e), "rps", t, det(on ? raw : 0, on ? -6 : 0.1, reason));
            }
            b.advance(t + 1);
            t += kStep;
        };
        for (int i = 0; i < 100; ++i)
            row(0, AnomalyReason::None, 0);
        for (int i = 0; i < 6; ++i)
            row(0.9, AnomalyReason::LevelShiftDown, 20);
        auto open = b.openEvents();
        QCOMPARE(open.size(), std::size_t(1));
        QCOMPARE(QString::fromLatin1(open.front().entity.c_str()), QString::fromLatin1(kEstateEntity));
    }

    void persistentAnomalyIsOneEvent()
    {
        AnomalyEventBuilder b;
        Timestamp t = 0;
        normalRows(b, t, 100, 3);
        const Timestamp onset = t;
        for (int i = 0; i < 12; ++i, t += kStep) {
            b.add("db", "m0", t, det(0.8, 8, AnomalyReason::LevelShiftUp));
            b.add("db", "m1", t, det(i >= 3 ? 0.7 : 0.0, i >= 3 ? 6 : 0));
            b.add("db", "m2", t, det(0, 0.1));
            b.advance(t + 1);
        }
        auto open = b.openEvents();
        QCOMPARE(open.size(), std::size_t(1));
        QCOMPARE(open.front().onset, onset);
        QCOMPARE(open.front().metrics.size(), std::size_t(2));
        QVERIFY(open.front().severity >= EventSeverity::High);
        normalRows(b, t, 30, 4); // quiet for more than eps: the event closes
        QVERIFY(b.openEvents().empty());
        const auto changed = b.takeChanged();
        QCOMPARE(changed.size(), std::size_t(1));
        QVERIFY(!changed.front().open);
        QCOMPARE(changed.front().end, onset + 11 * kStep);
        QCOMPARE(b.eventCount(), std::uint64_t(1));
    }

    void separateEpisodesAreSeparateEvents()
    {
        AnomalyEventBuilder b;
        Timestamp t = 0;
        normalRows(b, t, 100, 5);
        for (int episode = 0; episode < 2; ++episode) {
            for (int i = 0; i < 4; ++i, t += kStep) {
                b.add("db", "m0", t, det(0.9, 9));
                b.advance(t + 1);
            }
            normalRows(b, t, 40, 6 + std::uint64_t(episode));
        }
        QCOMPARE(b.eventCount(), std::uint64_t(2));
    }

    void severalModeratelyOffMetricsRaiseAJointEvent()
    {
        // Three metrics each only 4σ off at once: no per-metric point fires (scores 0),
        // but the Mahalanobis distance of the row does, on consecutive rows.
        AnomalyEventBuilder b;
        Timestamp t = 0;
        normalRows(b, t, 300, 7);
        QCOMPARE(b.eventCount(), std::uint64_t(0));
        for (int i = 0; i < 5; ++i, t += kStep) {
            b.add("db", "m0", t, det(0, 4.0));
            b.add("db", "m1", t, det(0, -4.0));
            b.add("db", "m2", t, det(0, 4.0));
            b.advance(t + 1);
        }
        QCOMPARE(b.eventCount(), std::uint64_t(1));
        const auto open = b.openEvents();
        QCOMPARE(open.size(), std::size_t(1));
        QVERIFY(open.front().jointScore >= 0.5);
        QVERIFY(open.front().metrics.empty()); // found by the joint score alone
    }

    void forGating()
    {
        EventConfig config;
        config.forDuration = kMinute;
        AnomalyEventBuilder b(config);
        Timestamp t = 0;
        for (int i = 0; i < 3; ++i, t += kStep)
            b.add("svc", "latency", t, det(0.9, 9));
        QVERIFY(!b.openEvents().front().confirmed);
        for (int i = 0; i < 6; ++i, t += kStep)
            b.add("svc", "latency", t, det(0.9, 9));
        QVERIFY(b.openEvents().front().confirmed);
    }

    void badValuesAreIgnored()
    {
        AnomalyEventBuilder b;
        for (int i = 0; i < 10; ++i)
            b.add("svc", "x", i * kStep, det(1.0, 50, AnomalyReason::BadValue));
        QCOMPARE(b.eventCount(), std::uint64_t(0));
    }
};

QTEST_GUILESS_MAIN(TestAnomalyEvents)
#include "tst_anomaly_events.moc"
