#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "model/metric_type.h"
#include "model/series_key.h"

namespace Nocturne::Engine {

struct ParsedSample {
    SeriesKey key;
    double value = 0;
    std::optional<Timestamp> ts; // from the exposition (milliseconds there), if present
    MetricType type = MetricType::Untyped; // of the sample's family (# TYPE), found by name with its suffix removed
};

struct ParseIssue {
    std::size_t line = 0;   // 1-based
    std::size_t column = 0; // 1-based byte column
    std::string reason;
};

struct MetricFamily {
    MetricType type = MetricType::Untyped;
    std::string help;
};

struct ExpositionResult {
    std::vector<ParsedSample> samples;
    std::map<std::string, MetricFamily> families;
    std::vector<ParseIssue> issues; // one per rejected line; every other line is kept
    std::size_t skippedSentinels = 0;
};

struct ExpositionOptions {
    std::size_t maxLineBytes = 64 * 1024;
    std::size_t maxLabels = 64;
    // DCGM reports "no value" as 9223372036854775794 (and nearby sentinels): not a measurement, skipped and counted.
    bool skipDcgmBlank = true;
};

// Parser for the Prometheus text exposition format 0.0.4: # HELP / # TYPE metadata, samples with escaped label values,
// optional millisecond timestamps, NaN and ±Inf, histogram and summary series. A bad line is reported with its line,
// column and reason and skipped; it never stops the rest of the document.
ExpositionResult parseExposition(std::string_view text, const ExpositionOptions &options = {});

} // namespace Nocturne::Engine
