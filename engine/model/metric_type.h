#pragma once

#include <cstdint>
#include <string_view>

#include "model/series_key.h"

namespace Nocturne::Engine {

// What a source says a series is (Prometheus # TYPE, the OTLP data kind). Untyped when the source does not say.
// GaugeHistogram is OpenMetrics' histogram whose buckets count one interval each (an OTLP delta histogram is one).
enum class MetricType : std::uint8_t { Untyped, Counter, Gauge, Histogram, Summary, GaugeHistogram };
const char *metricTypeName(MetricType type);
// The Prometheus / OpenMetrics word for a type ("counter", "gauge", "histogram", "summary", "gaugehistogram"); Untyped
// for anything else, including an empty word.
MetricType metricTypeFromName(std::string_view name);

// How detection and charts treat one series, from its key and declared type:
// - Gauge: scored as it is;
// - Counter: cumulative, scored on its per-second rate (PromQL rate()); charts show the rate by default;
// - HistogramBucket: one `le` bucket of a cumulative histogram; buckets of one histogram become quantiles;
// - GaugeHistogramBucket: the same for buckets that already count one interval.
// Untyped series are recognised by name, as Prometheus users name them: _total, _count and _sum are counters, _bucket
// with an `le` label a histogram bucket (without one, a counter). A declared type always wins over the name.
enum class SeriesRole : std::uint8_t { Gauge, Counter, HistogramBucket, GaugeHistogramBucket };
SeriesRole seriesRole(const SeriesKey &key, MetricType type);

// The name of the family a sample name belongs to when it carries one of the exposition suffixes (_total, _created,
// _bucket, _count, _sum, _gcount, _gsum, _info), else empty.
std::string_view familyBaseName(std::string_view sampleName);

} // namespace Nocturne::Engine
