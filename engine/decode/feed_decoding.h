#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "alerts/alert_book.h"
#include "core/clock.h"
#include "core/result.h"
#include "model/records.h"
#include "model/series_store.h"

namespace Nocturne::Engine {

// What a feed message carries and how it is written. The pairs Nocturne reads are the OpenTelemetry Collector's Kafka
// exporter encodings (otlp_proto, otlp_json for metrics, logs and traces), JSON lines (metrics, logs, events) and raw
// text lines (logs).
enum class Signal { Metrics, Logs, Traces, Events };
enum class Encoding { OtlpProto, OtlpJson, JsonLines, RawText };
const char *signalName(Signal signal);
const char *encodingName(Encoding encoding);
Result<Signal> parseSignal(std::string_view text);
Result<Encoding> parseEncoding(std::string_view text);
// Whether a decoder exists for the pair (e.g. raw text is for logs only).
Status checkSupported(Signal signal, Encoding encoding);

// Why an item was refused. Stable identifiers: they are Prometheus label values on /metrics and keys in the Feeds dock.
namespace RejectReason {
inline constexpr const char *MalformedJson = "malformed_json";
inline constexpr const char *MalformedProto = "malformed_proto";
inline constexpr const char *InvalidUtf8 = "invalid_utf8";
inline constexpr const char *WrongType = "wrong_type";
inline constexpr const char *MissingField = "missing_field";
inline constexpr const char *TooLarge = "too_large";
inline constexpr const char *SeriesLimit = "series_limit";
inline constexpr const char *LabelLimit = "label_limit";
inline constexpr const char *NotFinite = "not_finite";
inline constexpr const char *OutOfOrder = "out_of_order";
inline constexpr const char *Unsupported = "unsupported";
inline constexpr const char *TransportError = "transport_error";
} // namespace RejectReason

struct Reject {
    const char *reason = RejectReason::MalformedJson;
    std::string detail;   // human text: what is wrong and where inside the message ("line 3: 'value' is a string")
    std::string excerpt;  // the start of the offending input, printable (binary bytes escaped)
};

// Printable, bounded copy of raw input for error reports and the dead-letter ring: control and non-UTF-8 bytes become
// \xNN, and the result is cut at maxBytes with an ellipsis.
std::string printableExcerpt(std::string_view raw, std::size_t maxBytes = 200);

struct LabelView {
    std::string_view name;
    std::string_view value;
};

// Maps (metric name, label set) to store series ids for one feed, with a cache so a steady stream interns nothing.
// Names are sanitised to the Prometheus alphabet ([a-zA-Z_:][a-zA-Z0-9_:]*; other bytes become '_'), duplicate label
// names keep the last value, empty label values are dropped (as Prometheus does). Limits bound what a hostile or
// broken producer can do: too many labels or too long a value refuses the item, and after maxSeries distinct series
// new ones are refused (label explosion) while known ones keep flowing. Not thread-safe: one per decoding thread.
class SeriesResolver
{
public:
    struct Limits {
        std::size_t maxSeries = 250'000;
        std::size_t maxLabels = 64;
        std::size_t maxNameBytes = 256;
        std::size_t maxValueBytes = 2048;
    };
    SeriesResolver(SeriesStore &store, Limits limits);

    struct Resolved {
        std::optional<SeriesId> id;
        const char *reason = nullptr; // set when id is empty
    };
    // `labels` is reordered in place.
    Resolved resolve(std::string_view name, std::vector<LabelView> &labels);
    std::size_t size() const { return m_ids.size(); }
    const Limits &limits() const { return m_limits; }
    SeriesStore &store() const { return m_store; }

private:
    Resolved resolveSlow(std::string_view name, std::vector<LabelView> &labels);
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    SeriesStore &m_store;
    Limits m_limits;
    std::string m_key;
    std::vector<std::string> m_names; // sanitised label names, reused
    std::vector<std::uint32_t> m_order;
    std::unordered_map<std::string, SeriesId, Hash, std::equal_to<>> m_ids;
    // Fast path: the label set exactly as it arrived (unsanitised, unsorted) → id. Steady producers send the same
    // bytes in the same order every time, so most lookups skip sanitising and sorting. Cleared when it outgrows
    // 4 × maxSeries (one series can have several arrival orders).
    std::string m_rawKey;
    std::unordered_map<std::string, SeriesId, Hash, std::equal_to<>> m_rawIds;
};

// Everything decoded from one message (or one batch of messages), ready for the engine.
struct DecodeOutput {
    std::vector<SampleRef> samples;
    std::vector<LogRecord> logs;
    std::vector<SpanRecord> spans;
    std::vector<EventRecord> events;
    std::vector<AlertInput> alerts; // events of kind "alert" also enter the alert book
    std::vector<Reject> rejects;
    void clear()
    {
        alerts.clear();
        samples.clear();
        logs.clear();
        spans.clear();
        events.clear();
        rejects.clear();
    }
    std::size_t items() const { return samples.size() + logs.size() + spans.size() + events.size(); }
};

// Per-message context: where the message came from (for raw logs without a source of their own) and the time to
// stamp items that carry none.
struct DecodeContext {
    std::string_view source;   // default LogRecord::source (e.g. the Kafka message key or the topic)
    Timestamp receivedAt = 0;  // used when an item has no timestamp
};

// A decoder for one (signal, encoding) pair with its reusable state (parsers, arenas, series cache). Decoding never
// throws and never stops at a bad item: whole-message failures and per-item failures become Rejects, good items in
// the same message are kept.
class FeedDecoder
{
public:
    virtual ~FeedDecoder() = default;
    virtual void decode(std::string_view payload, const DecodeContext &context, DecodeOutput &out) = 0;

    static Result<std::unique_ptr<FeedDecoder>> make(Signal signal, Encoding encoding, SeriesStore &store,
                                                     SeriesResolver::Limits limits = {});
};

// Timestamps in JSON lines: a number is Unix time in seconds (< 1e11), milliseconds (< 1e14), microseconds (< 1e17)
// or nanoseconds; a string is RFC 3339 / ISO 8601 or a decimal number as above.
std::optional<Timestamp> timestampFromNumber(double value);

} // namespace Nocturne::Engine
