// Flame graphs at scale. load_s: import a generated 100 MB folded file (baseline in the same run: reading the bytes
// and counting lines, read_s), and the pprof-large fixture (pprof_load_s). p95_ms: offscreen 1920×1080 frames of a
// 1M-sample / 100k-unique-frame profile while zooming in and out (baseline: the empty widget's frame). diff_ms:
// normalised diff of two 100k-frame trees (baseline: merging one tree into an empty one, merge_ms).
#include <benchmark/benchmark.h>

#include "bench_support.h"

#include <QApplication>
#include <QDir>
#include <QImage>
#include <QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>

#include "core/random.h"
#include "profile/profile_import.h"
#include "theme/theme.h"
#include "views/profiles/flame_graph_widget.h"

using Nocturne::Bench::percentile;

using namespace Nocturne;
using namespace Nocturne::Engine;
using Steady = std::chrono::steady_clock;

namespace {
constexpr int kFrames = 100'000;
constexpr int kLevels = 24;

std::string frameName(int id)
{
    return "com/example/pkg" + std::to_string(id % 97) + "/Service" + std::to_string(id % 1013) + ".method" + std::to_string(id);
}

// A synthetic program: each level draws from its own pool of frames (kFrames over kLevels levels), a frame's callees
// are a few frames of the next level chosen by hashing. Stacks are random walks of depth 8–24, emitted in sorted
// order like stackcollapse output. `seed` changes the weights (for diffs), not the program.
std::vector<std::pair<std::vector<int>, int>> makeStacks(int stacks, std::uint64_t seed)
{
    std::vector<std::pair<std::vector<int>, int>> out;
    out.reserve(std::size_t(stacks));
    const int pool = kFrames / kLevels;
    for (int s = 0; s < stacks; ++s) {
        std::uint64_t h = mix(std::uint64_t(s) * 7919 + 17);
        const int depth = 8 + int(h % 17);
        std::vector<int> path;
        int frame = int((h >> 8) % 4); // a few roots
        path.push_back(frame);
        for (int level = 1; level < depth; ++level) {
            h = mix(h + std::uint64_t(level));
            const int choice = int(h % 5);
            frame = level * pool + int(mix(std::uint64_t(frame) * 31 + std::uint64_t(choice)) % std::uint64_t(pool));
            path.push_back(frame);
        }
        const int weight = 1 + int(mix(std::uint64_t(s) ^ seed) % 19); // mean 10
        out.push_back({std::move(path), weight});
    }
    std::sort(out.begin(), out.end());
    return out;
}

CallTree makeTree(int stacks, std::uint64_t seed)
{
    CallTree tree;
    std::vector<FrameId> ids(kFrames);
    for (int f = 0; f < kFrames; ++f)
        ids[std::size_t(f)] = tree.frames().intern(frameName(f));
    std::vector<FrameId> path;
    for (const auto &[stack, weight] : makeStacks(stacks, seed)) {
        path.clear();
        for (int f : stack)
            path.push_back(ids[std::size_t(f)]);
        tree.addStack(path, weight);
    }
    return tree;
}

const CallTree &bigTree()
{
    static const CallTree tree = makeTree(100'000, 1); // ~1M samples
    return tree;
}

// A ~100 MB folded file in a temporary directory (generated once; not timed).
const std::string &foldedFile()
{
    static QTemporaryDir dir;
    static std::string path;
    if (!path.empty())
        return path;
    path = QDir(dir.path()).filePath(QStringLiteral("big.folded")).toStdString();
    std::ofstream out(path, std::ios::binary);
    std::size_t written = 0;
    std::uint64_t round = 0;
    while (written < 100u * 1000 * 1000) {
        for (const auto &[stack, weight] : makeStacks(50'000, ++round)) {
            std::string line = "round" + std::to_string(round % 8);
            for (int f : stack)
                line += ";" + frameName(f);
            line += " " + std::to_string(weight) + "\n";
            out << line;
            written += line.size();
            if (written >= 100u * 1000 * 1000)
                break;
        }
    }
    return path;
}

void BM_ReadBaseline(benchmark::State &state)
{
    const std::string &path = foldedFile();
    double seconds = 0;
    std::size_t lines = 0, bytes = 0;
    for (auto _ : state) {
        const auto t0 = Steady::now();
        std::ifstream in(path, std::ios::binary);
        std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        lines = std::size_t(std::count(data.begin(), data.end(), '\n'));
        bytes = data.size();
        seconds = std::chrono::duration<double>(Steady::now() - t0).count();
    }
    state.counters["read_s"] = seconds;
    state.counters["lines"] = double(lines);
    state.counters["MB"] = double(bytes) / 1e6;
}

void BM_LoadFolded100MB(benchmark::State &state)
{
    const std::string &path = foldedFile();
    std::vector<double> seconds;
    std::size_t nodes = 0, frames = 0;
    double samples = 0;
    for (auto _ : state) {
        const auto t0 = Steady::now();
        auto p = importProfileFile(path);
        seconds.push_back(std::chrono::duration<double>(Steady::now() - t0).count());
        if (!p) {
            state.SkipWithError(p.error().toString().c_str());
            return;
        }
        nodes = p->tree().size();
        frames = p->tree().frames().size();
        samples = p->tree().total();
    }
    state.counters["load_s"] = percentile(seconds, 0.5);
    state.counters["nodes"] = double(nodes);
    state.counters["frames"] = double(frames);
    state.counters["samples"] = samples;
}

void BM_LoadPprofLarge(benchmark::State &state)
{
    const std::string path = NOCTURNE_SHARED_DIR "/bench/fixtures/profiles/pprof-large.cpu.pb.gz";
    std::vector<double> seconds;
    for (auto _ : state) {
        const auto t0 = Steady::now();
        auto p = importProfileFile(path);
        seconds.push_back(std::chrono::duration<double>(Steady::now() - t0).count());
        if (!p) {
            state.SkipWithError(p.error().toString().c_str());
            return;
        }
        benchmark::DoNotOptimize(p->tree().total());
    }
    state.counters["pprof_load_s"] = percentile(seconds, 0.5);
}

void renderFrames(benchmark::State &state, bool withData)
{
    Ui::Theme::apply(Ui::Theme::Kind::Dark);
    Ui::FlameGraphWidget widget;
    widget.resize(1920, 1080);
    std::shared_ptr<const CallTree> tree;
    std::vector<CallNodeId> zooms{CallTree::root()};
    if (withData) {
        tree = std::shared_ptr<const CallTree>(&bigTree(), [](const CallTree *) {});
        widget.setTree(tree);
        // Zoom targets: down the heaviest path and a spread of other nodes, then back up.
        CallNodeId at = CallTree::root();
        for (int d = 0; d < 8; ++d) {
            CallNodeId best;
            for (CallNodeId c = tree->node(at).firstChild; c.isValid(); c = tree->node(c).nextSibling)
                if (!best.isValid() || tree->node(c).total > tree->node(best).total)
                    best = c;
            if (!best.isValid())
                break;
            zooms.push_back(best);
            at = best;
        }
        for (int i = 1; i <= 16; ++i)
            zooms.push_back(CallNodeId(std::uint32_t(mix(std::uint64_t(i)) % tree->size())));
    }
    QImage frame(widget.size(), QImage::Format_ARGB32_Premultiplied);
    std::vector<double> ms;
    std::size_t i = 0, boxes = 0;
    for (auto _ : state) {
        widget.setZoom(zooms[i++ % zooms.size()]); // every frame is a new zoom: layout + paint
        const auto t0 = Steady::now();
        widget.render(&frame);
        ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
        boxes = widget.layout().rects.size();
    }
    state.counters["p95_ms"] = percentile(ms, 0.95);
    state.counters["median_ms"] = percentile(ms, 0.5);
    state.counters["boxes_last_frame"] = double(boxes);
    if (withData) {
        state.counters["tree_samples"] = tree->total();
        state.counters["tree_frames"] = double(tree->frames().size());
        state.counters["tree_nodes"] = double(tree->size());
    }
}

void BM_FlameFrames(benchmark::State &state)
{
    renderFrames(state, true);
}

void BM_FlameFramesEmpty(benchmark::State &state)
{
    renderFrames(state, false);
}

void BM_Diff(benchmark::State &state)
{
    static const CallTree a = makeTree(60'000, 11), b = makeTree(60'000, 12);
    std::vector<double> ms;
    for (auto _ : state) {
        const auto t0 = Steady::now();
        const CallTreeDiff d = diffTrees(a, b);
        ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
        benchmark::DoNotOptimize(d.before.data());
    }
    state.counters["diff_ms"] = percentile(ms, 0.5);
    state.counters["frames_each"] = double(a.frames().size());
    state.counters["nodes_each"] = double(a.size());
}

void BM_MergeBaseline(benchmark::State &state)
{
    static const CallTree a = makeTree(60'000, 11);
    std::vector<double> ms;
    for (auto _ : state) {
        const auto t0 = Steady::now();
        CallTree copy(std::make_shared<FrameTable>());
        copy.merge(a);
        ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
        benchmark::DoNotOptimize(copy.total());
    }
    state.counters["merge_ms"] = percentile(ms, 0.5);
}
} // namespace

BENCHMARK(BM_ReadBaseline)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(BM_LoadFolded100MB)->Iterations(3)->Unit(benchmark::kSecond);
BENCHMARK(BM_LoadPprofLarge)->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FlameFramesEmpty)->Iterations(100)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FlameFrames)->Iterations(200)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MergeBaseline)->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Diff)->Iterations(5)->Unit(benchmark::kMillisecond);

int main(int argc, char **argv)
{
    return Nocturne::Bench::runQtBenchmarks(argc, argv);
}
