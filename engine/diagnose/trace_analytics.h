#pragma once

#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "model/records.h"

namespace Nocturne::Engine {

// Service-to-service calls seen in traces.
struct ServiceEdge
{
    std::string caller;
    std::string callee;
    std::uint64_t calls = 0;
    std::uint64_t errors = 0;
    Duration totalLatency = 0; // sum of the callee-side durations
};

// Time spent in an operation itself: its duration minus what its children covered (the union of their intervals
// inside it, so parallel children are not subtracted twice).
struct OperationSelfTime
{
    std::string service;
    std::string operation;
    std::uint64_t count = 0;
    Duration total = 0;
    Duration self = 0;
    Duration maxSelf = 0;
};

struct TraceAnalysis
{
    std::set<std::string> services;
    std::vector<ServiceEdge> edges;           // by caller, callee
    std::vector<OperationSelfTime> operations; // by self time, largest first
    std::size_t spans = 0;
    std::size_t traces = 0;
};

// Builds the service graph and per-operation self times from spans of any number of traces. Edges come from
// parent/child links across services, from Zipkin-style shared span ids (the client's and the server's record of
// one call), and from client spans naming their peer (peer.service, db.system, …). Spans are matched within their
// trace only, so ids reused across traces (or pods reusing addresses) never create phantom edges.
TraceAnalysis analyseTraces(std::span<const SpanRecord> spans);

struct SlowSpanThresholds
{
    Duration database = 100 * kMillisecond; // a call to a database or cache (peer set and not a service)
    Duration external = 500 * kMillisecond; // a call leaving the traced services
    Duration cpu = 200 * kMillisecond;      // time an operation spent in itself
};

// Why one request was slow: its spans by self time, each labelled "slow database call", "slow external call" or
// "CPU-heavy" when it crosses the threshold, strongest first.
struct SlowSpan
{
    SpanRecord span;
    Duration self = 0;
    std::string reason; // empty when under every threshold
};
std::vector<SlowSpan> explainSlowTrace(std::span<const SpanRecord> traceSpans, const SlowSpanThresholds &thresholds = {},
                                       const std::set<std::string> &knownServices = {});

// Turns a stream of spans into per-minute series of each (service, operation): requests and mean self time. Spans
// are held per trace until the trace has been quiet for `settle` (its late children may still come); then the
// trace's self times land in the minute of each span's start. Memory is bounded by `maxTraces` open traces (the
// oldest is closed early when full).
class TraceAggregator
{
public:
    struct Options
    {
        Duration settle = 30 * kSecond;
        std::size_t maxTraces = 50'000;
        std::size_t maxSpansPerTrace = 10'000;
    };
    struct Point
    {
        std::string service;
        std::string operation;
        Timestamp minute = 0; // start of the minute
        std::uint64_t requests = 0;
        double meanSelfSeconds = 0;
        double errorRatio = 0;
    };

    TraceAggregator();
    explicit TraceAggregator(Options options);
    void add(std::span<const SpanRecord> spans);
    // Closes traces quiet since `now − settle` and returns the minutes that can no longer change (before the oldest
    // still-open span's minute).
    std::vector<Point> flush(Timestamp now);
    std::size_t openTraces() const { return m_traces.size(); }

private:
    struct Open
    {
        std::vector<SpanRecord> spans;
        Timestamp lastStart = 0;
    };
    struct Cell
    {
        std::uint64_t requests = 0, errors = 0;
        Duration self = 0;
    };
    void close(std::uint64_t traceId);

    Options m_options;
    std::unordered_map<std::uint64_t, Open> m_traces;
    std::map<std::tuple<Timestamp, std::string, std::string>, Cell> m_cells; // (minute, service, operation)
};

} // namespace Nocturne::Engine
