#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace Nocturne::Ui {

// The time ↔ x mapping of the alert timeline: a plain value type (no Qt), tested with data tables. `from`/`to` are
// nanoseconds since the epoch; x runs from `left` over `width` pixels.
struct TimeAxis {
    std::int64_t from = 0;
    std::int64_t to = 1;
    double left = 0;
    double width = 1;

    static constexpr std::int64_t kMinSpan = 10'000'000'000LL;              // 10 s: deepest zoom
    static constexpr std::int64_t kMaxSpan = 400LL * 86'400'000'000'000LL;  // 400 days: widest

    std::int64_t span() const { return to - from; }
    double toX(std::int64_t t) const { return left + double(t - from) / double(span()) * width; }
    std::int64_t toTime(double x) const { return from + std::int64_t(std::llround((x - left) / width * double(span()))); }
    bool visible(std::int64_t t0, std::int64_t t1) const { return t1 >= from && t0 <= to; }

    // Zooms by `factor` (> 1 zooms in) keeping the time under `anchorX` where it is; the span stays within limits.
    void zoom(double factor, double anchorX)
    {
        const std::int64_t anchor = toTime(anchorX);
        const double fraction = std::clamp((anchorX - left) / width, 0.0, 1.0);
        const std::int64_t newSpan = std::clamp<std::int64_t>(std::int64_t(double(span()) / factor), kMinSpan, kMaxSpan);
        from = anchor - std::int64_t(fraction * double(newSpan));
        to = from + newSpan;
    }
    // Moves the view by `dx` pixels (drag right = earlier times come into view).
    void pan(double dx)
    {
        const std::int64_t shift = std::int64_t(std::llround(dx / width * double(span())));
        from -= shift;
        to -= shift;
    }
    // A tick step (ns) that gives at least `minPixels` between labels: 1/5/10/15/30 s, 1/5/10/15/30 min, 1/3/6/12 h, 1 d…
    std::int64_t tickStep(double minPixels) const
    {
        static constexpr std::int64_t s = 1'000'000'000LL;
        static constexpr std::int64_t steps[] = {s, 5 * s, 10 * s, 15 * s, 30 * s, 60 * s, 300 * s, 600 * s, 900 * s, 1800 * s,
                                                 3600 * s, 3 * 3600 * s, 6 * 3600 * s, 12 * 3600 * s, 86400 * s, 7 * 86400 * s, 30 * 86400 * s};
        for (std::int64_t step : steps) {
            if (double(step) / double(span()) * width >= minPixels)
                return step;
        }
        return steps[std::size(steps) - 1];
    }
};

} // namespace Nocturne::Ui
