// otlp_proto: serialized MetricsData / LogsData / TracesData, as the OpenTelemetry Collector's Kafka exporter writes
// them. Parsed with the protoc-generated classes on a reused arena (no per-message heap churn).
#include <google/protobuf/arena.h>
#include <google/protobuf/stubs/logging.h>

#include <mutex>

#include "decode/decoders_internal.h"
#include "decode/otlp_mapping.h"
#include "opentelemetry/proto/logs/v1/logs.pb.h"
#include "opentelemetry/proto/metrics/v1/metrics.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace Nocturne::Engine::Detail {

namespace pb = opentelemetry::proto;

namespace {
std::string anyValueText(const pb::common::v1::AnyValue &value)
{
    switch (value.value_case()) {
    case pb::common::v1::AnyValue::kStringValue:
        return value.string_value();
    case pb::common::v1::AnyValue::kBoolValue:
        return value.bool_value() ? "true" : "false";
    case pb::common::v1::AnyValue::kIntValue:
        return std::to_string(value.int_value());
    case pb::common::v1::AnyValue::kDoubleValue:
        return formatLabelNumber(value.double_value());
    case pb::common::v1::AnyValue::kArrayValue: {
        std::string out = "[";
        for (const auto &v : value.array_value().values())
            out += (out.size() > 1 ? "," : "") + anyValueText(v);
        return out + "]";
    }
    case pb::common::v1::AnyValue::kKvlistValue: {
        std::string out = "{";
        for (const auto &kv : value.kvlist_value().values())
            out += (out.size() > 1 ? "," : "") + kv.key() + "=" + anyValueText(kv.value());
        return out + "}";
    }
    case pb::common::v1::AnyValue::kBytesValue:
        return printableExcerpt(value.bytes_value(), 256);
    case pb::common::v1::AnyValue::VALUE_NOT_SET:
        break;
    }
    return {};
}

void silenceProtobufLogging()
{
    // libprotobuf prints parse problems (e.g. invalid UTF-8 in a string field) to stderr; each one is reported as a
    // reject with its feed and offset instead, so the library's own lines are dropped.
    static std::once_flag once;
    std::call_once(once, [] { google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char *, int, const std::string &) {}); });
}

template<typename Resource>
void mapResource(OtlpMapper &mapper, const Resource &resource)
{
    mapper.beginResource();
    for (const auto &kv : resource.attributes())
        mapper.resourceAttribute(kv.key(), anyValueText(kv.value()));
}

template<typename Point>
void mapPointAttributes(OtlpMapper &mapper, const Point &point)
{
    mapper.beginPoint();
    for (const auto &kv : point.attributes())
        mapper.pointAttribute(kv.key(), anyValueText(kv.value()));
}

constexpr std::uint32_t kNoRecordedValue = 1;

class OtlpProtoDecoder final : public FeedDecoder
{
public:
    OtlpProtoDecoder(Signal signal, SeriesStore &store, SeriesResolver::Limits limits)
        : m_signal(signal)
        , m_resolver(store, limits)
        , m_arena(arenaOptions())
    {
        silenceProtobufLogging();
    }

    void decode(std::string_view payload, const DecodeContext &context, DecodeOutput &out) override
    {
        OtlpMapper mapper(m_resolver, out, context);
        if (payload.size() > std::size_t(INT32_MAX)) {
            mapper.reject(RejectReason::TooLarge, "message larger than 2 GiB");
            return;
        }
        switch (m_signal) {
        case Signal::Metrics:
            decodeMetrics(payload, mapper);
            break;
        case Signal::Logs:
            decodeLogs(payload, mapper);
            break;
        case Signal::Traces:
            decodeTraces(payload, mapper);
            break;
        case Signal::Events:
            break;
        }
        m_arena.Reset();
    }

private:
    static google::protobuf::ArenaOptions arenaOptions()
    {
        google::protobuf::ArenaOptions options;
        options.start_block_size = 64 * 1024;
        options.max_block_size = 1024 * 1024;
        return options;
    }

    template<typename Message>
    Message *parse(std::string_view payload, OtlpMapper &mapper, const char *type)
    {
        auto *message = google::protobuf::Arena::CreateMessage<Message>(&m_arena);
        if (!message->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
            mapper.reject(RejectReason::MalformedProto,
                          std::string("not a valid ") + type + " (truncated, wrong wire type or invalid UTF-8 in a string field)");
            return nullptr;
        }
        return message;
    }

    void decodeMetrics(std::string_view payload, OtlpMapper &mapper)
    {
        const auto *data = parse<pb::metrics::v1::MetricsData>(payload, mapper, "OTLP MetricsData");
        if (!data)
            return;
        for (const auto &rm : data->resource_metrics()) {
            mapResource(mapper, rm.resource());
            for (const auto &sm : rm.scope_metrics()) {
                for (const auto &metric : sm.metrics())
                    mapMetric(metric, mapper);
            }
        }
    }

