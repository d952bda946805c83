// Topology at scale. rca_ms: root-cause ranking on a 10k-service call graph (bar 100 ms), baseline the same metrics
// ranked without the graph (rca_flat_ms). p95_ms: offscreen 1920×1080 frames of the topology view with 5k nodes and
// 15k edges (random calls, a quarter of the nodes unhealthy: a bad night) while an operator fits, zooms in notch by
// notch until names are readable and pans across (bar 16 ms), baseline an empty view; layout_s: the Graphviz (sfdp)
// layout. NOCTURNE_BENCH_TRACE=1 prints each frame's scale and time.
#include <benchmark/benchmark.h>

#include "bench_support.h"

#include <algorithm>
#include <chrono>

#include <QApplication>
#include <QGraphicsView>
#include <QImage>
#include <QScrollBar>

#include "core/random.h"
#include "diagnose/root_cause.h"
#include "theme/theme.h"
#include "views/topology/topology_view.h"

using Nocturne::Bench::percentile;

using namespace Nocturne::Engine;
using Steady = std::chrono::steady_clock;

namespace {
constexpr int kServices = 10'000;

RcaInput makeIncident(bool withGraph)
{
    RcaInput in;
    in.onset = 1'700'000'000LL * kSecond;
    // A layered call graph: service i calls three services of higher index (15k+ edges in all).
    for (int i = 0; i < kServices; ++i) {
        const std::string caller = "svc-" + std::to_string(i);
        in.candidates.push_back(caller);
        for (int k = 1; k <= 3 && withGraph; ++k) {
            const int callee = i + 1 + int(mix(std::uint64_t(i) * 7 + std::uint64_t(k)) % 50);
            if (callee < kServices)
                in.calls.push_back({caller, "svc-" + std::to_string(callee)});
        }
    }
    if (withGraph) {
        in.target = "svc-0";
        in.targetKind = "latency";
    }
    // Five metrics per service: 60 reference points, 20 incident points; a path from svc-0 down to the root is slow.
    const int root = 4321;
    for (int i = 0; i < kServices; ++i) {
        for (const char *kind : {"latency", "cpu", "mem", "errors", "traffic"}) {
            RcaMetric m;
            m.entity = "svc-" + std::to_string(i);
            m.name = m.entity + "_" + kind;
            m.kind = kind;
            for (int t = 0; t < 80; ++t) {
                const double noise = double(mix(std::uint64_t(i) * 131 + std::uint64_t(t) + std::uint64_t(kind[0])) % 1000) / 1000.0;
                double v = 10 + noise;
                if (t >= 60 && std::string(kind) == "latency" && (i == root || i % 97 == 0))
                    v *= i == root ? 20 : 3;
                (t < 60 ? m.normal : m.incident).push_back(v);
            }
            in.metrics.push_back(std::move(m));
        }
    }
    return in;
}

void rank(benchmark::State &state, bool withGraph)
{
    static const RcaInput graph = makeIncident(true), flat = makeIncident(false);
    const RcaInput &in = withGraph ? graph : flat;
    std::vector<double> ms;
    std::size_t candidates = 0;
    for (auto _ : state) {
        const auto t0 = Steady::now();
        const auto ranked = rankRootCauses(in);
        ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
        candidates = ranked.size();
        benchmark::DoNotOptimize(ranked.data());
    }
    std::sort(ms.begin(), ms.end());
    state.counters[withGraph ? "rca_ms" : "rca_flat_ms"] = ms[ms.size() / 2];
    state.counters["candidates"] = double(candidates);
    state.counters["edges"] = double(in.calls.size());
    state.counters["metrics"] = double(in.metrics.size());
}

void BM_RcaTenThousandServices(benchmark::State &state)
{
    rank(state, true);
}

void BM_RcaFlatBaseline(benchmark::State &state)
{
    rank(state, false);
}
} // namespace

