#pragma once

#include <set>
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

} // namespace Nocturne::Engine
