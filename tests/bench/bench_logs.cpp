// Template mining throughput on a generated mixed corpus (many templates with variables), one core, plus peak memory
// of the miner. Baseline in the same run: tokenising the same lines on white space (the least any parser must do).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/random.h"
#include "logs/log_format.h"
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

// Real-world variety: the lines of every Loghub-2k dataset beside the checkout (../shared/bench/loghub2k), headers
// taken off by each file's learned format, interleaved round-robin (sources mixed as a collector would see them) and
// repeated to kRealLines. Skipped when the data is not there.
struct RealCorpus {
    std::vector<std::string> names;
    std::vector<std::vector<std::string>> files; // raw lines per dataset
    std::vector<std::string> mixed;              // messages (headers off), interleaved
};

const RealCorpus &realCorpus()
{
    static const RealCorpus corpus = [] {
        RealCorpus c;
        namespace fs = std::filesystem;
        const fs::path root = fs::path(NOCTURNE_SHARED_DIR) / "bench" / "loghub2k";
        std::error_code ec;
        std::vector<fs::path> dirs;
        for (const auto &entry : fs::directory_iterator(root, ec))
            dirs.push_back(entry.path());
        std::sort(dirs.begin(), dirs.end());
        std::vector<std::vector<std::string>> messages;
        for (const fs::path &dir : dirs) {
            const fs::path log = dir / (dir.filename().string() + "_2k.log");
            std::ifstream in(log);
            if (!in)
                continue;
            std::vector<std::string> lines;
            for (std::string l; std::getline(in, l);)
                lines.push_back(l);
            const LogFormat format = LogFormat::learn({lines.begin(), lines.begin() + std::ptrdiff_t(std::min<std::size_t>(200, lines.size()))});
            std::vector<std::string> m;
            for (const auto &l : lines)
                m.emplace_back(format.contentView(l).value_or(l));
            c.names.push_back(dir.filename().string());
            c.files.push_back(std::move(lines));
            messages.push_back(std::move(m));
        }
        constexpr std::size_t kRealLines = 2'000'000;
        for (std::size_t i = 0; !messages.empty() && c.mixed.size() < kRealLines; ++i) {
            const auto &m = messages[i % messages.size()];
            c.mixed.push_back(m[(i / messages.size()) % m.size()]);
        }
        return c;
    }();
    return corpus;
}

// Mining throughput on real messages of eight systems mixed (one miner, as for one source that multiplexes them).
void BM_TemplateMinerRealMix(benchmark::State &state)
{
    const auto &lines = realCorpus().mixed;
    if (lines.empty()) {
        state.SkipWithError("../shared/bench/loghub2k not found");
        return;
    }
    std::size_t templates = 0;
    for (auto _ : state) {
        TemplateMiner miner;
        for (const auto &line : lines)
            benchmark::DoNotOptimize(miner.add(line));
        templates = miner.templates().size();
    }
    state.SetItemsProcessed(std::int64_t(state.iterations() * lines.size()));
    state.counters["templates"] = double(templates);
}
BENCHMARK(BM_TemplateMinerRealMix)->Unit(benchmark::kMillisecond)->Iterations(3);

// A whole 2,000-line file from scratch: learn its header from the first 200 lines, take every header off, mine every
// message. The bar is <= 100 ms for any 2,000-line input; max_file_ms is the slowest dataset (median of the runs).
void BM_Parse2kFile(benchmark::State &state)
{
    const auto &corpus = realCorpus();
    if (corpus.files.empty()) {
        state.SkipWithError("../shared/bench/loghub2k not found");
        return;
    }
    std::vector<std::vector<double>> ms(corpus.files.size());
    std::size_t lines = 0;
    for (auto _ : state) {
        for (std::size_t f = 0; f < corpus.files.size(); ++f) {
            const auto started = std::chrono::steady_clock::now();
            const auto &file = corpus.files[f];
            const LogFormat format = LogFormat::learn({file.begin(), file.begin() + std::ptrdiff_t(std::min<std::size_t>(200, file.size()))});
            TemplateMiner miner;
            for (const auto &l : file)
                benchmark::DoNotOptimize(miner.add(format.contentView(l).value_or(l)));
            ms[f].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
            lines += file.size();
        }
    }
    double worst = 0;
    for (auto &v : ms) {
        std::sort(v.begin(), v.end());
        worst = std::max(worst, v[v.size() / 2]);
    }
    state.counters["max_file_ms"] = worst;
    state.SetItemsProcessed(std::int64_t(lines));
}
BENCHMARK(BM_Parse2kFile)->Unit(benchmark::kMillisecond)->Iterations(5);

// Input built to hurt a backtracking header matcher (Windows CBS-like lines with long blank runs, brackets, paths),
// plus a 10 MB line and a 100k-token line: learn + parse, in ms.
void BM_ParseHostile(benchmark::State &state)
{
    std::vector<std::string> nasty;
    for (int i = 0; i < 2000; ++i)
        nasty.push_back("2016-09-28 04:30:" + std::to_string(10 + i % 50) + ", Info                  CBS    " + std::string(std::size_t(i % 40), ' ')
                        + "[HRESULT = 0x80004005 - E_FAIL] Failed to internally open package. [" + std::string(std::size_t(i % 30), '[')
                        + "] C:\\Windows\\Servicing\\Packages\\Package_for_KB" + std::to_string(i) + "~31bf3856ad364e35~amd64~~6.1.1.1.mum");
    nasty.push_back(std::string(10 << 20, 'x'));
    std::string many;
    for (int i = 0; i < 100'000; ++i)
        many += "t" + std::to_string(i % 13) + ' ';
    nasty.push_back(std::move(many));
    for (auto _ : state) {
        const LogFormat format = LogFormat::learn({nasty.begin(), nasty.begin() + 200});
        TemplateMiner miner;
        for (const auto &l : nasty)
            benchmark::DoNotOptimize(miner.add(format.contentView(l).value_or(l)));
    }
    state.SetItemsProcessed(std::int64_t(state.iterations() * nasty.size()));
}
BENCHMARK(BM_ParseHostile)->Unit(benchmark::kMillisecond)->Iterations(3);

// One million messages that share no word (every line a new template): the template cap and the indexed leaves keep
// time per line bounded (a full leaf scan made this quadratic: 40k lines took 68 s).
void BM_DistinctMessages(benchmark::State &state)
{
    std::vector<std::string> lines;
    lines.reserve(1'000'000);
    std::uint64_t k = 12345;
    for (std::size_t i = 0; i < 1'000'000; ++i) {
        std::string line;
        for (int w = 0; w < 4; ++w) {
            for (int c = 0; c < 5; ++c) {
                line += char('a' + k % 26);
                k = k * 6364136223846793005ULL + 1442695040888963407ULL;
                k ^= k >> 29;
            }
            line += ' ';
        }
        lines.push_back(line + "tail");
    }
    std::size_t templates = 0;
    for (auto _ : state) {
        TemplateMiner miner;
        for (const auto &l : lines)
            benchmark::DoNotOptimize(miner.add(l));
        templates = miner.templates().size();
    }
    state.SetItemsProcessed(std::int64_t(state.iterations() * lines.size()));
    state.counters["templates"] = double(templates);
}
BENCHMARK(BM_DistinctMessages)->Unit(benchmark::kMillisecond)->Iterations(1);

} // namespace

BENCHMARK_MAIN();
