#include "log_analyzer.h"

#include <algorithm>
#include <cmath>

namespace Nocturne::Engine {

const char *logAnomalyKindName(LogAnomalyKind kind)
{
    switch (kind) {
    case LogAnomalyKind::NewTemplate: return "new-template";
    case LogAnomalyKind::Burst: return "burst";
    case LogAnomalyKind::Drop: return "drop";
    case LogAnomalyKind::ErrorRatio: return "error-ratio";
    }
    return "unknown";
}

struct LogAnalyzer::TemplateState {
    SeriesDetector detector;
    std::uint64_t total = 0;
    std::uint32_t inBucket = 0;
    double mean = 0; // EW mean count per bucket
    Timestamp firstSeen = 0, lastSeen = 0;
    ErrorClass errorClass = ErrorClass::None;
    std::vector<std::string> samples; // lines of the current bucket (a few)
    std::deque<double> recent;
};

struct LogAnalyzer::SourceState {
    TemplateMiner miner;
    std::vector<TemplateState> templates; // by template id
    Timestamp firstSeen = 0;
    Timestamp bucketStart = INT64_MIN;
    std::uint32_t linesInBucket = 0, errorsInBucket = 0;
    SeriesDetector errorRatio;
    std::string name;
};

LogAnalyzer::LogAnalyzer(Config config)
    : m_config(config)
{
    // Counts per bucket are small integers: a short warm-up, alarms once per episode.
    m_config.detector.warmupSamples = 10;
}

LogAnalyzer::~LogAnalyzer() = default;

LogAnalyzer::SourceState &LogAnalyzer::source(const std::string &name, Timestamp ts)
{
    auto &slot = m_sources[name];
    if (!slot) {
        slot = std::make_unique<SourceState>();
        slot->miner = TemplateMiner(m_config.miner);
        slot->firstSeen = ts;
        slot->name = name;
    }
    return *slot;
}

LogAnalyzer::AddResult LogAnalyzer::add(Timestamp ts, const std::string &sourceName, LogLevel level, std::string_view message)
{
    ++m_lines;
    SourceState &s = source(sourceName, ts);
    const Timestamp bucket = ts - ((ts % m_config.bucket) + m_config.bucket) % m_config.bucket;
    if (s.bucketStart == INT64_MIN)
        s.bucketStart = bucket;
    // A line of a later bucket closes the buckets before it (lines may arrive faster than time is advanced).
    for (int guard = 0; bucket > s.bucketStart && guard < 1440; ++guard)
        closeBucket(s, m_pendingNew);
    if (bucket > s.bucketStart)
        s.bucketStart = bucket;
    const std::size_t before = s.miner.templates().size();
    // A record's first line is its message; continuation lines (a stack trace) are evidence, not part of the template.
    const TemplateId id = s.miner.add(message.substr(0, message.find('\n')));
    AddResult result;
    result.templateId = id;
    // A one-word variant of a known message ("user bob" after "user alice") is not news, it is a value not yet known
    // to vary.
    result.isNew = s.miner.templates().size() > before && id.value >= before && !s.miner.lastWasVariant();
    if (s.templates.size() <= id.value)
        s.templates.resize(std::size_t(id.value) + 1);
    TemplateState &t = s.templates[id.value];
    if (result.isNew) {
        t.firstSeen = ts;
        t.errorClass = classifyError(message);
        if (ts - s.firstSeen >= m_config.newTemplateWarmup) {
            LogAnomaly a;
            a.kind = LogAnomalyKind::NewTemplate;
            a.source = sourceName;
            a.templateId = id;
            a.templateText = s.miner.get(id).text();
            a.errorClass = t.errorClass;
            a.ts = ts;
            a.count = 1;
            a.score = level >= LogLevel::Error || t.errorClass != ErrorClass::None ? 0.9 : 0.6;
            a.samples.emplace_back(message);
            m_pendingNew.push_back(std::move(a));
        }
    }
    if (t.errorClass == ErrorClass::None && level >= LogLevel::Warn)
        t.errorClass = classifyError(message);
    result.errorClass = t.errorClass;
    t.lastSeen = ts;
    ++t.total;
    // Lines of a bucket that is already closed (late arrivals) still count in the totals, not in bucket statistics.
    if (bucket >= s.bucketStart) {
        ++t.inBucket;
        if (t.samples.size() < m_config.samplesPerAnomaly)
            t.samples.emplace_back(message);
        ++s.linesInBucket;
        s.errorsInBucket += level >= LogLevel::Error;
    }
    return result;
}

void LogAnalyzer::closeBucket(SourceState &s, std::vector<LogAnomaly> &out)
{
    const Timestamp ts = s.bucketStart;
    for (std::size_t i = 0; i < s.templates.size(); ++i) {
        TemplateState &t = s.templates[i];
        if (t.total == 0)
            continue;
        const double count = t.inBucket;
        const Detection d = t.detector.update(ts, count, m_config.detector);
        t.mean += 0.05 * (count - t.mean);
        t.recent.push_back(count);
        while (t.recent.size() > m_config.sparklineBuckets)
            t.recent.pop_front();
        const bool up = count > d.expected;
        // Counts are Poisson-like: a burst must clear the expected count by more than its own noise, a drop needs a
        // template that normally has volume.
        const double noise = 3.0 * std::sqrt(std::max(d.expected, 0.0)) + 3.0;
        const bool clear = up ? count >= d.expected + noise : (d.expected >= m_config.minMeanForDrop && count <= d.expected - noise);
        const bool anomalous = d.score >= m_config.detector.threshold && clear;
        if (anomalous) {
            LogAnomaly a;
            a.kind = up ? LogAnomalyKind::Burst : LogAnomalyKind::Drop;
            a.source = s.name;
            a.templateId = TemplateId{std::uint32_t(i)};
            a.templateText = s.miner.get(a.templateId).text();
            a.errorClass = t.errorClass;
            a.ts = ts;
            a.count = count;
            a.expected = d.expected;
            a.score = d.score;
            a.samples = t.samples;
            out.push_back(std::move(a));
        }
        t.inBucket = 0;
        t.samples.clear();
    }
    if (s.linesInBucket > 0) {
        const double ratio = double(s.errorsInBucket) / double(s.linesInBucket);
        const Detection d = s.errorRatio.update(ts, ratio, m_config.detector);
        if (d.score >= m_config.detector.threshold && ratio > d.expected) {
            LogAnomaly a;
            a.kind = LogAnomalyKind::ErrorRatio;
            a.source = s.name;
            a.ts = ts;
            a.count = ratio;
            a.expected = d.expected;
            a.score = d.score;
            out.push_back(std::move(a));
        }
    }
    s.linesInBucket = s.errorsInBucket = 0;
    s.bucketStart += m_config.bucket;
}

std::vector<LogAnomaly> LogAnalyzer::advance(Timestamp now)
{
    std::vector<LogAnomaly> out = std::move(m_pendingNew);
    m_pendingNew.clear();
    for (auto &[name, s] : m_sources) {
        // Close every complete bucket; long silences are skipped in one step after a day of empty buckets.
        int guard = 0;
        while (s->bucketStart != INT64_MIN && s->bucketStart + m_config.bucket <= now && guard++ < 1440)
            closeBucket(*s, out);
        if (s->bucketStart != INT64_MIN && s->bucketStart + m_config.bucket <= now)
            s->bucketStart = now - ((now % m_config.bucket) + m_config.bucket) % m_config.bucket;
    }
    return out;
}

std::vector<TemplateStats> LogAnalyzer::templateStats(std::size_t limit) const
{
    std::vector<TemplateStats> out;
    for (const auto &[name, s] : m_sources) {
        for (std::size_t i = 0; i < s->templates.size(); ++i) {
            const TemplateState &t = s->templates[i];
            if (t.total == 0)
                continue;
            TemplateStats stats;
            stats.source = name;
            stats.id = TemplateId{std::uint32_t(i)};
            stats.text = s->miner.get(stats.id).text();
            stats.errorClass = t.errorClass;
            stats.count = t.total;
            stats.firstSeen = t.firstSeen;
            stats.lastSeen = t.lastSeen;
            stats.recentCounts.assign(t.recent.begin(), t.recent.end());
            out.push_back(std::move(stats));
        }
    }
    std::sort(out.begin(), out.end(), [](const TemplateStats &a, const TemplateStats &b) { return a.count > b.count; });
    if (out.size() > limit)
        out.resize(limit);
    return out;
}

} // namespace Nocturne::Engine

