#include "model/metric_type.h"

namespace Nocturne::Engine {

namespace {
bool endsWith(std::string_view s, std::string_view suffix)
{
    return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
} // namespace

const char *metricTypeName(MetricType type)
{
    switch (type) {
    case MetricType::Untyped: return "untyped";
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Histogram: return "histogram";
    case MetricType::Summary: return "summary";
    case MetricType::GaugeHistogram: return "gaugehistogram";
    }
    return "untyped";
}

MetricType metricTypeFromName(std::string_view name)
{
    for (MetricType type : {MetricType::Counter, MetricType::Gauge, MetricType::Histogram, MetricType::Summary,
                            MetricType::GaugeHistogram}) {
        if (name == metricTypeName(type))
            return type;
    }
    return MetricType::Untyped;
}

std::string_view familyBaseName(std::string_view sampleName)
{
    for (std::string_view suffix : {"_total", "_created", "_bucket", "_count", "_sum", "_gcount", "_gsum", "_info"}) {
        if (endsWith(sampleName, suffix))
            return sampleName.substr(0, sampleName.size() - suffix.size());
    }
    return {};
}

SeriesRole seriesRole(const SeriesKey &key, MetricType type)
{
    const std::string_view name = key.name;
    // OpenMetrics' _created is the counter's start time (a timestamp, not a count) in every family that has one.
    if (endsWith(name, "_created"))
        return SeriesRole::Gauge;
    const bool hasLe = !key.label("le").empty();
    switch (type) {
    case MetricType::Gauge:
        return SeriesRole::Gauge;
    case MetricType::Counter:
        return SeriesRole::Counter;
    case MetricType::Histogram:
        if (endsWith(name, "_bucket"))
            return hasLe ? SeriesRole::HistogramBucket : SeriesRole::Counter;
        return endsWith(name, "_count") || endsWith(name, "_sum") ? SeriesRole::Counter : SeriesRole::Gauge;
    case MetricType::GaugeHistogram:
        return endsWith(name, "_bucket") && hasLe ? SeriesRole::GaugeHistogramBucket : SeriesRole::Gauge;
    case MetricType::Summary:
        // The quantile series are gauges; the observation count and sum only ever grow.
        return endsWith(name, "_count") || endsWith(name, "_sum") ? SeriesRole::Counter : SeriesRole::Gauge;
    case MetricType::Untyped:
        break;
    }
    if (endsWith(name, "_bucket"))
        return hasLe ? SeriesRole::HistogramBucket : SeriesRole::Counter;
    if (endsWith(name, "_total") || endsWith(name, "_count") || endsWith(name, "_sum"))
        return SeriesRole::Counter;
    return SeriesRole::Gauge;
}

} // namespace Nocturne::Engine
