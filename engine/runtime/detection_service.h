#pragma once

#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "detect/anomaly_events.h"
#include "detect/counter_rates.h"
#include "detect/series_detector.h"
#include "model/bounded_buffer.h"
#include "model/series_store.h"

namespace Nocturne::Engine {

// Runs the streaming detector on every sample the engine accepts, keeps the expected band and score next to the data
// (as derived series, so charts query them like any other series), and builds anomaly events per entity.
// What is scored depends on the series' role (model/metric_type.h), as a Prometheus user would look at it:
// - a gauge is scored as it is;
// - a counter is scored on its per-second rate (CounterRateTracker), stored as the series `<name>:rate` with the
//   counter's labels; the raw counter is stored as delivered and never scored;
// - the buckets of one histogram (same labels but `le`) become p50 and p99 per interval (HistogramQuantileTracker),
//   stored and scored as `<base>:p50` / `<base>:p99`; the raw buckets are stored and never scored.
// Bands and events of a derived series carry its own name (`node_cpu_seconds_total:rate`), so an alert says it is
// about the rate. A series whose declared type changes starts its rate or detector afresh.
// Thread-safe: feeds call process() from their own threads.
class DetectionService
{
public:
    struct Options {
        DetectorConfig detector;
        EventConfig events;
        bool storeBands = true; // derived series nocturne_expected_lower/upper and nocturne_anomaly_score
    };

    DetectionService(SeriesStore &store, Options options);

    void process(std::span<const SampleRef> samples);
    void addEvidence(const std::string &entity, const std::string &what, Timestamp ts, double score, AnomalyReason reason);
    // Closes events that have gone quiet; call when simulated or wall time moves on.
    void advance(Timestamp now);

    // Events opened, extended or closed since the last call, in id order.
    std::vector<AnomalyEvent> takeChanged();
    std::vector<AnomalyEvent> openEvents() const;
    std::uint64_t eventCount() const;
    std::uint64_t scoredSamples() const;

    struct BandIds {
        SeriesId lower, upper, score;
    };
    // Derived series for a source series (invalid ids when bands are off or unknown yet).
    BandIds bandsOf(SeriesId id) const;
    static bool isDerived(const SeriesKey &key);
    // The `<name>:rate` series of a counter, once its first rate exists (invalid for other series): what charts show
    // for a counter by default.
    SeriesId rateOf(SeriesId id) const;
    static constexpr const char *kRateSuffix = ":rate";

private:
    struct PerSeries {
        SeriesDetector detector;
        std::string entity;
        std::string metric;
        BandIds bands;
        bool derived = false; // a band series itself: never scored
        bool known = false;
        bool typed = false;                     // role worked out at least once
        MetricType type = MetricType::Untyped; // as last read from the store
        SeriesRole role = SeriesRole::Gauge;
        Timestamp lastTs = INT64_MIN;
        double intervalSeconds = 0; // EW estimate of the sampling interval, for grouping series per entity
        CounterRateTracker counter; // Counter role
        SeriesId rate;              // Counter role: the `<name>:rate` series, interned at the first rate
        double upperBound = 0;      // histogram bucket roles: the `le` bound
        std::uint32_t histogram = 0; // histogram bucket roles: index in m_histograms
    };
    struct Histogram {
        HistogramQuantileTracker tracker;
        SeriesId p50, p99;
        bool touched = false; // fed in the current batch
    };
    PerSeries &slot(SeriesId id); // caller holds m_mutex
    void updateRole(SeriesId id);  // caller holds m_mutex
    void score(SeriesId id, Timestamp ts, double value); // caller holds m_mutex
    void emitQuantiles(const Histogram &histogram, const HistogramQuantiles &q); // caller holds m_mutex

    SeriesStore &m_store;
    Options m_options;
    mutable std::mutex m_mutex;
    std::vector<PerSeries> m_series;    // guarded by m_mutex, indexed by SeriesId
    AnomalyEventBuilder m_events;       // guarded by m_mutex
    std::uint64_t m_scored = 0;         // guarded by m_mutex
    std::vector<SampleRef> m_bandBuffer; // guarded by m_mutex
    std::vector<SampleRef> m_derivedBuffer; // rates and quantiles of this batch; guarded by m_mutex
    std::deque<Histogram> m_histograms;     // guarded by m_mutex
    std::unordered_map<std::string, std::uint32_t> m_histogramIndex; // canonical key without le → index; guarded by m_mutex
    std::vector<std::uint32_t> m_touchedHistograms; // guarded by m_mutex
};

} // namespace Nocturne::Engine
