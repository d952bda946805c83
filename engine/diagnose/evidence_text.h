#pragma once

#include "diagnose/root_cause.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace Nocturne::Engine {

// The unit of a metric as its (Prometheus-style) name declares it, so evidence reads "1.5 s", "2.3 GiB", "18 %"
// instead of bare numbers. A raw value times `scale` is in `symbol` units; formatValue then picks a prefix by
// magnitude.
struct MetricUnit {
    // How formatValue scales: Time (µs … h), Bytes (binary prefixes), SI (k, M, G: bits, watts, plain counts) or Fixed
    // (°C, dBm, %: never prefixed).
    enum class Prefix : std::uint8_t { SI, Time, Bytes, Fixed };

    std::string symbol; // of the scaled value: "s", "B", "%", "°C", "dBm", "W", "b" or "" (a count)
    double scale = 1;   // raw value × scale = value in `symbol` (ms → s: 0.001, ratio → %: 100)
    Prefix prefix = Prefix::SI;
    bool perSecond = false;   // a rate ("/s" after the symbol): `_per_second`, a `_total` counter, `:rate`
    bool logarithmic = false; // dBm: differences are dB, ratios mean nothing
    bool interval = false;    // °C: no true zero, ratios mean nothing
    std::string quantile;     // "p99" for a histogram quantile (`:p99`, `_p99_`)

    bool operator==(const MetricUnit &) const = default;
};

// The unit from naming conventions: `_seconds`, `_milliseconds`/`_ms`, `_microseconds`, `_bytes`, `_ratio` (shown as
// %), `_percent`, `_per_second`, `_celsius`, `_dbm`, `_watts`, `_gbps`/`_bps`; a `_total` counter is shown as its
// per-second rate (`x_bytes_total` → B/s); recording-rule suffixes `:rate` (the per-second rate of the counter before
// it) and `:p50`/`:p99` (a quantile of the histogram whose base name carries the unit). Anything else has no unit.
MetricUnit unitOf(std::string_view metricName);

// A value for people: three significant digits and a prefix chosen by magnitude ("1.5 s", "220 ms", "2.3 GiB",
// "18 %", "1.2 k/s", "−7.5 dBm"). Negative numbers use a true minus sign; non-finite values read "n/a".
std::string formatValue(double value, const MetricUnit &unit);

// A metric name as an operator would say it: the unit and counter suffixes go, an exporter prefix goes where what is
// left still says what it is (node_, container_, kube_pod_, mysql_global_status_, http_ always; redis_, mysql_,
// kafka_, ib_, roce_ … only if two or more words remain), a request duration is a latency, a quantile leads
// ("http_request_duration_p99_seconds" → "p99 latency", "container_memory_working_set_bytes" → "memory working set",
// "http_errors_ratio" → "error ratio", "mysql_global_status_threads_connected" → "threads connected").
std::string humanMetricName(std::string_view metric);

// One evidence line: "p99 latency rose from 220 ms to 1.5 s (6.8×) at 10:31:05, 14σ above normal", or for a reference
// near zero (within its own noise of zero, where a factor is meaningless) "error ratio rose from 0.2 % to 18 % …";
// falls read "fell from … to … (−63 %)". Times are UTC. `entity`, when given, is the entity the evidence is about: a
// leading word of the metric name that repeats it is dropped ("mysql queries" on mysql-primary reads "queries").
// Events (kinds log, change, fabric) keep the text they were given.
std::string describeEvidence(const RcaEvidence &e, std::string_view entity = {});

// Whether evidence shows something abnormal, and so may be offered in support of a cause: a robust z of at least
// `minScore`, and for cpu, mem, latency and errors (see metricKindOf) a rise only — their fall is a consequence (less
// work arriving) or a restart, as the ranker treats it. Events (kinds log, change and fabric) always count.
bool isAbnormal(const RcaEvidence &e, double minScore = 4.0);

// A fault class as people say it: "row_lock_contention" → "row lock contention".
std::string humanFaultClass(std::string_view faultClass);

} // namespace Nocturne::Engine
