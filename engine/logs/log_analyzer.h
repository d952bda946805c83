#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "detect/series_detector.h"
#include "logs/error_classifier.h"
#include "logs/template_miner.h"
#include "model/records.h"

namespace Nocturne::Engine {

enum class LogAnomalyKind : std::uint8_t { NewTemplate, Burst, Drop, ErrorRatio };
const char *logAnomalyKindName(LogAnomalyKind kind);

// A log anomaly with the lines that show it: what the RCA engine and the war-room cite as evidence.
struct LogAnomaly {
    LogAnomalyKind kind = LogAnomalyKind::NewTemplate;
    std::string source;
    TemplateId templateId;
    std::string templateText;
    ErrorClass errorClass = ErrorClass::None;
    Timestamp ts = 0;     // start of the bucket (or the line, for a new template)
    double count = 0;     // lines in the bucket (error ratio for ErrorRatio)
    double expected = 0;
    double score = 0;
    std::vector<std::string> samples; // up to a few raw lines
};

struct TemplateStats {
    std::string source;
    TemplateId id;
    std::string text;
    ErrorClass errorClass = ErrorClass::None;
    std::uint64_t count = 0;
    Timestamp firstSeen = 0, lastSeen = 0;
    std::vector<double> recentCounts; // per bucket, oldest first (for sparklines)
};

// Per-source template mining plus log anomalies: a template never seen before (after the source's warm-up), a burst
// or a drop of a template's count per bucket (the metric detector on template counts), and a change of the source's
// error ratio. Buckets close when time advances past them. Not thread-safe: the engine serialises calls.
class LogAnalyzer
{
public:
    struct Config {
        Duration bucket = kMinute;
        Duration newTemplateWarmup = 15 * kMinute; // new templates in a source's first minutes are learning, not news
        double minMeanForDrop = 5;                 // a drop only counts for templates that normally have volume
        std::size_t samplesPerAnomaly = 3;
        std::size_t sparklineBuckets = 60;
        MinerConfig miner;
        DetectorConfig detector;
    };

    struct AddResult {
        TemplateId templateId;
        bool isNew = false;
        ErrorClass errorClass = ErrorClass::None;
    };

    explicit LogAnalyzer(Config config);
    LogAnalyzer() : LogAnalyzer(Config{}) {}
    ~LogAnalyzer();

    AddResult add(Timestamp ts, const std::string &source, LogLevel level, std::string_view message);
    // Closes every bucket that ends at or before `now` and returns the anomalies found in them (and new templates).
    std::vector<LogAnomaly> advance(Timestamp now);

    std::vector<TemplateStats> templateStats(std::size_t limit = 1000) const;

    // What survives a restart: every source's templates (text, count, first/last seen), ids = positions.
    struct SavedTemplate {
        std::string source;
        std::uint32_t id = 0;
        std::string text;
        std::uint64_t count = 0;
        Timestamp firstSeen = 0, lastSeen = 0;
    };
    std::vector<SavedTemplate> exportTemplates() const;
    // Restores templates saved by exportTemplates() (before any line of those sources is added).
    void importTemplates(const std::vector<SavedTemplate> &saved);
    std::size_t sourceCount() const { return m_sources.size(); }
    std::uint64_t lines() const { return m_lines; }

private:
    struct TemplateState;
    struct SourceState;
    SourceState &source(const std::string &name, Timestamp ts);
    void closeBucket(SourceState &source, std::vector<LogAnomaly> &out);

    Config m_config;
    std::map<std::string, std::unique_ptr<SourceState>> m_sources;
    std::vector<LogAnomaly> m_pendingNew;
    std::uint64_t m_lines = 0;
};

} // namespace Nocturne::Engine
