#include "otlp_encode.h"

#include <map>

#include "opentelemetry/proto/logs/v1/logs.pb.h"
#include "opentelemetry/proto/metrics/v1/metrics.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace Nocturne::Engine {

namespace pb = opentelemetry::proto;

namespace {
void setString(pb::common::v1::KeyValue *kv, const std::string &key, const std::string &value)
{
    kv->set_key(key);
    kv->mutable_value()->set_string_value(value);
}

std::string idBytes(std::uint64_t id, std::size_t width)
{
    std::string out(width, '\0');
    for (std::size_t i = 0; i < 8 && i < width; ++i)
        out[width - 1 - i] = char((id >> (8 * i)) & 0xff);
    return out;
}
} // namespace

std::string encodeOtlpMetrics(std::span<const OtlpPoint> points, Timestamp ts)
{
    pb::metrics::v1::MetricsData data;
    auto *scope = data.add_resource_metrics()->add_scope_metrics();
    scope->mutable_scope()->set_name("nocturne");
    std::map<std::string_view, pb::metrics::v1::Metric *> byName;
    for (const OtlpPoint &p : points) {
        auto &metric = byName[p.key->name];
        if (!metric) {
            metric = scope->add_metrics();
            metric->set_name(p.key->name);
        }
        auto *point = metric->mutable_gauge()->add_data_points();
        point->set_time_unix_nano(std::uint64_t(ts));
        point->set_as_double(p.value);
        for (const Label &l : p.key->labels)
            setString(point->add_attributes(), l.name, l.value);
    }
    return data.SerializeAsString();
}

std::string encodeOtlpLogs(std::span<const LogRecord> logs)
{
    pb::logs::v1::LogsData data;
    std::map<std::string_view, pb::logs::v1::ScopeLogs *> bySource;
    for (const LogRecord &log : logs) {
        auto &scope = bySource[log.source];
        if (!scope) {
            auto *resource = data.add_resource_logs();
            setString(resource->mutable_resource()->add_attributes(), "service.name", log.source);
            scope = resource->add_scope_logs();
        }
        auto *record = scope->add_log_records();
        record->set_time_unix_nano(std::uint64_t(log.ts));
        static constexpr int kSeverity[] = {1, 5, 9, 13, 17, 21};
        record->set_severity_number(pb::logs::v1::SeverityNumber(kSeverity[int(log.level)]));
        record->set_severity_text(logLevelName(log.level));
        record->mutable_body()->set_string_value(log.message);
    }
    return data.SerializeAsString();
}

std::string encodeOtlpSpans(std::span<const SpanRecord> spans)
{
    pb::trace::v1::TracesData data;
    std::map<std::string_view, pb::trace::v1::ScopeSpans *> byService;
    for (const SpanRecord &s : spans) {
        auto &scope = byService[s.service];
        if (!scope) {
            auto *resource = data.add_resource_spans();
            setString(resource->mutable_resource()->add_attributes(), "service.name", s.service);
            scope = resource->add_scope_spans();
        }
        auto *span = scope->add_spans();
        span->set_trace_id(idBytes(s.traceId, 16));
        span->set_span_id(idBytes(s.spanId, 8));
        if (s.parentSpanId)
            span->set_parent_span_id(idBytes(s.parentSpanId, 8));
        span->set_name(s.operation);
        span->set_kind(s.peer.empty() ? pb::trace::v1::Span::SPAN_KIND_SERVER : pb::trace::v1::Span::SPAN_KIND_CLIENT);
        span->set_start_time_unix_nano(std::uint64_t(s.start));
        span->set_end_time_unix_nano(std::uint64_t(s.start + s.duration));
        if (!s.peer.empty())
            setString(span->add_attributes(), "peer.service", s.peer);
        if (s.error)
            span->mutable_status()->set_code(pb::trace::v1::Status::STATUS_CODE_ERROR);
    }
    return data.SerializeAsString();
}

} // namespace Nocturne::Engine
