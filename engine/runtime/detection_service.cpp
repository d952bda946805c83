#include "detection_service.h"

#include <cmath>
#include <cstdlib>
#include <limits>

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

// The `le` label as a bound: "+Inf", "0.25", "1e3"; NaN when it is not a number.
double parseBound(std::string_view text)
{
    if (text == "+Inf" || text == "Inf" || text == "inf" || text == "+inf")
        return std::numeric_limits<double>::infinity();
    const std::string copy(text);
    char *end = nullptr;
    const double v = std::strtod(copy.c_str(), &end);
    return !copy.empty() && end == copy.c_str() + copy.size() ? v : std::numeric_limits<double>::quiet_NaN();
}

std::string_view withoutSuffix(std::string_view name, std::string_view suffix)
{
    return name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix
               ? name.substr(0, name.size() - suffix.size())
               : name;
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
        } else {
            s.derived = true; // unknown id: nothing to score
        }
    }
    return s;
}

void DetectionService::updateRole(SeriesId id)
{
    const MetricType type = m_store.type(id);
    if (m_series[id.value].typed && m_series[id.value].type == type)
        return;
    const auto key = m_store.key(id);
    if (!key)
        return;
    const SeriesRole role = seriesRole(*key, type);
    double upperBound = 0;
    std::uint32_t histogram = 0;
    if (role == SeriesRole::HistogramBucket || role == SeriesRole::GaugeHistogramBucket) {
        upperBound = parseBound(key->label("le"));
        Labels labels;
        for (const Label &l : key->labels) {
            if (l.name != "le")
                labels.push_back(l);
        }
        const std::string base(withoutSuffix(key->name, "_bucket"));
        const SeriesKey group = SeriesKey::make(base, labels);
        const std::string canonical = group.canonical() + (role == SeriesRole::GaugeHistogramBucket ? "#gauge" : "");
        auto it = m_histogramIndex.find(canonical);
        if (it == m_histogramIndex.end()) {
            Histogram h{HistogramQuantileTracker(role == SeriesRole::HistogramBucket), {}, {}, false};
            h.p50 = m_store.intern(SeriesKey::make(base + ":p50", labels));
            h.p99 = m_store.intern(SeriesKey::make(base + ":p99", labels));
            m_store.setType(h.p50, MetricType::Gauge);
            m_store.setType(h.p99, MetricType::Gauge);
            m_histograms.push_back(std::move(h));
            it = m_histogramIndex.emplace(canonical, std::uint32_t(m_histograms.size() - 1)).first;
        }
        histogram = it->second;
    }
    PerSeries &s = slot(id); // interning above may have grown m_series: take the reference afterwards
    if (s.typed && s.role != role) {
        // A new meaning for the same values: what was learnt about the old one does not apply.
        s.detector = SeriesDetector{};
        s.lastTs = INT64_MIN;
        s.intervalSeconds = 0;
        s.counter.reset();
    }
    s.typed = true;
    s.type = type;
    s.role = role;
    s.upperBound = upperBound;
    s.histogram = histogram;
}

