// Fabric map frames at GPU-cluster scale: 2,048 servers, 16,384 GPUs, 768 switches (64 scalable units × 8 rails,
// 32 spines per rail plane), with a health snapshot that has hot GPUs, XIDs, busy and failing links and degraded
// optics, while an operator fits, zooms in to readable GPU cells and pans. Every frame is timed offscreen at
// 1920×1080. Baseline in the same run: the empty canvas. Also: the layout and a host-to-host path query.
#include <QApplication>
#include <QImage>

#include <chrono>
#include <random>

#include "bench_support.h"
#include "fabric/fabric.h"
#include "views/fabric/fabric_map_view.h"

using Nocturne::Bench::percentile;
using Steady = std::chrono::steady_clock;
using namespace Nocturne::Engine;

namespace {
std::shared_ptr<const Fabric> bigFabric()
{
    static const auto fabric = std::make_shared<const Fabric>(Fabric::railOptimised(2048, 8, 32, 32));
    return fabric;
}

std::shared_ptr<const FabricHealthSnapshot> health(const Fabric &f)
{
    auto h = std::make_shared<FabricHealthSnapshot>();
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> u(0, 1);
    for (std::size_t g = 0; g < f.gpus.size(); ++g) {
        h->gpuUtil.push_back(u(rng) < 0.02f ? 3.0f : 80 + 20 * u(rng));
        h->gpuTemp.push_back(55 + 30 * u(rng));
        h->gpuXid.push_back(u(rng) < 0.001f ? 79 : 0);
    }
    for (std::size_t p = 0; p < f.ports.size(); ++p) {
        h->portUtil.push_back(u(rng));
        // A bad day: a few dozen failing ports and degraded optics among 65k ports.
        h->portErrors.push_back(u(rng) < 0.0005f ? 50.0f : 0.0f);
        h->portState.push_back(u(rng) < 0.0005f ? 2 : u(rng) < 0.001f ? 1 : 0);
        h->xcvrScore.push_back(u(rng) < 0.0005f ? 35.0f : 95.0f);
    }
    return h;
}

void frames(benchmark::State &state, bool withFabric)
{
    Nocturne::Ui::FabricMapCanvas canvas;
    canvas.resize(1920, 1080);
    canvas.show();
    QApplication::processEvents();
    double layoutMs = 0, pathMs = 0;
    if (withFabric) {
        const auto fabric = bigFabric(); // built outside the timed layout
        const auto t0 = Steady::now();
        canvas.setFabric(fabric);
        layoutMs = std::chrono::duration<double, std::milli>(Steady::now() - t0).count();
        canvas.setHealth(health(*bigFabric()));
        const auto t1 = Steady::now();
        auto paths = bigFabric()->pathsBetween("gpu-node0000/gpu3", "gpu-node2047/gpu3");
        pathMs = std::chrono::duration<double, std::milli>(Steady::now() - t1).count();
        if (paths)
            canvas.setPaths(std::move(*paths));
    }
    QImage frame(canvas.size(), QImage::Format_ARGB32_Premultiplied);
    std::vector<double> ms;
    int i = 0, phase = 0, pans = 0;
    for (auto _ : state) {
        const int step = i++;
        if (step == 0 || phase == 2) {
            canvas.fit();
            phase = 0;
        } else if (phase == 0) {
            const QPointF centre(960, 540);
            const QPointF scene = (centre - canvas.offset()) / canvas.scale();
            const double scale = canvas.scale() * 1.35;
            canvas.setView(scale, centre - scene * scale);
            if (scale >= 1.5)
                phase = 1, pans = 0;
        } else {
            canvas.setView(canvas.scale(), canvas.offset() - QPointF(160, 40));
            if (++pans >= 12)
                phase = 2;
        }
        const auto t0 = Steady::now();
        canvas.render(&frame);
        ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
        if (const QString dir = qEnvironmentVariable("NOCTURNE_SCREENSHOT_DIR"); !dir.isEmpty() && withFabric && (step == 0 || step == 12))
            frame.save(QStringLiteral("%1/fabric-16k-%2.png").arg(dir).arg(step));
        if (qEnvironmentVariableIsSet("NOCTURNE_BENCH_TRACE"))
            std::fprintf(stderr, "step %d scale %.4f %.1f ms\n", step, canvas.scale(), ms.back());
    }
    state.counters["p95_ms"] = percentile(ms, 0.95);
    state.counters["median_ms"] = percentile(ms, 0.5);
    if (withFabric) {
        state.counters["layout_ms"] = layoutMs;
        state.counters["path_ms"] = pathMs;
        state.counters["gpus"] = double(bigFabric()->gpus.size());
        state.counters["switches"] = double(bigFabric()->switchCount());
        state.counters["links"] = double(bigFabric()->links.size());
    }
}

void BM_FabricFramesEmpty(benchmark::State &state)
{
    frames(state, false);
}
void BM_FabricFrames(benchmark::State &state)
{
    frames(state, true);
}
} // namespace

BENCHMARK(BM_FabricFramesEmpty)->Iterations(200)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FabricFrames)->Iterations(200)->Unit(benchmark::kMillisecond);

int main(int argc, char **argv)
{
    return Nocturne::Bench::runQtBenchmarks(argc, argv);
}
