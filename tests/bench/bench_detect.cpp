// Default detector over 100k series, one core. One iteration = one step: a sample for every series, through
// SeriesDetector::update. The baseline in the same binary makes one trivial pass over the same data (read the value,
// keep a running sum per series), so the ratio shows what the detector costs beyond touching the memory.
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "core/random.h"
#include "detect/series_detector.h"

using namespace Nocturne::Engine;

namespace {

constexpr std::size_t kSeries = 100'000;
constexpr std::size_t kSteps = 64; // pre-generated steps, replayed cyclically with advancing timestamps
constexpr Duration kStep = 10 * kSecond;

// Realistic input: daily-seasonal values with noise and rare spikes, different per series.
const std::vector<float> &inputs()
{
    static const std::vector<float> values = [] {
        std::vector<float> v(kSeries * kSteps);
        for (std::size_t step = 0; step < kSteps; ++step) {
            for (std::size_t i = 0; i < kSeries; ++i) {
                const std::uint64_t h = mix(i * 0x9e3779b97f4a7c15ULL ^ step);
                double x = 100.0 + 10.0 * std::sin(double(step) / 10.0 + double(i)) + 2.0 * gaussian(h);
                if (uniform01(mix(h)) < 0.001)
                    x *= 3;
                v[step * kSeries + i] = float(x);
            }
        }
        return v;
    }();
    return values;
}

void BM_DetectorUpdate(benchmark::State &state)
{
    const auto &values = inputs();
    std::vector<SeriesDetector> detectors(kSeries);
    const DetectorConfig config;
    Timestamp t = 1'700'000'000LL * kSecond;
    std::size_t step = 0;
    double checksum = 0;
    for (auto _ : state) {
        const float *row = &values[(step % kSteps) * kSeries];
        for (std::size_t i = 0; i < kSeries; ++i)
            checksum += detectors[i].update(t, double(row[i]), config).score;
        ++step;
        t += kStep;
    }
    benchmark::DoNotOptimize(checksum);
    if (detectors.front().samples() != step)
        state.SkipWithError("detector did not score every sample");
    state.SetItemsProcessed(std::int64_t(state.iterations() * kSeries));
    state.counters["state_bytes"] = double(SeriesDetector::stateBytes()); // per series (issue #17 names the counter)
    state.counters["series"] = double(kSeries);
}
BENCHMARK(BM_DetectorUpdate)->Unit(benchmark::kMillisecond)->MinTime(3.0);

// Memory-bound baseline: same values, same per-series state footprint, trivial arithmetic.
void BM_BaselineTrivialPass(benchmark::State &state)
{
    const auto &values = inputs();
    struct Trivial {
        double sum = 0;
        char pad[SeriesDetector::stateBytes() - sizeof(double)];
    };
    std::vector<Trivial> states(kSeries);
    std::size_t step = 0;
    for (auto _ : state) {
        const float *row = &values[(step % kSteps) * kSeries];
        for (std::size_t i = 0; i < kSeries; ++i)
            states[i].sum += double(row[i]);
        benchmark::ClobberMemory();
        ++step;
    }
    state.SetItemsProcessed(std::int64_t(state.iterations() * kSeries));
}
BENCHMARK(BM_BaselineTrivialPass)->Unit(benchmark::kMillisecond)->MinTime(3.0);

} // namespace

BENCHMARK_MAIN();