void DetectionService::score(SeriesId id, Timestamp ts, double value)
{
    PerSeries &s = slot(id);
    if (s.derived)
        return;
    if (m_options.storeBands && !s.bands.score.isValid()) {
        // Only series that are scored get bands (not raw counters or buckets). They carry the source's labels plus
        // `series` = its metric name.
        if (auto key = m_store.key(id)) {
            Labels labels = key->labels;
            labels.push_back({"series", key->name});
            s.bands.lower = m_store.intern(SeriesKey::make(kLower, labels));
            s.bands.upper = m_store.intern(SeriesKey::make(kUpper, labels));
            s.bands.score = m_store.intern(SeriesKey::make(kScore, labels));
        }
    }
    const Detection d = s.detector.update(ts, value, m_options.detector);
    if (d.reason == AnomalyReason::BadValue || d.reason == AnomalyReason::OutOfOrder || d.reason == AnomalyReason::Duplicate)
        return;
    ++m_scored;
    if (s.lastTs != INT64_MIN) {
        const double seconds = double(ts - s.lastTs) / double(kSecond);
        s.intervalSeconds = s.intervalSeconds == 0 ? seconds : s.intervalSeconds + 0.1 * (seconds - s.intervalSeconds);
    }
    s.lastTs = ts;
    // Sampling-interval class: series of one entity scraped every 10 s and every 5 min are fused separately.
    // (The first sample of a series has no interval yet and only teaches the detector.)
    if (s.intervalSeconds > 0)
        m_events.add(s.entity, s.metric, ts, d, 1 + int(std::lround(std::log2(std::max(1.0, s.intervalSeconds)))));
    if (s.bands.score.isValid() && d.reason != AnomalyReason::WarmingUp) {
        m_bandBuffer.push_back({s.bands.lower, ts, d.lower});
        m_bandBuffer.push_back({s.bands.upper, ts, d.upper});
        m_bandBuffer.push_back({s.bands.score, ts, d.score});
    }
}

void DetectionService::emitQuantiles(const Histogram &histogram, const HistogramQuantiles &q)
{
    const SeriesId p50 = histogram.p50, p99 = histogram.p99; // score() may grow m_series, never m_histograms
    m_derivedBuffer.push_back({p50, q.ts, q.p50});
    m_derivedBuffer.push_back({p99, q.ts, q.p99});
    score(p50, q.ts, q.p50);
    score(p99, q.ts, q.p99);
}

void DetectionService::process(std::span<const SampleRef> samples)
{
    std::lock_guard lock(m_mutex);
    m_bandBuffer.clear();
    m_derivedBuffer.clear();
    for (const SampleRef &sample : samples) {
        if (slot(sample.series).derived)
            continue;
        updateRole(sample.series);
        PerSeries &s = m_series[sample.series.value];
        switch (s.role) {
        case SeriesRole::Gauge:
            score(sample.series, sample.ts, sample.value);
            break;
        case SeriesRole::Counter: {
            const auto rate = s.counter.update(sample.ts, sample.value);
            if (!rate)
                break;
            if (!s.rate.isValid()) {
                auto key = m_store.key(sample.series);
                if (!key)
                    break;
                const SeriesId rateId = m_store.intern(SeriesKey::make(key->name + kRateSuffix, key->labels));
                m_store.setType(rateId, MetricType::Gauge);
                m_series[sample.series.value].rate = rateId; // intern does not touch m_series, but slot() below will
            }
            const SeriesId rateId = m_series[sample.series.value].rate;
            m_derivedBuffer.push_back({rateId, sample.ts, *rate});
            score(rateId, sample.ts, *rate);
            break;
        }
        case SeriesRole::HistogramBucket:
        case SeriesRole::GaugeHistogramBucket: {
            Histogram &h = m_histograms[s.histogram];
            if (!h.touched) {
                h.touched = true;
                m_touchedHistograms.push_back(s.histogram);
            }
            if (auto q = h.tracker.add(sample.ts, s.upperBound, sample.value))
                emitQuantiles(h, *q);
            break;
        }
        }
    }
    for (std::uint32_t index : m_touchedHistograms) {
        Histogram &h = m_histograms[index];
        h.touched = false;
        if (auto q = h.tracker.flush())
            emitQuantiles(h, *q);
    }
    m_touchedHistograms.clear();
    m_store.appendBatch(m_derivedBuffer);
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

SeriesId DetectionService::rateOf(SeriesId id) const
{
    std::lock_guard lock(m_mutex);
    if (id.value >= m_series.size() || m_series[id.value].role != SeriesRole::Counter)
        return {};
    return m_series[id.value].rate;
}

DetectionService::BandIds DetectionService::bandsOf(SeriesId id) const
{
    std::lock_guard lock(m_mutex);
    if (id.value >= m_series.size())
        return {};
    return m_series[id.value].bands;
}

} // namespace Nocturne::Engine
