#pragma once
// What the view benchmarks share: the percentile of frame times and a main() that runs Google Benchmark inside a
// QApplication on the offscreen platform (unless QT_QPA_PLATFORM says otherwise), with the dark theme applied.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <vector>

#include <QApplication>

#include "theme/theme.h"

namespace Nocturne::Bench {

inline double percentile(std::vector<double> values, double p)
{
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[std::min(values.size() - 1, std::size_t(p * double(values.size())))];
}

inline int runQtBenchmarks(int argc, char **argv)
{
    if (qgetenv("QT_QPA_PLATFORM").isEmpty())
        qputenv("QT_QPA_PLATFORM", QByteArrayLiteral("offscreen"));
    QApplication app(argc, argv);
    Ui::Theme::apply(Ui::Theme::Kind::Dark);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

} // namespace Nocturne::Bench
