#pragma once

#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "detect/anomaly_events.h"
#include "detect/series_detector.h"
#include "model/bounded_buffer.h"
#include "model/series_store.h"

namespace Nocturne::Engine {

// Runs the streaming detector on every sample the engine accepts, keeps the expected band and score next to the data
// (as derived series, so charts query them like any other series), and builds anomaly events per entity.
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

private:
    struct PerSeries {
        SeriesDetector detector;
        std::string entity;
        std::string metric;
        BandIds bands;
        bool derived = false; // a band series itself: never scored
        bool known = false;
        Timestamp lastTs = INT64_MIN;
        double intervalSeconds = 0; // EW estimate of the sampling interval, for grouping series per entity
    };
    PerSeries &slot(SeriesId id); // caller holds m_mutex

    SeriesStore &m_store;
    Options m_options;
    mutable std::mutex m_mutex;
    std::vector<PerSeries> m_series;    // guarded by m_mutex, indexed by SeriesId
    AnomalyEventBuilder m_events;       // guarded by m_mutex
    std::uint64_t m_scored = 0;         // guarded by m_mutex
    std::vector<SampleRef> m_bandBuffer; // guarded by m_mutex
};

} // namespace Nocturne::Engine
