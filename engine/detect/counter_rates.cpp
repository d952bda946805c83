#include "detect/counter_rates.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace Nocturne::Engine {

std::optional<double> CounterRateTracker::update(Timestamp ts, double value)
{
    if (!std::isfinite(value))
        return std::nullopt; // NaN (a Prometheus staleness marker) or ±Inf: the next finite sample rates across the gap
    if (!m_have) {
        m_have = true;
        m_lastTs = ts;
        m_lastValue = value;
        return std::nullopt;
    }
    if (ts < m_lastTs)
        return std::nullopt;
    if (ts == m_lastTs) {
        m_lastValue = value;
        return std::nullopt;
    }
    // ts > m_lastTs: the unsigned difference is exact even across the whole int64 range.
    const double seconds = double(std::uint64_t(ts) - std::uint64_t(m_lastTs)) / double(kSecond);
    double increase = value - m_lastValue;
    if (value < m_lastValue) {
        increase = value;
        ++m_resets;
    }
    m_lastTs = ts;
    m_lastValue = value;
    return increase / seconds;
}

double histogramQuantile(double q, std::vector<HistogramBucket> buckets)
{
    if (std::isnan(q))
        return std::numeric_limits<double>::quiet_NaN();
    if (q < 0)
        return -std::numeric_limits<double>::infinity();
    if (q > 1)
        return std::numeric_limits<double>::infinity();
    std::erase_if(buckets, [](const HistogramBucket &b) { return std::isnan(b.upperBound) || std::isnan(b.count); });
    std::sort(buckets.begin(), buckets.end(),
              [](const HistogramBucket &a, const HistogramBucket &b) { return a.upperBound < b.upperBound; });
    if (buckets.size() < 2 || !std::isinf(buckets.back().upperBound) || buckets.back().upperBound < 0)
        return std::numeric_limits<double>::quiet_NaN();
    // Same bound twice (e.g. le="1" and le="1.0"): one bucket with both counts, as PromQL's coalesceBuckets does.
    std::size_t n = 0;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        if (n > 0 && buckets[n - 1].upperBound == buckets[i].upperBound)
            buckets[n - 1].count += buckets[i].count;
        else
            buckets[n++] = buckets[i];
    }
    buckets.resize(n);
    if (buckets.size() < 2)
        return std::numeric_limits<double>::quiet_NaN();
    for (std::size_t i = 1; i < buckets.size(); ++i)
        buckets[i].count = std::max(buckets[i].count, buckets[i - 1].count);
    const double observations = buckets.back().count;
    if (!(observations > 0) || std::isinf(observations))
        return std::numeric_limits<double>::quiet_NaN();
    double rank = q * observations;
    const auto it = std::lower_bound(buckets.begin(), buckets.end(), rank,
                                     [](const HistogramBucket &b, double r) { return b.count < r; });
    const std::size_t b = std::size_t(it - buckets.begin());
    if (b >= buckets.size() - 1)
        return buckets[buckets.size() - 2].upperBound;
    if (b == 0 && buckets[0].upperBound <= 0)
        return buckets[0].upperBound;
    double bucketStart = 0;
    const double bucketEnd = buckets[b].upperBound;
    double count = buckets[b].count;
    if (b > 0) {
        bucketStart = buckets[b - 1].upperBound;
        count -= buckets[b - 1].count;
        rank -= buckets[b - 1].count;
    }
    return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

std::optional<HistogramQuantiles> HistogramQuantileTracker::add(Timestamp ts, double upperBound, double count)
{
    if (std::isnan(upperBound) || !std::isfinite(count))
        return std::nullopt;
    if (m_havePrevious && ts <= m_previousTs)
        return std::nullopt; // older than the last finished set: out of order
    std::optional<HistogramQuantiles> finished;
    if (!m_pending.empty()) {
        if (ts < m_pendingTs)
            return std::nullopt;
        if (ts > m_pendingTs)
            finished = finish();
    }
    if (m_pending.empty())
        m_pendingTs = ts;
    for (HistogramBucket &b : m_pending) {
        if (b.upperBound == upperBound) {
            b.count = count; // re-delivered: the newer value wins, as in the series store
            return finished;
        }
    }
    m_pending.push_back({upperBound, count});
    return finished;
}

std::optional<HistogramQuantiles> HistogramQuantileTracker::flush()
{
    if (m_pending.empty() || m_pending.size() < m_previous.size())
        return std::nullopt;
    return finish();
}

std::optional<HistogramQuantiles> HistogramQuantileTracker::finish()
{
    std::sort(m_pending.begin(), m_pending.end(),
              [](const HistogramBucket &a, const HistogramBucket &b) { return a.upperBound < b.upperBound; });
    const Timestamp ts = m_pendingTs;
    m_scratch.clear();
    if (!m_cumulative) {
        m_scratch = m_pending;
    } else if (m_havePrevious) {
        // Both sets are sorted by bound: walk them together and keep the buckets present in both.
        std::size_t j = 0;
        for (const HistogramBucket &now : m_pending) {
            while (j < m_previous.size() && m_previous[j].upperBound < now.upperBound)
                ++j;
            if (j == m_previous.size() || m_previous[j].upperBound != now.upperBound)
                continue;
            const double before = m_previous[j].count;
            m_scratch.push_back({now.upperBound, now.count >= before ? now.count - before : now.count});
        }
    }
    const bool haveIncreases = !m_cumulative || m_havePrevious;
    m_previous.swap(m_pending);
    m_pending.clear();
    m_previousTs = ts;
    m_havePrevious = true;
    if (!haveIncreases)
        return std::nullopt;
    const double p50 = histogramQuantile(0.5, m_scratch);
    const double p99 = histogramQuantile(0.99, m_scratch);
    if (!std::isfinite(p50) || !std::isfinite(p99))
        return std::nullopt;
    return HistogramQuantiles{ts, p50, p99};
}

} // namespace Nocturne::Engine
