#include <QTest>

#include <cmath>

#include "core/random.h"
#include "forecast/holt_winters.h"

using namespace Nocturne::Engine;

namespace {
constexpr Timestamp kStart = 1'772'496'000LL * kSecond; // 2026-03-03T00:00:00Z

// value(t) = base + slope·days + amplitude·sin(daily) + noise, sampled every 10 minutes.
std::vector<Sample> series(double days, double base, double slopePerDay, double amplitude, double noise, std::uint64_t seed)
{
    std::vector<Sample> out;
    const Duration step = 10 * kMinute;
    for (Timestamp t = kStart; t < kStart + Timestamp(days * double(kDay)); t += step) {
        const double d = double(t - kStart) / double(kDay);
        const double hour = double((t % kDay)) / double(kHour);
        out.push_back({t, base + slopePerDay * d + amplitude * std::sin((hour - 6) / 24 * 2 * M_PI)
                              + noise * gaussian(mix(seed ^ std::uint64_t(t)))});
    }
    return out;
}

double truth(Timestamp t, double base, double slopePerDay, double amplitude)
{
    const double d = double(t - kStart) / double(kDay);
    const double hour = double((t % kDay)) / double(kHour);
    return base + slopePerDay * d + amplitude * std::sin((hour - 6) / 24 * 2 * M_PI);
}
} // namespace

class TestForecast : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void seasonalWithTrend()
    {
        const auto data = series(10, 100, 2, 20, 2, 1);
        ForecastRequest request;
        request.horizon = 3 * kDay;
        auto f = forecastSeries(data, request);
        QVERIFY2(f, f ? "" : f.error().toString().c_str());
        QCOMPARE(f->seasonLength, 24);
        QCOMPARE(f->trend, TrendClass::Rising);
        QVERIFY(std::fabs(f->slopePerDay - 2) < 1.0);
        QCOMPARE(int(f->points.size()), 72);
        double absError = 0;
        int covered = 0;
        for (const auto &p : f->points) {
            const double actual = truth(p.ts, 100, 2, 20);
            absError += std::fabs(p.value - actual);
            covered += actual >= p.lower && actual <= p.upper;
            QVERIFY(p.lower <= p.value && p.value <= p.upper);
        }
        QVERIFY2(absError / 72 < 3.0, qPrintable(QString::number(absError / 72)));
        QVERIFY2(covered >= 65, qPrintable(QString::number(covered))); // ≥ 90 % inside the 95 % interval
        // Intervals widen with the horizon.
        QVERIFY(f->points.back().upper - f->points.back().lower > f->points.front().upper - f->points.front().lower);
    }

    void timeToSaturationAndReplicas()
    {
        // Utilisation 30 % rising 5 points a day: 70 % on day 8, 85 % on day 11.
        const auto data = series(7, 0.30, 0.05, 0.0, 0.005, 2);
        ForecastRequest request;
        request.horizon = 7 * kDay;
        auto f = forecastSeries(data, request);
        QVERIFY(f);
        const CapacityAdvice advice = adviseCapacity(*f, 1.0, 4, 0.6);
        QVERIFY(advice.warnAt && advice.criticalAt && advice.criticalAtPessimistic);
        const double warnDay = double(*advice.warnAt - kStart) / double(kDay);
        const double criticalDay = double(*advice.criticalAt - kStart) / double(kDay);
        QVERIFY2(std::fabs(warnDay - 8) < 0.5, qPrintable(QString::number(warnDay)));
        QVERIFY2(std::fabs(criticalDay - 11) < 0.5, qPrintable(QString::number(criticalDay)));
        QVERIFY(*advice.criticalAtPessimistic <= *advice.criticalAt);
        // Peak ≈ 0.95 at day 13.9: 4 replicas × 0.95 / 0.6 → 7.
        QCOMPARE(advice.recommendedReplicas, 7);
    }

    void flatSeriesIsFlat()
    {
        auto f = forecastSeries(series(3, 50, 0, 0, 1, 3), ForecastRequest{});
        QVERIFY(f);
        QCOMPARE(f->trend, TrendClass::Flat);
        QVERIFY(!f->timeToReach(1000));
    }

    void shortOrBadInput()
    {
        QVERIFY(!forecastSeries({}, ForecastRequest{}));
        QVERIFY(!forecastSeries({{0, 1}, {1, 2}}, ForecastRequest{}));
        ForecastRequest bad;
        bad.step = 0;
        QVERIFY(!forecastSeries(series(1, 1, 0, 0, 0, 4), bad));
        // Less than two seasons: Holt's linear method, no seasonal component.
        auto f = forecastSeries(series(1.5, 10, 1, 5, 0.1, 5), ForecastRequest{});
        QVERIFY(f);
        QCOMPARE(f->seasonLength, 0);
        // NaN samples are skipped, not propagated.
        auto data = series(3, 10, 0, 1, 0.1, 6);
        data[100].value = std::nan("");
        auto g = forecastSeries(data, ForecastRequest{});
        QVERIFY(g);
        for (const auto &p : g->points)
            QVERIFY(std::isfinite(p.value) && std::isfinite(p.upper));
    }
};

QTEST_GUILESS_MAIN(TestForecast)
#include "tst_forecast.moc"
