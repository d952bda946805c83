// Log panel with 1M lines: time to query and load them, then offscreen frames while scrolling (p95 in ms). Baseline in
// the same run: the same frames of an empty table, i.e. what the widget costs without data.
#include <benchmark/benchmark.h>

#include "bench_support.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QScrollBar>
#include <QTableView>
#include <QTest>

#include <algorithm>

#include "models/log_table_model.h"
#include "runtime/engine.h"
#include "shell/snapshot_hub.h"
#include "theme/theme.h"
#include "views/logs/log_panel.h"

using Nocturne::Bench::percentile;

using namespace Nocturne;

namespace {

constexpr std::size_t kLines = 1'000'000;

Engine::Engine &engineWithLines()
{
    static Engine::Engine *engine = [] {
        Engine::Engine::Options options;
        options.logCapacity = kLines;
        options.detection = false;
        auto *e = new Engine::Engine(options);
        std::vector<Engine::LogRecord> batch;
        for (std::size_t i = 0; i < kLines; ++i) {
            batch.push_back({Engine::Timestamp(i) * Engine::kMillisecond, "svc-" + std::to_string(i % 40),
                             i % 50 == 0 ? Engine::LogLevel::Error : Engine::LogLevel::Info,
                             "request " + std::to_string(i) + " from 10.0." + std::to_string(i % 255) + ".7:" + std::to_string(1024 + i % 5000)
                                 + " took " + std::to_string(i % 900) + "ms status=" + (i % 50 == 0 ? "500" : "200")});
            if (batch.size() == 10000) {
                e->ingestLogs(batch, "bench");
                batch.clear();
            }
        }
        return e;
    }();
    return *engine;
}

void scrollFrames(benchmark::State &state, bool withData)
{
    // The baseline is the same panel over an engine with no lines.
    static Engine::Engine empty(Engine::Engine::Options{});
    Engine::Engine &engine = withData ? engineWithLines() : empty;
    Ui::SnapshotHub hub(engine);
    Ui::LogPanel panel(hub);
    panel.resize(1600, 900);
    panel.show();
    QElapsedTimer load;
    load.start();
    if (withData) {
        // Showing the panel starts the query.
        while (panel.logModel()->rowCount() < int(kLines) && load.elapsed() < 60000)
            QTest::qWait(20);
    }
    const double loadSeconds = load.elapsed() / 1000.0;
    auto *view = panel.findChildren<QTableView *>().back();
    std::vector<double> frames;
    int step = 0;
    for (auto _ : state) {
        QScrollBar *bar = view->verticalScrollBar();
        bar->setValue(int((std::int64_t(step++) * 7919 * 13) % std::max(1, bar->maximum() + 1)));
        QElapsedTimer frame;
        frame.start();
        const QPixmap pixmap = view->viewport()->grab();
        frames.push_back(double(frame.nsecsElapsed()) / 1e6);
        benchmark::DoNotOptimize(pixmap.width());
    }
    state.counters["rows"] = double(panel.logModel()->rowCount());
    state.counters["p95_ms"] = percentile(frames, 0.95);
    state.counters["median_ms"] = percentile(frames, 0.5);
    if (withData) {
        state.counters["load_s"] = loadSeconds;
        if (panel.logModel()->rowCount() < int(kLines))
            state.SkipWithError("the panel did not load every line");
    }
}

void BM_LogPanelScroll1M(benchmark::State &state) { scrollFrames(state, true); }
void BM_BaselineEmptyPanel(benchmark::State &state) { scrollFrames(state, false); }
BENCHMARK(BM_LogPanelScroll1M)->Iterations(200)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BaselineEmptyPanel)->Iterations(200)->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char **argv)
{
    return Nocturne::Bench::runQtBenchmarks(argc, argv);
}
