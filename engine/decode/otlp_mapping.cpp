#include "otlp_mapping.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace Nocturne::Engine::Detail {

std::string formatLabelNumber(double value)
{
    if (std::isinf(value))
        return value > 0 ? "+Inf" : "-Inf";
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return ec == std::errc() ? std::string(buffer, end) : std::string("NaN");
}

MetricType sumType(bool isMonotonic, int temporality)
{
    return isMonotonic && temporality == kTemporalityCumulative ? MetricType::Counter : MetricType::Gauge;
}

std::uint64_t idFromBytes(std::string_view bytes)
{
    std::uint64_t id = 0;
    const std::size_t from = bytes.size() > 8 ? bytes.size() - 8 : 0;
    for (std::size_t i = from; i < bytes.size(); ++i)
        id = (id << 8) | static_cast<unsigned char>(bytes[i]);
    return id;
}

std::uint64_t idFromHex(std::string_view hex)
{
    if (hex.size() > 16)
        hex = hex.substr(hex.size() - 16);
    std::uint64_t id = 0;
    for (char c : hex) {
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (v < 0)
            return 0;
        id = (id << 4) | std::uint64_t(v);
    }
    return id;
}

OtlpMapper::OtlpMapper(SeriesResolver &resolver, DecodeOutput &out, const DecodeContext &context)
    : m_resolver(resolver)
    , m_out(out)
    , m_context(context)
{
}

void OtlpMapper::beginResource()
{
    m_resource.clear();
    m_service.clear();
}

void OtlpMapper::resourceAttribute(std::string_view key, std::string value)
{
    if (key == "service.name")
        m_service = value;
    m_resource.emplace_back(std::string(key), std::move(value));
}

void OtlpMapper::beginPoint()
{
    m_pointCount = 0;
}

void OtlpMapper::pointAttribute(std::string_view key, std::string value)
{
    if (m_pointCount == m_point.size())
        m_point.emplace_back();
    auto &slot = m_point[m_pointCount++];
    slot.first.assign(key);
    slot.second = std::move(value);
}

std::string_view OtlpMapper::pointAttributeValue(std::string_view key) const
{
    for (std::size_t i = 0; i < m_pointCount; ++i) {
        if (m_point[i].first == key)
            return m_point[i].second;
    }
    return {};
}

Timestamp OtlpMapper::timeOf(std::uint64_t unixNano) const
{
    if (unixNano == 0 || unixNano > std::uint64_t(INT64_MAX))
        return m_context.receivedAt;
    return static_cast<Timestamp>(unixNano);
}

void OtlpMapper::emit(std::string_view metric, std::string_view suffix, Timestamp ts, double value, MetricType type,
                      std::string_view extraName, std::string_view extraValue)
{
    if (!std::isfinite(value)) {
        reject(RejectReason::NotFinite, std::string(metric) + std::string(suffix) + ": value is not finite");
        return;
    }
    m_labels.clear();
    for (const auto &[k, v] : m_resource)
        m_labels.push_back({k, v});
    for (std::size_t i = 0; i < m_pointCount; ++i)
        m_labels.push_back({m_point[i].first, m_point[i].second});
    if (!extraName.empty())
        m_labels.push_back({extraName, extraValue});
    m_name.assign(metric);
    m_name.append(suffix);
    const auto resolved = m_resolver.resolve(m_name, m_labels);
    if (!resolved.id) {
        reject(resolved.reason, m_name + ": series refused (" + resolved.reason + ")");
        return;
    }
    m_resolver.store().setType(*resolved.id, type);
    m_out.samples.push_back({*resolved.id, ts, value});
}

void OtlpMapper::number(std::string_view metric, std::uint64_t timeUnixNano, double value, MetricType type)
{
    emit(metric, {}, timeOf(timeUnixNano), value, type);
}

