#pragma once

#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "decode/feed_decoding.h"

namespace Nocturne::Engine::Detail {

// The OTLP → Nocturne data model mapping shared by the otlp_proto and otlp_json decoders, so both produce exactly the
// same series, log records and spans from the same data:
// - metric and attribute names are sanitised to the Prometheus alphabet ("http.server.duration" → http_server_duration);
// - resource attributes and data point attributes both become labels, point attributes win on a clash;
// - gauge and sum points are one sample; histograms become <name>_bucket{le=…} (cumulative), <name>_sum and
//   <name>_count, summaries <name>{quantile=…}, <name>_sum and <name>_count, exponential histograms <name>_sum and
//   <name>_count (their buckets are not mapped);
// - every series is typed in the store for detection: a monotonic cumulative sum is a counter (scored on its rate),
//   any other sum a gauge (a delta sum already counts one interval); a cumulative histogram is a histogram (buckets
//   become quantiles, _count/_sum counters), a delta one a gauge histogram (its buckets already count one interval);
// - points flagged "no recorded value" are skipped (not rejected); a point time of 0 means "received time".
// - log source is the resource's service.name (else the context source); spans keep the low 64 bits of the trace id.
class OtlpMapper
{
public:
    OtlpMapper(SeriesResolver &resolver, DecodeOutput &out, const DecodeContext &context);

    // Resource scope: labels (and log source / span service) for everything until the next beginResource().
    void beginResource();
    void resourceAttribute(std::string_view key, std::string value);

    void beginPoint(); // clears the point attributes
    void pointAttribute(std::string_view key, std::string value);
    void number(std::string_view metric, std::uint64_t timeUnixNano, double value, MetricType type = MetricType::Gauge);
    void histogram(std::string_view metric, std::uint64_t timeUnixNano, double count, const double *sum,
                   std::span<const double> bounds, std::span<const double> bucketCounts, bool cumulative = true);
    void summary(std::string_view metric, std::uint64_t timeUnixNano, double count, double sum,
                 std::span<const std::pair<double, double>> quantiles);
    void exponentialHistogram(std::string_view metric, std::uint64_t timeUnixNano, double count, const double *sum,
                              bool cumulative = true);

    void log(std::uint64_t timeUnixNano, int severityNumber, std::string_view severityText, std::string body);
    void span(std::uint64_t traceId, std::uint64_t spanId, std::uint64_t parentSpanId, std::string_view name,
              int kind, std::uint64_t startUnixNano, std::uint64_t endUnixNano, bool error);

    void reject(const char *reason, std::string detail) { m_out.rejects.push_back({reason, std::move(detail), {}}); }
    std::string_view service() const { return m_service; }

private:
    Timestamp timeOf(std::uint64_t unixNano) const;
    void emit(std::string_view metric, std::string_view suffix, Timestamp ts, double value, MetricType type,
              std::string_view extraName = {}, std::string_view extraValue = {});
    std::string_view pointAttributeValue(std::string_view key) const;

    SeriesResolver &m_resolver;
    DecodeOutput &m_out;
    const DecodeContext &m_context;
    std::vector<std::pair<std::string, std::string>> m_resource;
    std::vector<std::pair<std::string, std::string>> m_point;
    std::size_t m_pointCount = 0;
    std::string m_service;
    std::string m_name;
    std::string m_extra;
    std::vector<LabelView> m_labels;
};

// AggregationTemporality in OTLP (proto enum values; OTLP/JSON may spell them as names).
inline constexpr int kTemporalityDelta = 1;
inline constexpr int kTemporalityCumulative = 2;
// The type of an OTLP Sum: a counter only when monotonic and cumulative.
MetricType sumType(bool isMonotonic, int temporality);

// Formats a double for a label value (le="0.5", quantile="0.99", "+Inf").
std::string formatLabelNumber(double value);
// Trace/span ids: bytes (proto) or hex (JSON) → the low 64 bits as an integer; 0 when empty or malformed.
std::uint64_t idFromBytes(std::string_view bytes);
std::uint64_t idFromHex(std::string_view hex);

} // namespace Nocturne::Engine::Detail
