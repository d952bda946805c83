// Topology-scale diagnosis: root-cause ranking on a 10k-service call graph (rca_ms; bar 100 ms), with the same
// metrics ranked without the graph as the baseline (rca_flat_ms). The topology view's frame counters join this
// benchmark when the view lands.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>

#include "core/random.h"
#include "diagnose/root_cause.h"

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

BENCHMARK(BM_RcaFlatBaseline)->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RcaTenThousandServices)->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
