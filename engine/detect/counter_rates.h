#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/clock.h"

namespace Nocturne::Engine {

// A cumulative counter turned into a per-second rate, one sample at a time, with PromQL rate() semantics over the
// window between two consecutive samples: a decrease is a reset and the new value is the increase since it; the first
// sample gives no rate; a gap spreads the increase over the whole gap. The window covers exactly its two samples, so
// PromQL's extrapolation to the window edges has nothing to add and the rates of consecutive samples sum (weighted by
// their intervals) to PromQL's increase() over the same span.
// Bad input gives no rate and leaves the state as it was, except a re-delivered timestamp, whose value replaces the
// remembered one (the series store keeps the newer value too). State: 24 bytes.
class CounterRateTracker
{
public:
    std::optional<double> update(Timestamp ts, double value);
    void reset() { *this = CounterRateTracker{}; }
    bool hasValue() const { return m_have; }
    std::uint32_t resets() const { return m_resets; }

private:
    Timestamp m_lastTs = 0;
    double m_lastValue = 0;
    std::uint32_t m_resets = 0;
    bool m_have = false;
};

struct HistogramBucket {
    double upperBound = 0; // the `le` label; +Inf for the last bucket
    double count = 0;      // cumulative: observations ≤ upperBound
};

// PromQL histogram_quantile(q, buckets): buckets are sorted by upper bound, buckets with the same bound are merged,
// counts are made monotonic (a bucket never holds fewer observations than the one below it; scrapes are not atomic),
// and the quantile is interpolated linearly inside the bucket holding its rank, from 0 for the first bucket unless that
// bound is ≤ 0. A rank in the +Inf bucket gives the highest finite bound. NaN when there is no +Inf bucket, fewer than
// two buckets or no observations; -Inf / +Inf for q < 0 / q > 1.
double histogramQuantile(double q, std::vector<HistogramBucket> buckets);

// The quantiles charts and detection use for a histogram: p50 and p99 of the observations of one scrape interval.
struct HistogramQuantiles {
    Timestamp ts = 0;
    double p50 = 0;
    double p99 = 0;
};

// One histogram (its buckets share every label but `le`) turned into p50/p99 per interval, as
// histogram_quantile(q, rate(x_bucket[interval])) would: bucket samples of one timestamp are collected, and once the
// set is complete the quantiles are taken over each bucket's increase since the previous set (reset handling per
// bucket, as rate() does). Buckets present in only one of the two sets are left out (a changed bucket layout). A
// gauge histogram's buckets already count one interval and are used as they are. An interval without observations
// has no quantiles (nothing is emitted).
class HistogramQuantileTracker
{
public:
    explicit HistogramQuantileTracker(bool cumulative = true)
        : m_cumulative(cumulative)
    {
    }

    // One bucket sample. When it starts a newer timestamp, the pending set is finished first and its quantiles returned.
    std::optional<HistogramQuantiles> add(Timestamp ts, double upperBound, double count);
    // Finishes the pending set if it holds at least as many buckets as the previous one (end of a batch: a histogram's
    // buckets arrive together, but a batch boundary may fall inside them, and then the rest arrives in the next batch).
    std::optional<HistogramQuantiles> flush();
    std::size_t bucketCount() const { return m_previous.size(); }

private:
    std::optional<HistogramQuantiles> finish();

    std::vector<HistogramBucket> m_previous; // sorted by bound
    std::vector<HistogramBucket> m_pending;
    std::vector<HistogramBucket> m_scratch;
    Timestamp m_previousTs = 0;
    Timestamp m_pendingTs = 0;
    bool m_havePrevious = false;
    bool m_cumulative = true;
};

} // namespace Nocturne::Engine
