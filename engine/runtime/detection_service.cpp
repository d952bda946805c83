#include "detection_service.h"

#include <cmath>

namespace Nocturne::Engine {

namespace {
const char *const kLower = "nocturne_expected_lower";
const char *const kUpper = "nocturne_expected_upper";
const char *const kScore = "nocturne_anomaly_score";

// The entity a series describes: the scenario's `entity` label, else the usual Prometheus identity labels.
std::string entityOf(const SeriesKey &key)
{
    for (const char *label : {"entity", "service", "instance", "pod", "host", "job"}) {
        const std::string_view value = key.label(label);
        if (!value.empty())
            return std::string(value);
    }
    return key.name;
}
} // namespace

DetectionService::DetectionService(SeriesStore &store, Options options)
    : m_store(store)
    , m_options(options)
    , m_events(options.events)
{
}

bool DetectionService::isDerived(const SeriesKey &key)
{
    return key.name == kLower || key.name == kUpper || key.name == kScore;
}

DetectionService::PerSeries &DetectionService::slot(SeriesId id)
{
    if (id.value >= m_series.size())
        m_series.resize(std::size_t(id.value) + 1);
    PerSeries &s = m_series[id.value];
    if (!s.known) {
        s.known = true;
        if (auto key = m_store.key(id)) {
            s.derived = isDerived(*key);
            s.entity = entityOf(*key);
            s.metric = key->name;
            if (!s.derived && m_options.storeBands) {
                // The band series carry the source's labels plus `series` = its metric name.
                Labels labels = key->labels;
                labels.push_back({"series", key->name});
                s.bands.lower = m_store.intern(SeriesKey::make(kLower, labels));
                s.bands.upper = m_store.intern(SeriesKey::make(kUpper, labels));
                s.bands.score = m_store.intern(SeriesKey::make(kScore, labels));
            }
        } else {
            s.derived = true; // unknown id: nothing to score
        }
    }
    return s;
}

void DetectionService::process(std::span<const SampleRef> samples)
{
    std::lock_guard lock(m_mutex);
    m_bandBuffer.clear();
    for (const SampleRef &sample : samples) {
        PerSeries &s = slot(sample.series);
        if (s.derived)
            continue;
        const Detection d = s.detector.update(sample.ts, sample.value, m_options.detector);
        if (d.reason == AnomalyReason::BadValue || d.reason == AnomalyReason::OutOfOrder || d.reason == AnomalyReason::Duplicate)
            continue;
        ++m_scored;
        if (s.lastTs != INT64_MIN) {
            const double seconds = double(sample.ts - s.lastTs) / double(kSecond);
            s.intervalSeconds = s.intervalSeconds == 0 ? seconds : s.intervalSeconds + 0.1 * (seconds - s.intervalSeconds);
        }
        s.lastTs = sample.ts;
        // Sampling-interval class: series of one entity scraped every 10 s and every 5 min are fused separately.
        // (The first sample of a series has no interval yet and only teaches the detector.)
        if (s.intervalSeconds > 0)
            m_events.add(s.entity, s.metric, sample.ts, d, 1 + int(std::lround(std::log2(std::max(1.0, s.intervalSeconds)))));
        if (s.bands.score.isValid() && d.reason != AnomalyReason::WarmingUp) {
            m_bandBuffer.push_back({s.bands.lower, sample.ts, d.lower});
            m_bandBuffer.push_back({s.bands.upper, sample.ts, d.upper});
            m_bandBuffer.push_back({s.bands.score, sample.ts, d.score});
        }
    }
    m_store.appendBatch(m_bandBuffer);
}

void DetectionService::addEvidence(const std::string &entity, const std::string &what, Timestamp ts, double score,
                                   AnomalyReason reason)
{
    std::lock_guard lock(m_mutex);
    m_events.addEvidence(entity, what, ts, score, reason);
}

void DetectionService::advance(Timestamp now)
{
    std::lock_guard lock(m_mutex);
    m_events.advance(now);
}

std::vector<AnomalyEvent> DetectionService::takeChanged()
{
    std::lock_guard lock(m_mutex);
    return m_events.takeChanged();
}

std::vector<AnomalyEvent> DetectionService::openEvents() const
{
    std::lock_guard lock(m_mutex);
    return m_events.openEvents();
}

std::uint64_t DetectionService::eventCount() const
{
    std::lock_guard lock(m_mutex);
    return m_events.eventCount();
}

std::uint64_t DetectionService::scoredSamples() const
{
    std::lock_guard lock(m_mutex);
    return m_scored;
}

DetectionService::BandIds DetectionService::bandsOf(SeriesId id) const
{
    std::lock_guard lock(m_mutex);
    if (id.value >= m_series.size())
        return {};
    return m_series[id.value].bands;
}

} // namespace Nocturne::Engine