    static void numberPoints(const pb::metrics::v1::Metric &metric,
                             const google::protobuf::RepeatedPtrField<pb::metrics::v1::NumberDataPoint> &points,
                             OtlpMapper &mapper, MetricType type)
    {
        for (const auto &p : points) {
            if (p.flags() & kNoRecordedValue)
                continue;
            mapPointAttributes(mapper, p);
            const double value = p.value_case() == pb::metrics::v1::NumberDataPoint::kAsInt ? double(p.as_int()) : p.as_double();
            mapper.number(metric.name(), p.time_unix_nano(), value, type);
        }
    }

    void mapMetric(const pb::metrics::v1::Metric &metric, OtlpMapper &mapper)
    {
        using M = pb::metrics::v1::Metric;
        switch (metric.data_case()) {
        case M::kGauge:
            numberPoints(metric, metric.gauge().data_points(), mapper, MetricType::Gauge);
            break;
        case M::kSum:
            numberPoints(metric, metric.sum().data_points(), mapper,
                         sumType(metric.sum().is_monotonic(), int(metric.sum().aggregation_temporality())));
            break;
        case M::kHistogram:
            for (const auto &p : metric.histogram().data_points()) {
                if (p.flags() & kNoRecordedValue)
                    continue;
                mapPointAttributes(mapper, p);
                m_counts.assign(p.bucket_counts().begin(), p.bucket_counts().end());
                const double sum = p.sum();
                mapper.histogram(metric.name(), p.time_unix_nano(), double(p.count()), p.has_sum() ? &sum : nullptr,
                                 {p.explicit_bounds().data(), std::size_t(p.explicit_bounds().size())}, m_counts,
                                 int(metric.histogram().aggregation_temporality()) != kTemporalityDelta);
            }
            break;
        case M::kExponentialHistogram:
            for (const auto &p : metric.exponential_histogram().data_points()) {
                if (p.flags() & kNoRecordedValue)
                    continue;
                mapPointAttributes(mapper, p);
                const double sum = p.sum();
                mapper.exponentialHistogram(metric.name(), p.time_unix_nano(), double(p.count()), p.has_sum() ? &sum : nullptr,
                                            int(metric.exponential_histogram().aggregation_temporality()) != kTemporalityDelta);
            }
            break;
        case M::kSummary:
            for (const auto &p : metric.summary().data_points()) {
                if (p.flags() & kNoRecordedValue)
                    continue;
                mapPointAttributes(mapper, p);
                m_quantiles.clear();
                for (const auto &q : p.quantile_values())
                    m_quantiles.emplace_back(q.quantile(), q.value());
                mapper.summary(metric.name(), p.time_unix_nano(), double(p.count()), p.sum(), m_quantiles);
            }
            break;
        case M::DATA_NOT_SET:
            mapper.reject(RejectReason::MissingField, "metric '" + metric.name() + "' has no data");
            break;
        }
    }

    void decodeLogs(std::string_view payload, OtlpMapper &mapper)
    {
        const auto *data = parse<pb::logs::v1::LogsData>(payload, mapper, "OTLP LogsData");
        if (!data)
            return;
        for (const auto &rl : data->resource_logs()) {
            mapResource(mapper, rl.resource());
            for (const auto &sl : rl.scope_logs()) {
                for (const auto &record : sl.log_records()) {
                    const std::uint64_t ts = record.time_unix_nano() ? record.time_unix_nano() : record.observed_time_unix_nano();
                    mapper.log(ts, record.severity_number(), record.severity_text(), anyValueText(record.body()));
                }
            }
        }
    }

    void decodeTraces(std::string_view payload, OtlpMapper &mapper)
    {
        const auto *data = parse<pb::trace::v1::TracesData>(payload, mapper, "OTLP TracesData");
        if (!data)
            return;
        for (const auto &rs : data->resource_spans()) {
            mapResource(mapper, rs.resource());
            for (const auto &ss : rs.scope_spans()) {
                for (const auto &s : ss.spans()) {
                    mapPointAttributes(mapper, s);
                    mapper.span(idFromBytes(s.trace_id()), idFromBytes(s.span_id()), idFromBytes(s.parent_span_id()),
                                s.name(), s.kind(), s.start_time_unix_nano(), s.end_time_unix_nano(),
                                s.status().code() == pb::trace::v1::Status::STATUS_CODE_ERROR);
                }
            }
        }
    }

    Signal m_signal;
    SeriesResolver m_resolver;
    google::protobuf::Arena m_arena;
    std::vector<double> m_counts;
    std::vector<std::pair<double, double>> m_quantiles;
};
} // namespace

std::unique_ptr<FeedDecoder> makeOtlpProtoDecoder(Signal signal, SeriesStore &store, SeriesResolver::Limits limits)
{
    return std::make_unique<OtlpProtoDecoder>(signal, store, limits);
}

} // namespace Nocturne::Engine::Detail
