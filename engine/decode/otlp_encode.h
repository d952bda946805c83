#pragma once

#include <span>
#include <string>
#include <utility>

#include "model/records.h"
#include "model/series_key.h"

namespace Nocturne::Engine {

// otlp_proto payloads exactly as the OpenTelemetry Collector's Kafka exporter writes them (serialized MetricsData /
// LogsData / TracesData). Used by `nocturne-engine mock-kafka`, the integration tests and bench_ingest; the decoders
// read them back to the same series, records and spans.
struct OtlpPoint {
    const SeriesKey *key = nullptr;
    double value = 0;
};
// Gauge points at `ts`; points of the same metric name share one Metric. Labels become point attributes.
std::string encodeOtlpMetrics(std::span<const OtlpPoint> points, Timestamp ts);
// One ResourceLogs per source (service.name = LogRecord::source).
std::string encodeOtlpLogs(std::span<const LogRecord> logs);
// One ResourceSpans per service; client spans carry peer.service.
std::string encodeOtlpSpans(std::span<const SpanRecord> spans);

} // namespace Nocturne::Engine