void OtlpMapper::histogram(std::string_view metric, std::uint64_t timeUnixNano, double count, const double *sum,
                           std::span<const double> bounds, std::span<const double> bucketCounts, bool cumulative)
{
    const Timestamp ts = timeOf(timeUnixNano);
    const MetricType type = cumulative ? MetricType::Histogram : MetricType::GaugeHistogram;
    if (!bucketCounts.empty() && bucketCounts.size() != bounds.size() + 1) {
        reject(RejectReason::WrongType, std::string(metric) + ": histogram has " + std::to_string(bucketCounts.size())
                                            + " bucket counts for " + std::to_string(bounds.size()) + " bounds");
    } else if (!bucketCounts.empty()) {
        double running = 0;
        for (std::size_t i = 0; i < bucketCounts.size(); ++i) {
            running += bucketCounts[i];
            m_extra = i < bounds.size() ? formatLabelNumber(bounds[i]) : std::string("+Inf");
            emit(metric, "_bucket", ts, running, type, "le", m_extra);
        }
    }
    emit(metric, "_count", ts, count, type);
    if (sum)
        emit(metric, "_sum", ts, *sum, type);
}

void OtlpMapper::summary(std::string_view metric, std::uint64_t timeUnixNano, double count, double sum,
                         std::span<const std::pair<double, double>> quantiles)
{
    const Timestamp ts = timeOf(timeUnixNano);
    for (const auto &[q, v] : quantiles) {
        m_extra = formatLabelNumber(q);
        emit(metric, {}, ts, v, MetricType::Summary, "quantile", m_extra);
    }
    emit(metric, "_count", ts, count, MetricType::Summary);
    emit(metric, "_sum", ts, sum, MetricType::Summary);
}

void OtlpMapper::exponentialHistogram(std::string_view metric, std::uint64_t timeUnixNano, double count, const double *sum,
                                      bool cumulative)
{
    const Timestamp ts = timeOf(timeUnixNano);
    const MetricType type = cumulative ? MetricType::Histogram : MetricType::GaugeHistogram;
    emit(metric, "_count", ts, count, type);
    if (sum)
        emit(metric, "_sum", ts, *sum, type);
}

void OtlpMapper::log(std::uint64_t timeUnixNano, int severityNumber, std::string_view severityText, std::string body)
{
    LogRecord record;
    record.ts = timeOf(timeUnixNano);
    record.source = !m_service.empty() ? m_service : std::string(m_context.source);
    if (severityNumber >= 21)
        record.level = LogLevel::Fatal;
    else if (severityNumber >= 17)
        record.level = LogLevel::Error;
    else if (severityNumber >= 13)
        record.level = LogLevel::Warn;
    else if (severityNumber >= 9)
        record.level = LogLevel::Info;
    else if (severityNumber >= 5)
        record.level = LogLevel::Debug;
    else if (severityNumber >= 1)
        record.level = LogLevel::Trace;
    else
        record.level = severityText.empty() ? LogLevel::Info : parseLogLevel(std::string(severityText));
    record.message = std::move(body);
    m_out.logs.push_back(std::move(record));
}

void OtlpMapper::span(std::uint64_t traceId, std::uint64_t spanId, std::uint64_t parentSpanId,
                      std::string_view name, int kind, std::uint64_t startUnixNano, std::uint64_t endUnixNano, bool error)
{
    SpanRecord span;
    span.traceId = traceId;
    span.spanId = spanId;
    span.parentSpanId = parentSpanId;
    span.service = !m_service.empty() ? m_service : std::string(m_context.source);
    span.operation.assign(name);
    // Client and producer spans name their callee; peer.service is the OpenTelemetry convention, the others are the
    // usual fallbacks for databases, caches and queues.
    if (kind == 3 || kind == 4) {
        for (const char *key : {"peer.service", "db.system", "messaging.system", "net.peer.name", "server.address"}) {
            if (auto v = pointAttributeValue(key); !v.empty()) {
                span.peer.assign(v);
                break;
            }
        }
    }
    span.start = timeOf(startUnixNano);
    span.duration = endUnixNano >= startUnixNano ? static_cast<Duration>(endUnixNano - startUnixNano) : 0;
    span.error = error;
    span.kind = kind >= 0 && kind <= 5 ? std::uint8_t(kind) : 0;
    m_out.spans.push_back(std::move(span));
}

} // namespace Nocturne::Engine::Detail
