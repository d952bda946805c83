// Alert timeline at storm scale: 100k alerts in 2k lanes. Offscreen frames while panning and zooming (p95_ms),
// rebuilding the layout with a filter over all alerts (filter_ms), and the AlertBook's grouping throughput
// (alerts/s through de-duplication, silences, inhibition and incident grouping on a 2k-entity topology). Baselines in
// the same run: an empty timeline frame, and ingesting the same alerts with grouping disabled by a silence.
#include <benchmark/benchmark.h>

#include "bench_support.h"

#include <QApplication>
#include <QImage>
#include <QPainter>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "alerts/alert_book.h"
#include "alerts/topology_distance.h"
#include "core/random.h"
#include "theme/theme.h"
#include "views/timeline/timeline_view.h"

using Nocturne::Bench::percentile;

using namespace Nocturne;
using namespace Nocturne::Engine;
using Steady = std::chrono::steady_clock;

namespace {
constexpr int kAlerts = 100'000;
constexpr int kLanes = 2'000;
constexpr Timestamp kStart = 1'763'000'000LL * kSecond;
constexpr Duration kSpan = 7 * kDay;

std::vector<Alert> makeAlerts()
{
    std::vector<Alert> alerts;
    alerts.reserve(kAlerts);
    for (int i = 0; i < kAlerts; ++i) {
        const std::uint64_t h = mix(std::uint64_t(i) + 77);
        Alert a;
        a.id = i + 1;
        a.name = "Alert" + std::to_string(h % 200);
        a.entity = "svc-" + std::to_string(h % kLanes);
        a.labels = {{"kind", "group-" + std::to_string((h % kLanes) / 100)}};
        a.severity = AlertSeverity(int((h >> 12) % 5));
        a.state = AlertState(int((h >> 20) % 5));
        a.startsAt = kStart + Timestamp((h >> 24) % std::uint64_t(kSpan));
        a.endsAt = a.state == AlertState::Resolved ? a.startsAt + Timestamp((h >> 40) % std::uint64_t(2 * kHour)) : 0;
        alerts.push_back(std::move(a));
    }
    return alerts;
}

std::vector<Incident> makeIncidents()
{
    std::vector<Incident> incidents;
    for (int i = 0; i < 2000; ++i) {
        Incident inc;
        inc.id = i + 1;
        inc.start = kStart + Timestamp(mix(std::uint64_t(i)) % std::uint64_t(kSpan));
        inc.end = inc.start + 40 * kMinute;
        inc.severity = AlertSeverity::High;
        inc.alerts = {1};
        incidents.push_back(inc);
    }
    return incidents;
}

void renderFrames(benchmark::State &state, bool withData)
{
    static const auto alerts = makeAlerts();
    static const auto incidents = makeIncidents();
    Ui::Theme::apply(Ui::Theme::Kind::Dark);
    Ui::TimelineView view(nullptr);
    view.resize(1920, 1080);
    const Timestamp now = kStart + kSpan;
    if (withData)
        view.setLayoutData(std::make_shared<const Ui::TimelineLayout>(Ui::TimelineLayout::build(alerts, incidents, now)), now);
    view.axis().from = now - 6 * kHour;
    view.axis().to = now;
    QImage frame(view.size(), QImage::Format_ARGB32_Premultiplied);
    std::vector<double> ms;
    int i = 0;
    for (auto _ : state) {
        // Alternate pans and zooms like an operator scrubbing through a week.
        if (i % 10 < 5)
            view.axis().pan(120);
        else
            view.axis().zoom(i % 20 < 10 ? 1.3 : 1 / 1.3, 900);
        ++i;
        const auto t0 = Steady::now();
        frame.fill(Qt::black);
        view.render(&frame);
        ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
    }
    state.counters["p95_ms"] = percentile(ms, 0.95);
    state.counters["median_ms"] = percentile(ms, 0.5);
    state.counters["lanes"] = withData ? double(view.layoutData()->lanes.size()) : 0;
}

void BM_TimelineFrames(benchmark::State &state)
{
    renderFrames(state, true);
}

void BM_TimelineFramesEmpty(benchmark::State &state)
{
    renderFrames(state, false);
}

void BM_TimelineFilter(benchmark::State &state)
{
    static const auto alerts = makeAlerts();
    static const auto incidents = makeIncidents();
    std::vector<double> ms;
    std::size_t bars = 0;
    for (auto _ : state) {
        const auto t0 = Steady::now();
        const auto layout = Ui::TimelineLayout::build(alerts, incidents, kStart + kSpan, {}, "svc-12");
        ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
        bars = layout.bars.size();
    }
    state.counters["filter_ms"] = percentile(ms, 0.5);
    state.counters["matching_bars"] = double(bars);
}

void BM_TimelineBuildAll(benchmark::State &state)
{
    static const auto alerts = makeAlerts();
    static const auto incidents = makeIncidents();
    std::vector<double> ms;
    for (auto _ : state) {
        const auto t0 = Steady::now();
        benchmark::DoNotOptimize(Ui::TimelineLayout::build(alerts, incidents, kStart + kSpan));
        ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
    }
    state.counters["build_ms"] = percentile(ms, 0.5);
}

// Grouping throughput: alerts from a 2k-entity estate (chains of 10 services) through the AlertBook.
void grouping(benchmark::State &state, bool silenced)
{
    Estate estate;
    for (int i = 0; i < kLanes; ++i)
        estate.add(Entity{"svc-" + std::to_string(i), EntityKind::Service, {}, {}, {}, {}});
    for (int i = 0; i < kLanes; ++i) {
        if (i % 10 != 9)
            estate.edges.push_back({"svc-" + std::to_string(i), "svc-" + std::to_string(i + 1), EdgeKind::Calls, 1});
    }
    estate.rebuildIndex();
    std::vector<AlertInput> inputs;
    for (int i = 0; i < kAlerts; ++i) {
        const std::uint64_t h = mix(std::uint64_t(i) + 991);
        AlertInput in;
        in.source = "bench";
        in.name = "Alert" + std::to_string(h % 50);
        in.entity = "svc-" + std::to_string(h % kLanes);
        in.labels = {{"service", in.entity}};
        in.severity = AlertSeverity::High;
        in.ts = kStart + Timestamp(i) * 6 * kSecond; // 100k alerts over a week
        inputs.push_back(std::move(in));
    }
    double alertsPerSecond = 0;
    std::size_t incidents = 0;
    for (auto _ : state) {
        AlertBook book;
        TopologyDistance topology(estate);
        book.setTopology([&](const std::string &a, const std::string &b) { return topology(a, b); });
        book.setDependencies([&](const std::string &a, const std::string &b) { return topology.dependencyHops(a, b); });
        if (silenced)
            (void)book.addSilence("{service=~\".+\"}", kStart - kHour, kStart + 30 * kDay, "bench", "baseline: no grouping");
        const auto t0 = Steady::now();
        for (const AlertInput &in : inputs) {
            book.ingest(in);
            book.advance(in.ts);
        }
        const double seconds = std::chrono::duration<double>(Steady::now() - t0).count();
        alertsPerSecond = double(inputs.size()) / seconds;
        incidents = book.incidents().size();
    }
    state.counters["alerts_per_second"] = alertsPerSecond;
    state.counters["incidents"] = double(incidents);
}

void BM_Grouping(benchmark::State &state)
{
    grouping(state, false);
}

void BM_GroupingSilencedBaseline(benchmark::State &state)
{
    grouping(state, true);
}
} // namespace

BENCHMARK(BM_TimelineFramesEmpty)->Iterations(100)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TimelineFrames)->Iterations(200)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TimelineBuildAll)->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TimelineFilter)->Iterations(10)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Grouping)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GroupingSilencedBaseline)->Iterations(1)->Unit(benchmark::kMillisecond);

int main(int argc, char **argv)
{
    return Nocturne::Bench::runQtBenchmarks(argc, argv);
}
