// JSON decoders on simdjson (DOM API, one reused parser and padded buffer per decoder):
// - otlp_json: the OTLP/JSON mapping of MetricsData / LogsData / TracesData (lowerCamelCase keys, int64 as decimal
//   strings or numbers, hex trace/span ids, integer enums, unknown fields ignored);
// - json_lines: one JSON object per line; the schemas are documented in docs/feeds.md.
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstring>

#include "core/clock.h"
#include "decode/decoders_internal.h"
#include "decode/otlp_mapping.h"
#include "feeds/log_file_follower.h"

namespace Nocturne::Engine::Detail {

namespace dom = simdjson::dom;

namespace {

// Absent or mistyped optional fields keep their default: the error code is deliberately dropped.
void ignore(simdjson::error_code) {}

const char *reasonFor(simdjson::error_code error)
{
    return error == simdjson::UTF8_ERROR ? RejectReason::InvalidUtf8 : RejectReason::MalformedJson;
}

// Reused padded copy of the input: simdjson needs SIMDJSON_PADDING readable bytes past the end.
class PaddedParser
{
public:
    simdjson::error_code parse(std::string_view text, dom::element &root)
    {
        if (m_buffer.size() < text.size() + simdjson::SIMDJSON_PADDING)
            m_buffer.resize(text.size() + simdjson::SIMDJSON_PADDING);
        std::memcpy(m_buffer.data(), text.data(), text.size());
        std::memset(m_buffer.data() + text.size(), 0, simdjson::SIMDJSON_PADDING);
        return m_parser.parse(m_buffer.data(), text.size(), false).get(root);
    }

private:
    dom::parser m_parser;
    std::vector<char> m_buffer;
};

bool parseDecimal(std::string_view s, double &out)
{
    if (s == "NaN" || s == "nan")
        return out = std::nan(""), true;
    if (s == "Infinity" || s == "+Inf" || s == "+Infinity" || s == "inf")
        return out = INFINITY, true;
    if (s == "-Infinity" || s == "-Inf" || s == "-inf")
        return out = -INFINITY, true;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

// A JSON number, or a string holding one (proto3 JSON writes int64 as strings and NaN/Infinity as strings).
bool asDouble(dom::element e, double &out)
{
    switch (e.type()) {
    case dom::element_type::DOUBLE:
        return e.get_double().get(out) == simdjson::SUCCESS;
    case dom::element_type::INT64: {
        std::int64_t v = 0;
        ignore(e.get_int64().get(v));
        return out = double(v), true;
    }
    case dom::element_type::UINT64: {
        std::uint64_t v = 0;
        ignore(e.get_uint64().get(v));
        return out = double(v), true;
    }
    case dom::element_type::STRING: {
        std::string_view s;
        ignore(e.get_string().get(s));
        return parseDecimal(s, out);
    }
    default:
        return false;
    }
}

bool asU64(dom::element e, std::uint64_t &out)
{
    switch (e.type()) {
    case dom::element_type::UINT64:
        return e.get_uint64().get(out) == simdjson::SUCCESS;
    case dom::element_type::INT64: {
        std::int64_t v = 0;
        ignore(e.get_int64().get(v));
        return v >= 0 && (out = std::uint64_t(v), true);
    }
    case dom::element_type::DOUBLE: {
        double v = 0;
        ignore(e.get_double().get(v));
        return v >= 0 && v < 1.8e19 && (out = std::uint64_t(v), true);
    }
    case dom::element_type::STRING: {
        std::string_view s;
        ignore(e.get_string().get(s));
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        return ec == std::errc() && end == s.data() + s.size();
    }
    default:
        return false;
    }
}

std::string scalarText(dom::element e)
{
    switch (e.type()) {
    case dom::element_type::STRING: {
        std::string_view s;
        ignore(e.get_string().get(s));
        return std::string(s);
    }
    case dom::element_type::BOOL: {
        bool b = false;
        ignore(e.get_bool().get(b));
        return b ? "true" : "false";
    }
    case dom::element_type::NULL_VALUE:
        return {};
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: {
        double v = 0;
        asDouble(e, v);
        return formatLabelNumber(v);
    }
    default:
        return simdjson::minify(e);
    }
}

// OTLP AnyValue in JSON: {"stringValue": …} | {"intValue": "…"} | {"doubleValue": …} | {"boolValue": …} |
// {"arrayValue": {"values": […]}} | {"kvlistValue": {"values": [{key, value}…]}} | {"bytesValue": "<base64>"}.
std::string anyValueText(dom::element value)
{
    dom::object o;
    if (value.get_object().get(o) != simdjson::SUCCESS)
        return scalarText(value);
    for (auto [key, v] : o) {
        if (key == "stringValue" || key == "boolValue" || key == "bytesValue")
            return scalarText(v);
        if (key == "intValue") {
            double d = 0;
            return asDouble(v, d) ? std::to_string(static_cast<long long>(d)) : scalarText(v);
        }
        if (key == "doubleValue") {
            double d = 0;
            return asDouble(v, d) ? formatLabelNumber(d) : scalarText(v);
        }
        if (key == "arrayValue" || key == "kvlistValue") {
            std::string out = key == "arrayValue" ? "[" : "{";
            dom::array values;
            if (v["values"].get_array().get(values) == simdjson::SUCCESS) {
                for (dom::element item : values) {
                    if (out.size() > 1)
                        out += ',';
                    if (key == "kvlistValue") {
                        std::string_view k;
                        dom::element inner;
                        if (item["key"].get_string().get(k) == simdjson::SUCCESS)
                            out.append(k).append("=");
                        if (item["value"].get(inner) == simdjson::SUCCESS)
                            out += anyValueText(inner);
                    } else {
                        out += anyValueText(item);
                    }
                }
            }
            return out + (key == "arrayValue" ? "]" : "}");
        }
    }
    return {};
}

template<typename F>
void forEachAttribute(dom::element parent, F &&f)
{
    dom::array attributes;
    if (parent["attributes"].get_array().get(attributes) != simdjson::SUCCESS)
        return;
    for (dom::element kv : attributes) {
        std::string_view key;
        dom::element value;
        if (kv["key"].get_string().get(key) != simdjson::SUCCESS)
            continue;
        f(key, kv["value"].get(value) == simdjson::SUCCESS ? anyValueText(value) : std::string());
    }
}

std::uint64_t u64Field(dom::element e, std::string_view key)
{
    dom::element v;
    std::uint64_t out = 0;
    if (e[key].get(v) == simdjson::SUCCESS)
        asU64(v, out);
    return out;
}

// OTLP/JSON writes aggregationTemporality as its enum number or, from some exporters, its name.
int temporalityField(dom::element body)
{
    dom::element v;
    if (body["aggregationTemporality"].get(v) != simdjson::SUCCESS)
        return 0;
    std::string_view name;
    if (v.get_string().get(name) == simdjson::SUCCESS)
        return name == "AGGREGATION_TEMPORALITY_CUMULATIVE" ? kTemporalityCumulative
             : name == "AGGREGATION_TEMPORALITY_DELTA"      ? kTemporalityDelta
                                                            : 0;
    std::uint64_t n = 0;
    return asU64(v, n) && n <= 2 ? int(n) : 0;
}

bool boolField(dom::element e, std::string_view key)
{
    bool out = false;
    return e[key].get_bool().get(out) == simdjson::SUCCESS && out;
}

// Iterates an array field; a present field that is not an array is a wrong type.
template<typename F>
bool forEach(dom::element parent, std::string_view key, OtlpMapper &mapper, F &&f)
{
    dom::element field;
    if (parent[key].get(field) != simdjson::SUCCESS)
        return true;
    dom::array items;
    if (field.get_array().get(items) != simdjson::SUCCESS) {
        mapper.reject(RejectReason::WrongType, "'" + std::string(key) + "' is not an array");
        return false;
    }
    for (dom::element item : items)
        f(item);
    return true;
}

class OtlpJsonDecoder final : public FeedDecoder
{
public:
    OtlpJsonDecoder(Signal signal, SeriesStore &store, SeriesResolver::Limits limits)
        : m_signal(signal)
        , m_resolver(store, limits)
    {
    }

    void decode(std::string_view payload, const DecodeContext &context, DecodeOutput &out) override
    {
        OtlpMapper mapper(m_resolver, out, context);
        dom::element root;
        if (auto error = m_parser.parse(payload, root); error != simdjson::SUCCESS) {
            out.rejects.push_back({reasonFor(error), std::string("not JSON: ") + simdjson::error_message(error), printableExcerpt(payload)});
            return;
        }
        if (!root.is_object()) {
            out.rejects.push_back({RejectReason::WrongType, "top level is not an object", printableExcerpt(payload)});
            return;
        }
        const char *resourceKey = m_signal == Signal::Metrics ? "resourceMetrics" : m_signal == Signal::Logs ? "resourceLogs" : "resourceSpans";
        const char *scopeKey = m_signal == Signal::Metrics ? "scopeMetrics" : m_signal == Signal::Logs ? "scopeLogs" : "scopeSpans";
        const char *itemKey = m_signal == Signal::Metrics ? "metrics" : m_signal == Signal::Logs ? "logRecords" : "spans";
        dom::element resources;
        if (root[resourceKey].get(resources) != simdjson::SUCCESS) {
            out.rejects.push_back({RejectReason::MissingField, std::string("no '") + resourceKey + "' array", printableExcerpt(payload)});
            return;
        }
        forEach(root, resourceKey, mapper, [&](dom::element rm) {
            mapper.beginResource();
            dom::element resource;
            if (rm["resource"].get(resource) == simdjson::SUCCESS)
                forEachAttribute(resource, [&](std::string_view k, std::string v) { mapper.resourceAttribute(k, std::move(v)); });
            forEach(rm, scopeKey, mapper, [&](dom::element sm) {
                forEach(sm, itemKey, mapper, [&](dom::element item) {
                    if (m_signal == Signal::Metrics)
                        mapMetric(item, mapper);
                    else if (m_signal == Signal::Logs)
                        mapLog(item, mapper);
                    else
                        mapSpan(item, mapper);
                });
            });
        });
    }

private:
    static bool pointHasValue(dom::element p)
    {
        return (u64Field(p, "flags") & 1) == 0;
    }

    void mapMetric(dom::element metric, OtlpMapper &mapper)
    {
        std::string_view name;
        if (metric["name"].get_string().get(name) != simdjson::SUCCESS) {
            mapper.reject(RejectReason::MissingField, "metric without a string 'name'");
            return;
        }
        dom::element data;
        auto numbers = [&](dom::element body, MetricType type) {
            forEach(body, "dataPoints", mapper, [&](dom::element p) {
                if (!pointHasValue(p))
                    return;
                mapper.beginPoint();
                forEachAttribute(p, [&](std::string_view k, std::string v) { mapper.pointAttribute(k, std::move(v)); });
                dom::element v;
                double value = 0;
                if ((p["asDouble"].get(v) != simdjson::SUCCESS && p["asInt"].get(v) != simdjson::SUCCESS) || !asDouble(v, value)) {
                    mapper.reject(RejectReason::WrongType, std::string(name) + ": data point without a numeric asDouble/asInt");
                    return;
                }
                mapper.number(name, u64Field(p, "timeUnixNano"), value, type);
            });
        };
        if (metric["gauge"].get(data) == simdjson::SUCCESS) {
            numbers(data, MetricType::Gauge);
        } else if (metric["sum"].get(data) == simdjson::SUCCESS) {
            numbers(data, sumType(boolField(data, "isMonotonic"), temporalityField(data)));
        } else if (metric["histogram"].get(data) == simdjson::SUCCESS) {
            forEach(data, "dataPoints", mapper, [&](dom::element p) {
                if (!pointHasValue(p))
                    return;
                mapper.beginPoint();
                forEachAttribute(p, [&](std::string_view k, std::string v) { mapper.pointAttribute(k, std::move(v)); });
                m_bounds.clear();
                m_counts.clear();
                forEach(p, "explicitBounds", mapper, [&](dom::element b) {
                    double v = 0;
                    if (asDouble(b, v))
                        m_bounds.push_back(v);
                });
                forEach(p, "bucketCounts", mapper, [&](dom::element c) {
                    std::uint64_t v = 0;
                    if (asU64(c, v))
                        m_counts.push_back(double(v));
                });
                dom::element sumElement;
                double sum = 0;
                const bool hasSum = p["sum"].get(sumElement) == simdjson::SUCCESS && asDouble(sumElement, sum);
                mapper.histogram(name, u64Field(p, "timeUnixNano"), double(u64Field(p, "count")), hasSum ? &sum : nullptr,
                                 m_bounds, m_counts, temporalityField(data) != kTemporalityDelta);
            });
        } else if (metric["exponentialHistogram"].get(data) == simdjson::SUCCESS) {
            forEach(data, "dataPoints", mapper, [&](dom::element p) {
                if (!pointHasValue(p))
                    return;
                mapper.beginPoint();
                forEachAttribute(p, [&](std::string_view k, std::string v) { mapper.pointAttribute(k, std::move(v)); });
                dom::element sumElement;
                double sum = 0;
                const bool hasSum = p["sum"].get(sumElement) == simdjson::SUCCESS && asDouble(sumElement, sum);
                mapper.exponentialHistogram(name, u64Field(p, "timeUnixNano"), double(u64Field(p, "count")), hasSum ? &sum : nullptr,
                                            temporalityField(data) != kTemporalityDelta);
            });
        } else if (metric["summary"].get(data) == simdjson::SUCCESS) {
            forEach(data, "dataPoints", mapper, [&](dom::element p) {
                if (!pointHasValue(p))
                    return;
                mapper.beginPoint();
                forEachAttribute(p, [&](std::string_view k, std::string v) { mapper.pointAttribute(k, std::move(v)); });
                m_quantiles.clear();
                forEach(p, "quantileValues", mapper, [&](dom::element q) {
                    dom::element qe, ve;
                    double quantile = 0, value = 0;
                    if (q["quantile"].get(qe) == simdjson::SUCCESS)
                        asDouble(qe, quantile);
                    if (q["value"].get(ve) == simdjson::SUCCESS)
                        asDouble(ve, value);
                    m_quantiles.emplace_back(quantile, value);
                });
                dom::element sumElement;
                double sum = 0;
                if (p["sum"].get(sumElement) == simdjson::SUCCESS)
                    asDouble(sumElement, sum);
                mapper.summary(name, u64Field(p, "timeUnixNano"), double(u64Field(p, "count")), sum, m_quantiles);
            });
        } else {
            mapper.reject(RejectReason::MissingField, "metric '" + std::string(name) + "' has no gauge, sum, histogram or summary");
        }
    }

    void mapLog(dom::element record, OtlpMapper &mapper)
    {
        std::uint64_t ts = u64Field(record, "timeUnixNano");
        if (ts == 0)
            ts = u64Field(record, "observedTimeUnixNano");
        std::string_view severityText;
        ignore(record["severityText"].get_string().get(severityText));
        dom::element body;
        std::string text = record["body"].get(body) == simdjson::SUCCESS ? anyValueText(body) : std::string();
        mapper.log(ts, int(u64Field(record, "severityNumber")), severityText, std::move(text));
    }

    void mapSpan(dom::element span, OtlpMapper &mapper)
    {
        std::string_view traceId, spanId, parentId, name;
        ignore(span["traceId"].get_string().get(traceId));
        ignore(span["spanId"].get_string().get(spanId));
        ignore(span["parentSpanId"].get_string().get(parentId));
        ignore(span["name"].get_string().get(name));
        if (spanId.empty()) {
            mapper.reject(RejectReason::MissingField, "span without a 'spanId'");
            return;
        }
        mapper.beginPoint();
        forEachAttribute(span, [&](std::string_view k, std::string v) { mapper.pointAttribute(k, std::move(v)); });
        dom::element status;
        const bool error = span["status"].get(status) == simdjson::SUCCESS && u64Field(status, "code") == 2;
        mapper.span(idFromHex(traceId), idFromHex(spanId), idFromHex(parentId), name, int(u64Field(span, "kind")),
                    u64Field(span, "startTimeUnixNano"), u64Field(span, "endTimeUnixNano"), error);
    }

    Signal m_signal;
    SeriesResolver m_resolver;
    PaddedParser m_parser;
    std::vector<double> m_bounds, m_counts;
    std::vector<std::pair<double, double>> m_quantiles;
};

// JSON lines: each non-empty line of a message is one object.
class JsonLinesDecoder final : public FeedDecoder
{
public:
    JsonLinesDecoder(Signal signal, SeriesStore &store, SeriesResolver::Limits limits)
        : m_signal(signal)
        , m_resolver(store, limits)
    {
    }

    void decode(std::string_view payload, const DecodeContext &context, DecodeOutput &out) override
    {
        if (decodeFast(payload, context, out))
            return;
        std::size_t lineNo = 0;
        while (!payload.empty()) {
            const std::size_t nl = payload.find('\n');
            std::string_view line = payload.substr(0, nl);
            payload = nl == std::string_view::npos ? std::string_view() : payload.substr(nl + 1);
            ++lineNo;
            if (!line.empty() && line.back() == '\r')
                line.remove_suffix(1);
            if (line.find_first_not_of(" \t") == std::string_view::npos)
                continue;
            decodeLine(line, lineNo, context, out);
        }
    }

private:
    void fail(DecodeOutput &out, const char *reason, std::size_t lineNo, std::string what, std::string_view line)
    {
        out.rejects.push_back({reason, "line " + std::to_string(lineNo) + ": " + what, printableExcerpt(line)});
    }

    bool timestamp(dom::element object, const DecodeContext &context, Timestamp &ts, std::string &error)
    {
        dom::element t;
        if (object["ts"].get(t) != simdjson::SUCCESS) {
            ts = context.receivedAt;
            return true;
        }
        if (t.is_string()) {
            std::string_view s;
            ignore(t.get_string().get(s));
            double number = 0;
            if (parseDecimal(s, number)) {
                auto v = timestampFromNumber(number);
                return v ? (ts = *v, true) : (error = "'ts' is out of range", false);
            }
            auto parsed = parseTimestamp(std::string(s));
            if (!parsed)
                return error = "'ts': " + parsed.error().message, false;
            ts = *parsed;
            return true;
        }
        double number = 0;
        if (!asDouble(t, number))
            return error = "'ts' is neither a number nor a string", false;
        auto v = timestampFromNumber(number);
        return v ? (ts = *v, true) : (error = "'ts' is out of range", false);
    }

    static std::string_view stringField(dom::element object, std::initializer_list<std::string_view> keys)
    {
        for (std::string_view key : keys) {
            std::string_view s;
            if (object[key].get_string().get(s) == simdjson::SUCCESS)
                return s;
        }
        return {};
    }

    // The whole message as a simdjson document stream (one padded copy, one pass). Any problem at all — a parse
    // error or a refused item — rolls back and lets the line-by-line path decode the message, which keeps every good
    // line and reports the bad ones with their line numbers.
    bool decodeFast(std::string_view payload, const DecodeContext &context, DecodeOutput &out)
    {
        if (m_stream.size() < payload.size() + simdjson::SIMDJSON_PADDING)
            m_stream.resize(payload.size() + simdjson::SIMDJSON_PADDING);
        std::memcpy(m_stream.data(), payload.data(), payload.size());
        std::memset(m_stream.data() + payload.size(), 0, simdjson::SIMDJSON_PADDING);
        const std::size_t samples = out.samples.size(), logs = out.logs.size(), events = out.events.size(), rejects = out.rejects.size(),
                          alerts = out.alerts.size();
        auto rollback = [&] {
            out.alerts.resize(alerts);
            out.samples.resize(samples);
            out.logs.resize(logs);
            out.events.resize(events);
            out.rejects.resize(rejects);
            return false;
        };
        dom::document_stream docs;
        const std::size_t batch = std::max<std::size_t>(payload.size(), 1 << 16);
        if (m_streamParser.parse_many(reinterpret_cast<const std::uint8_t *>(m_stream.data()), payload.size(), batch).get(docs)
            != simdjson::SUCCESS)
            return false;
        for (auto doc : docs) {
            dom::element root;
            if (doc.get(root) != simdjson::SUCCESS)
                return rollback();
            decodeObject(root, 0, context, out, {});
            if (out.rejects.size() != rejects)
                return rollback();
        }
        // An incomplete last document is not iterated: it must be reported, so the slow path takes over.
        if (docs.truncated_bytes() != 0)
            return rollback();
        return true;
    }

    void decodeLine(std::string_view line, std::size_t lineNo, const DecodeContext &context, DecodeOutput &out)
    {
        dom::element root;
        if (auto error = m_parser.parse(line, root); error != simdjson::SUCCESS)
            return fail(out, reasonFor(error), lineNo, std::string("not JSON: ") + simdjson::error_message(error), line);
        decodeObject(root, lineNo, context, out, line);
    }

    void decodeObject(dom::element root, std::size_t lineNo, const DecodeContext &context, DecodeOutput &out, std::string_view line)
    {
        if (!root.is_object())
            return fail(out, RejectReason::WrongType, lineNo, "not a JSON object", line);
        Timestamp ts = 0;
        std::string error;
        if (!timestamp(root, context, ts, error))
            return fail(out, RejectReason::WrongType, lineNo, error, line);
        switch (m_signal) {
        case Signal::Metrics: {
            dom::element nameElement, valueElement, labelsElement;
            std::string_view name;
            if (root["name"].get(nameElement) != simdjson::SUCCESS)
                return fail(out, RejectReason::MissingField, lineNo, "no 'name'", line);
            if (nameElement.get_string().get(name) != simdjson::SUCCESS)
                return fail(out, RejectReason::WrongType, lineNo, "'name' is not a string", line);
            if (root["value"].get(valueElement) != simdjson::SUCCESS)
                return fail(out, RejectReason::MissingField, lineNo, "no 'value'", line);
            double value = 0;
            if (!asDouble(valueElement, value))
                return fail(out, RejectReason::WrongType, lineNo, "'value' is not a number", line);
            if (!std::isfinite(value))
                return fail(out, RejectReason::NotFinite, lineNo, "'value' is not finite", line);
            m_labels.clear();
            m_values.clear();
            if (root["labels"].get(labelsElement) == simdjson::SUCCESS) {
                dom::object labels;
                if (labelsElement.get_object().get(labels) != simdjson::SUCCESS)
                    return fail(out, RejectReason::WrongType, lineNo, "'labels' is not an object", line);
                for (auto [k, v] : labels) {
                    std::string_view s;
                    if (v.get_string().get(s) == simdjson::SUCCESS) {
                        m_labels.push_back({k, s});
                    } else if (v.is_object() || v.is_array()) {
                        return fail(out, RejectReason::WrongType, lineNo, "label '" + std::string(k) + "' is not a scalar", line);
                    } else {
                        m_values.push_back(scalarText(v));
                        m_labels.push_back({k, {}}); // value filled in below, once m_values stops moving
                    }
                }
                std::size_t next = 0;
                for (auto &l : m_labels) {
                    if (l.value.data() == nullptr)
                        l.value = m_values[next++];
                }
            }
            const auto resolved = m_resolver.resolve(name, m_labels);
            if (!resolved.id)
                return fail(out, resolved.reason, lineNo, "series refused (" + std::string(resolved.reason) + ")", line);
            // An optional "type" ("counter", "gauge", "histogram", …) as in Prometheus # TYPE; without one the name
            // decides (model/metric_type.h). An unknown word is treated as no type rather than refusing the sample.
            m_resolver.store().setType(*resolved.id, metricTypeFromName(stringField(root, {"type"})));
            out.samples.push_back({*resolved.id, ts, value});
            break;
        }
        case Signal::Logs: {
            LogRecord record;
            record.ts = ts;
            const std::string_view message = stringField(root, {"message", "msg", "body", "log"});
            if (message.data() == nullptr)
                return fail(out, RejectReason::MissingField, lineNo, "no string 'message'", line);
            record.message.assign(message);
            const std::string_view source = stringField(root, {"source", "service", "entity"});
            record.source.assign(source.empty() ? context.source : source);
            const std::string_view level = stringField(root, {"level", "severity"});
            record.level = level.empty() ? LogFileFollower::guessLevel(message) : parseLogLevel(std::string(level));
            out.logs.push_back(std::move(record));
            break;
        }
        case Signal::Events: {
            EventRecord event;
            event.ts = ts;
            event.kind.assign(stringField(root, {"kind"}));
            event.title.assign(stringField(root, {"title", "message"}));
            if (event.kind.empty() || event.title.empty())
                return fail(out, RejectReason::MissingField, lineNo, "events need string 'kind' and 'title'", line);
            event.entity.assign(stringField(root, {"entity", "service"}));
            const std::string_view severity = stringField(root, {"severity"});
            event.severity.assign(severity.empty() ? std::string_view("info") : severity);
            dom::element attributes;
            if (root["attributes"].get(attributes) == simdjson::SUCCESS)
                event.attributes = simdjson::minify(attributes);
            event.source.assign(context.source);
            if (event.kind == "alert") {
                // {"kind":"alert","title":"HighLatency","entity":"cart","severity":"critical","status":"firing",
                //  "attributes":{"service":"cart",…}}: string attributes are the alert's labels.
                AlertInput alert;
                alert.source = "kafka";
                alert.name = event.title;
                alert.entity = event.entity;
                alert.severity = parseAlertSeverity(event.severity);
                alert.ts = ts;
                alert.resolved = stringField(root, {"status"}) == "resolved";
                dom::object labels;
                if (root["attributes"].get_object().get(labels) == simdjson::SUCCESS) {
                    for (auto [k, v] : labels) {
                        std::string_view text;
                        if (v.get_string().get(text) == simdjson::SUCCESS)
                            alert.labels.push_back({std::string(k), std::string(text)});
                    }
                }
                if (!alert.entity.empty())
                    alert.labels.push_back({"entity", alert.entity});
                out.alerts.push_back(std::move(alert));
            }
            out.events.push_back(std::move(event));
            break;
        }
        case Signal::Traces:
            break;
        }
    }

    Signal m_signal;
    SeriesResolver m_resolver;
    PaddedParser m_parser;
    dom::parser m_streamParser;
    std::vector<char> m_stream;
    std::vector<LabelView> m_labels;
    std::vector<std::string> m_values;
};

// Raw text: every non-empty line is a log line; the level is guessed from the usual markers.
class RawTextDecoder final : public FeedDecoder
{
public:
    void decode(std::string_view payload, const DecodeContext &context, DecodeOutput &out) override
    {
        while (!payload.empty()) {
            const std::size_t nl = payload.find('\n');
            std::string_view line = payload.substr(0, nl);
            payload = nl == std::string_view::npos ? std::string_view() : payload.substr(nl + 1);
            if (!line.empty() && line.back() == '\r')
                line.remove_suffix(1);
            if (line.empty())
                continue;
            LogRecord record;
            record.ts = context.receivedAt;
            record.source.assign(context.source);
            record.level = LogFileFollower::guessLevel(line);
            record.message.assign(line);
            out.logs.push_back(std::move(record));
        }
    }
};

} // namespace

std::unique_ptr<FeedDecoder> makeOtlpJsonDecoder(Signal signal, SeriesStore &store, SeriesResolver::Limits limits)
{
    return std::make_unique<OtlpJsonDecoder>(signal, store, limits);
}

std::unique_ptr<FeedDecoder> makeJsonLinesDecoder(Signal signal, SeriesStore &store, SeriesResolver::Limits limits)
{
    return std::make_unique<JsonLinesDecoder>(signal, store, limits);
}

std::unique_ptr<FeedDecoder> makeRawTextDecoder()
{
    return std::make_unique<RawTextDecoder>();
}

} // namespace Nocturne::Engine::Detail