namespace {
Nocturne::Ui::GraphInput bigGraph()
{
    Nocturne::Ui::GraphInput g;
    constexpr int kNodes = 5'000;
    for (int i = 0; i < kNodes; ++i)
        g.nodes.push_back({QStringLiteral("svc-%1").arg(i), QStringLiteral("svc-%1").arg(i), QSizeF(120, 26), QString()});
    for (int i = 0; i < kNodes; ++i)
        for (int k = 1; k <= 3; ++k) {
            const int to = int(mix(std::uint64_t(i) * 3 + std::uint64_t(k)) % kNodes);
            if (to != i)
                g.edges.push_back({i, to, double(1 + mix(std::uint64_t(i) * 7 + std::uint64_t(k)) % 500), int(mix(std::uint64_t(i) + 11) % 13 == 0)});
        }
    return g;
}

void frames(benchmark::State &state, bool withGraph)
{
    Nocturne::Ui::Theme::apply(Nocturne::Ui::Theme::Kind::Dark);
    Nocturne::Ui::TopologyView view(nullptr);
    view.resize(1920, 1080);
    view.show();
    QApplication::processEvents();
    double layoutSeconds = 0;
    std::size_t nodes = 0, edges = 0;
    if (withGraph) {
        static const auto graph = bigGraph();
        std::vector<int> states(graph.nodes.size());
        for (std::size_t i = 0; i < states.size(); ++i)
            states[i] = int(mix(i) % 10 == 0 ? 2 : mix(i) % 7 == 0 ? 1 : 0);
        view.setGraph(graph, states);
        view.waitForLayout(600'000);
        layoutSeconds = view.layout() ? view.layout()->seconds : 0;
        nodes = graph.nodes.size();
        edges = graph.edges.size();
    }
    QGraphicsView *gv = view.graphicsView();
    QImage frame(view.size(), QImage::Format_ARGB32_Premultiplied);
    std::vector<double> ms;
    int i = 0, phase = 0, pans = 0;
    for (auto _ : state) {
        // Fit (everything), zoom in step by step (×1.35 a wheel notch) until names are readable (scale 1), pan
        // across, and start again: what an operator does looking for one service. Every frame is timed.
        const int step = i++;
        if (step == 0 || phase == 2) {
            view.fit();
            phase = 0;
        } else if (phase == 0) {
            gv->scale(1.35, 1.35);
            if (gv->transform().m11() >= 1.0)
                phase = 1, pans = 0;
        } else {
            gv->horizontalScrollBar()->setValue(gv->horizontalScrollBar()->value() + 160);
            gv->verticalScrollBar()->setValue(gv->verticalScrollBar()->value() + 40);
            if (++pans >= 12)
                phase = 2;
        }
        const auto t0 = Steady::now();
        frame.fill(Qt::black);
        gv->viewport()->render(&frame);
        ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
        if (const QString dir = qEnvironmentVariable("NOCTURNE_SCREENSHOT_DIR"); !dir.isEmpty() && withGraph && (step == 0 || step == 8))
            frame.save(QStringLiteral("%1/topology-5k-%2.png").arg(dir).arg(step));
        if (qEnvironmentVariableIsSet("NOCTURNE_BENCH_TRACE"))
            std::fprintf(stderr, "step %d scale %.4f %.1f ms\n", step, gv->transform().m11(), ms.back());
    }
    if (view.layout()) {
        state.counters["layout_w"] = view.layout()->bounds.width();
        state.counters["layout_h"] = view.layout()->bounds.height();
    }
    state.counters["p95_ms"] = percentile(ms, 0.95);
    state.counters["median_ms"] = percentile(ms, 0.5);
    state.counters["layout_s"] = layoutSeconds;
    state.counters["nodes"] = double(nodes);
    state.counters["edges"] = double(edges);
}

void BM_TopologyFrames(benchmark::State &state)
{
    frames(state, true);
}

void BM_TopologyFramesEmpty(benchmark::State &state)
{
    frames(state, false);
}
} // namespace

BENCHMARK(BM_RcaFlatBaseline)->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RcaTenThousandServices)->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TopologyFramesEmpty)->Iterations(200)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TopologyFrames)->Iterations(200)->Unit(benchmark::kMillisecond);

int main(int argc, char **argv)
{
    return Nocturne::Bench::runQtBenchmarks(argc, argv);
}