namespace Nocturne::Engine {

std::vector<LogAnalyzer::SavedTemplate> LogAnalyzer::exportTemplates() const
{
    std::vector<SavedTemplate> out;
    for (const auto &[name, s] : m_sources) {
        const auto &templates = s->miner.templates();
        for (std::size_t i = 0; i < templates.size(); ++i) {
            SavedTemplate t;
            t.source = name;
            t.id = std::uint32_t(i);
            t.text = templates[i].text();
            if (i < s->templates.size()) {
                t.count = s->templates[i].total;
                t.firstSeen = s->templates[i].firstSeen;
                t.lastSeen = s->templates[i].lastSeen;
            }
            out.push_back(std::move(t));
        }
    }
    return out;
}

void LogAnalyzer::importTemplates(const std::vector<SavedTemplate> &saved)
{
    std::map<std::string, std::vector<const SavedTemplate *>> bySource;
    for (const SavedTemplate &t : saved)
        bySource[t.source].push_back(&t);
    for (auto &[name, list] : bySource) {
        std::sort(list.begin(), list.end(), [](const SavedTemplate *a, const SavedTemplate *b) { return a->id < b->id; });
        SourceState &s = source(name, list.front()->firstSeen);
        std::vector<MinedTemplate> templates;
        s.templates.clear();
        for (const SavedTemplate *t : list) {
            if (t->id != templates.size())
                break; // ids must be dense; a gap means a damaged save: keep what is consistent
            MinedTemplate m;
            std::size_t start = 0;
            while (start <= t->text.size()) {
                const std::size_t space = t->text.find(' ', start);
                const std::string token = t->text.substr(start, space == std::string::npos ? std::string::npos : space - start);
                if (!token.empty())
                    m.tokens.push_back(token);
                if (space == std::string::npos)
                    break;
                start = space + 1;
            }
            m.count = t->count;
            templates.push_back(std::move(m));
            TemplateState state;
            state.total = t->count;
            state.firstSeen = t->firstSeen;
            state.lastSeen = t->lastSeen;
            state.errorClass = classifyError(t->text);
            s.templates.push_back(std::move(state));
        }
        s.miner.restore(std::move(templates));
        // A restored source is past its warm-up: new templates after a restart are news again.
        s.firstSeen = std::min(s.firstSeen, list.front()->firstSeen);
    }
}

} // namespace Nocturne::Engine
