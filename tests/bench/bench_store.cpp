// Series store: append throughput and memory per sample with 100k series, against a memory-bound baseline that
// writes the same samples into one flat pre-allocated array (no interning, no locks, no rings).
#include <benchmark/benchmark.h>

#include <vector>

#include "model/series_store.h"

using namespace Nocturne::Engine;

namespace {

constexpr std::size_t kSeries = 100'000;
constexpr Duration kStep = 10 * kSecond;

std::vector<SeriesId> internAll(SeriesStore &store, std::size_t n)
{
    std::vector<SeriesId> ids;
    ids.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        ids.push_back(store.intern(SeriesKey::make("http_request_duration_seconds",
                                                   {{"service", "svc-" + std::to_string(i % 300)},
                                                    {"instance", "pod-" + std::to_string(i)},
                                                    {"code", i % 7 ? "200" : "500"}})));
    return ids;
}

// One iteration = one step: a sample for every series. Retention holds one hour (360 samples per series), so after
// warm-up every append also evicts one sample: steady state, as in production.
void BM_StoreAppend(benchmark::State &state)
{
    SeriesStore store(SeriesStore::Options{kHour, 1 << 20});
    const auto ids = internAll(store, kSeries);
    Timestamp t = 0;
    for (int warm = 0; warm < 400; ++warm, t += kStep) {
        for (SeriesId id : ids)
            store.append(id, t, double(warm));
    }
    for (auto _ : state) {
        for (std::size_t i = 0; i < ids.size(); ++i)
            store.append(ids[i], t, double(i & 1023));
        t += kStep;
    }
    state.SetItemsProcessed(std::int64_t(state.iterations() * ids.size()));
    const auto stats = store.stats();
    // The work must be real: every append stored, one hour held per series.
    if (stats.appended != (400 + state.iterations()) * ids.size() || stats.rejectedOutOfOrder != 0)
        state.SkipWithError("appends were lost or rejected");
    state.counters["series"] = double(stats.series);
    state.counters["samples_held"] = double(stats.samples);
    state.counters["bytes_per_sample"] = stats.bytesPerSample();
    state.counters["raw_bytes_per_sample"] = double(stats.sampleBytes) / double(stats.samples);
}
BENCHMARK(BM_StoreAppend)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Same, through appendBatch (the path feeds use).
void BM_StoreAppendBatch(benchmark::State &state)
{
    SeriesStore store(SeriesStore::Options{kHour, 1 << 20});
    const auto ids = internAll(store, kSeries);
    std::vector<SampleRef> batch(ids.size());
    Timestamp t = 0;
    for (auto _ : state) {
        for (std::size_t i = 0; i < ids.size(); ++i)
            batch[i] = SampleRef{ids[i], t, double(i & 1023)};
        benchmark::DoNotOptimize(store.appendBatch(batch));
        t += kStep;
    }
    state.SetItemsProcessed(std::int64_t(state.iterations() * ids.size()));
}
BENCHMARK(BM_StoreAppendBatch)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Baseline: the same number of 16-byte samples written to a flat array, column by column as a store would.
void BM_BaselineFlatWrite(benchmark::State &state)
{
    constexpr std::size_t kDepth = 64;
    std::vector<Sample> flat(kSeries * kDepth);
    std::size_t column = 0;
    Timestamp t = 0;
    for (auto _ : state) {
        for (std::size_t i = 0; i < kSeries; ++i)
            flat[i * kDepth + column] = Sample{t, double(i & 1023)};
        benchmark::ClobberMemory();
        column = (column + 1) % kDepth;
        t += kStep;
    }
    state.SetItemsProcessed(std::int64_t(state.iterations() * kSeries));
    state.counters["bytes_per_sample"] = double(sizeof(Sample));
}
BENCHMARK(BM_BaselineFlatWrite)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_Intern(benchmark::State &state)
{
    for (auto _ : state) {
        SeriesStore store;
        benchmark::DoNotOptimize(internAll(store, kSeries));
    }
    state.SetItemsProcessed(std::int64_t(state.iterations() * kSeries));
}
BENCHMARK(BM_Intern)->Unit(benchmark::kMillisecond)->Iterations(3);

// What a chart asks for: one hour of one series, decimated to 1000 buckets.
void BM_Downsample(benchmark::State &state)
{
    SeriesStore store(SeriesStore::Options{kHour, 1 << 20});
    const SeriesId id = store.intern(SeriesKey::make("m", {}));
    for (Timestamp t = 0; t < kHour; t += kSecond)
        store.append(id, t, double(t % 97));
    for (auto _ : state)
        benchmark::DoNotOptimize(store.downsample(id, 0, kHour, 1000));
    state.SetItemsProcessed(std::int64_t(state.iterations() * 3600));
}
BENCHMARK(BM_Downsample)->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
