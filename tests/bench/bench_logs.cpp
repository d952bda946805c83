// Template mining throughput on a generated mixed corpus (many templates with variables), one core, plus peak memory
// of the miner. Baseline in the same run: tokenising the same lines on white space (the least any parser must do).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/random.h"
#include "logs/template_miner.h"

using namespace Nocturne::Engine;

namespace {

constexpr std::size_t kLines = 10'000'000; // the corpus; the counter reports lines/s
constexpr int kTemplates = 400;

const std::vector<std::string> &corpus()
{
    static const std::vector<std::string> lines = [] {
        static const char *const verbs[] = {"opened", "closed", "failed", "accepted", "rejected", "retrying", "completed", "started"};
        static const char *const nouns[] = {"connection", "session", "request", "job", "block", "transaction", "stream", "lease"};
        std::vector<std::string> out;
        out.reserve(kLines);
        char buffer[256];
        for (std::size_t i = 0; i < kLines; ++i) {
            const std::uint64_t h = mix(i);
            const int t = int(h % kTemplates);
            const std::uint64_t v = mix(h);
            // Template t: fixed words chosen by t, variables (ids, IPs, durations, counts) from v.
            const char word[4] = {char('a' + t % 26), char('a' + (t / 26) % 26), 'x', 0};
            // The leading word differs per template, so templates are distinct (a parser may still merge similar ones).
            std::snprintf(buffer, sizeof buffer, "%s%s %s for %s_%llu from %u.%u.%u.%u:%u after %llums (%u retries) %s",
                          nouns[t % 8], verbs[(t / 8) % 8], word, nouns[(t / 64) % 8], static_cast<unsigned long long>(v % 100000000),
                          unsigned(v & 0xff), unsigned((v >> 8) & 0xff), unsigned((v >> 16) & 0xff), unsigned((v >> 24) & 0xff),
                          unsigned(1024 + (v >> 32) % 60000), static_cast<unsigned long long>((v >> 40) % 5000), unsigned((v >> 52) % 9),
                          t % 3 == 0 ? "state=ok" : "state=degraded");
            out.emplace_back(buffer);
        }
        return out;
    }();
    return lines;
}

void BM_TemplateMiner(benchmark::State &state)
{
    const auto &lines = corpus();
    std::size_t templates = 0;
    for (auto _ : state) {
        TemplateMiner miner;
        for (const auto &line : lines)
            benchmark::DoNotOptimize(miner.add(line));
        state.PauseTiming();
        templates = miner.templates().size();
        std::uint64_t counted = 0;
        for (const auto &t : miner.templates())
            counted += t.count;
        if (counted != lines.size())
            state.SkipWithError("lines were lost");
        std::size_t bytes = 0;
        for (const auto &t : miner.templates()) {
            bytes += sizeof(t);
            for (const auto &token : t.tokens)
                bytes += sizeof(token) + token.capacity();
        }
        state.counters["template_bytes"] = double(bytes);
        state.ResumeTiming();
    }
    state.SetItemsProcessed(std::int64_t(state.iterations() * lines.size()));
    state.counters["templates"] = double(templates);
}
BENCHMARK(BM_TemplateMiner)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_BaselineTokenise(benchmark::State &state)
{
    const auto &lines = corpus();
    for (auto _ : state) {
        std::size_t tokens = 0;
        for (const auto &line : lines) {
            bool in = false;
            for (char c : line) {
                const bool space = c == ' ';
                tokens += !space && !in;
                in = !space;
            }
        }
        benchmark::DoNotOptimize(tokens);
    }
    state.SetItemsProcessed(std::int64_t(state.iterations() * lines.size()));
}
BENCHMARK(BM_BaselineTokenise)->Unit(benchmark::kMillisecond)->Iterations(1);

} // namespace

BENCHMARK_MAIN();
