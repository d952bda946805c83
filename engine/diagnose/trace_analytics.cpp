#include "trace_analytics.h"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace Nocturne::Engine {

namespace {
struct TraceIndex
{
    // Per span: its parent record index (or -1) and its children, within one trace.
    std::vector<int> parent;
    std::vector<std::vector<int>> children;
};

// Links the spans of one trace. Zipkin shares a span id between the client's and the server's records of a call: the
// client-kind record (else the longer one) is the client, the server record becomes its child.
TraceIndex linkTrace(const std::vector<const SpanRecord *> &spans)
{
    TraceIndex t;
    t.parent.assign(spans.size(), -1);
    t.children.resize(spans.size());
    std::unordered_map<std::uint64_t, std::vector<int>> byId;
    for (int i = 0; i < int(spans.size()); ++i)
        byId[spans[std::size_t(i)]->spanId].push_back(i);
    const auto clientOf = [&](std::uint64_t id) -> int {
        const auto it = byId.find(id);
        if (it == byId.end())
            return -1;
        int best = it->second.front();
        for (int i : it->second) {
            const SpanRecord &a = *spans[std::size_t(i)], &b = *spans[std::size_t(best)];
            const bool aClient = a.kind == 3 || a.kind == 4, bClient = b.kind == 3 || b.kind == 4;
            if (aClient != bClient ? aClient : a.duration > b.duration)
                best = i;
        }
        return best;
    };
    for (int i = 0; i < int(spans.size()); ++i) {
        const SpanRecord &s = *spans[std::size_t(i)];
        const int client = clientOf(s.spanId);
        if (client != i) {
            t.parent[std::size_t(i)] = client; // the server side of a shared id
        } else if (s.parentSpanId) {
            // The parent: the record of the parent id in the same service, else its server-side record (where the
            // parent's work ran), else the client record.
            int p = -1;
            if (const auto it = byId.find(s.parentSpanId); it != byId.end()) {
                for (int j : it->second)
                    if (spans[std::size_t(j)]->service == s.service)
                        p = j;
                const int parentClient = clientOf(s.parentSpanId);
                for (int j : it->second)
                    if (p < 0 && j != parentClient)
                        p = j;
                if (p < 0)
                    p = parentClient;
            }
            t.parent[std::size_t(i)] = p;
        }
        if (t.parent[std::size_t(i)] >= 0)
            t.children[std::size_t(t.parent[std::size_t(i)])].push_back(i);
    }
    return t;
}

Duration selfTime(const SpanRecord &s, const std::vector<const SpanRecord *> &spans, const std::vector<int> &children)
{
    // Union of the children's intervals clipped to the span.
    std::vector<std::pair<Timestamp, Timestamp>> covered;
    for (int c : children) {
        const SpanRecord &k = *spans[std::size_t(c)];
        Timestamp a = std::max(k.start, s.start), b = std::min(k.start + k.duration, s.start + s.duration);
        if (s.start == 0 && k.start == 0) { // no timestamps (some Zipkin spans): nested by assumption
            a = 0;
            b = std::min(k.duration, s.duration);
        }
        if (b > a)
            covered.push_back({a, b});
    }
    std::sort(covered.begin(), covered.end());
    Duration busy = 0;
    Timestamp end = std::numeric_limits<Timestamp>::min();
    for (const auto &[a, b] : covered) {
        const Timestamp from = std::max(a, end);
        if (b > from)
            busy += b - from;
        end = std::max(end, b);
    }
    return std::max<Duration>(0, s.duration - busy);
}
} // namespace

TraceAnalysis analyseTraces(std::span<const SpanRecord> spans)
{
    TraceAnalysis out;
    out.spans = spans.size();
    std::unordered_map<std::uint64_t, std::vector<const SpanRecord *>> byTrace;
    for (const SpanRecord &s : spans) {
        byTrace[s.traceId].push_back(&s);
        out.services.insert(s.service);
    }
    out.traces = byTrace.size();
    std::map<std::pair<std::string, std::string>, ServiceEdge> edges;
    std::map<std::pair<std::string, std::string>, OperationSelfTime> ops;
    const auto addEdge = [&](const std::string &caller, const std::string &callee, const SpanRecord &call) {
        if (caller.empty() || callee.empty() || caller == callee)
            return;
        ServiceEdge &e = edges[{caller, callee}];
        e.caller = caller;
        e.callee = callee;
        ++e.calls;
        e.errors += call.error ? 1 : 0;
        e.totalLatency += call.duration;
    };
    for (auto &[_, trace] : byTrace) {
        const TraceIndex index = linkTrace(trace);
        for (std::size_t i = 0; i < trace.size(); ++i) {
            const SpanRecord &s = *trace[i];
            const int p = index.parent[i];
            if (p >= 0)
                addEdge(trace[std::size_t(p)]->service, s.service, s);
            if (!s.peer.empty() && !out.services.count(s.peer))
                addEdge(s.service, s.peer, s); // a database, cache or queue the client names
            OperationSelfTime &o = ops[{s.service, s.operation}];
            o.service = s.service;
            o.operation = s.operation;
            ++o.count;
            o.total += s.duration;
            const Duration self = selfTime(s, trace, index.children[i]);
            o.self += self;
            o.maxSelf = std::max(o.maxSelf, self);
        }
    }
    // Peers that turned out to be traced services are edges too (seen only once all services are known).
    for (const SpanRecord &s : spans)
        if (!s.peer.empty() && out.services.count(s.peer) && s.peer != s.service && !edges.count({s.service, s.peer}))
            addEdge(s.service, s.peer, s);
    for (auto &[_, e] : edges)
        out.edges.push_back(std::move(e));
    for (auto &[_, o] : ops)
        out.operations.push_back(std::move(o));
    std::sort(out.operations.begin(), out.operations.end(), [](const OperationSelfTime &a, const OperationSelfTime &b) {
        return a.self != b.self ? a.self > b.self : std::tie(a.service, a.operation) < std::tie(b.service, b.operation);
    });
    return out;
}

std::vector<SlowSpan> explainSlowTrace(std::span<const SpanRecord> traceSpans, const SlowSpanThresholds &thresholds,
                                       const std::set<std::string> &knownServices)
{
    std::vector<const SpanRecord *> trace;
    std::set<std::string> services = knownServices;
    for (const SpanRecord &s : traceSpans) {
        trace.push_back(&s);
        services.insert(s.service);
    }
    const TraceIndex index = linkTrace(trace);
    std::vector<SlowSpan> out;
    for (std::size_t i = 0; i < trace.size(); ++i) {
        const SpanRecord &s = *trace[i];
        SlowSpan slow{s, selfTime(s, trace, index.children[i]), {}};
        const bool leavesTracedServices = !s.peer.empty() && !services.count(s.peer);
        const bool database = leavesTracedServices && index.children[i].empty()
                              && (s.operation.find("SELECT") != std::string::npos || s.operation.find("sql") != std::string::npos
                                  || s.operation.find("db") != std::string::npos || s.operation.find("redis") != std::string::npos
                                  || s.peer.find("db") != std::string::npos || s.peer.find("sql") != std::string::npos
                                  || s.peer.find("redis") != std::string::npos || s.peer.find("cache") != std::string::npos);
        if (database && s.duration > thresholds.database)
            slow.reason = "slow database call";
        else if (leavesTracedServices && s.duration > thresholds.external)
            slow.reason = "slow external call";
        else if (!leavesTracedServices && slow.self > thresholds.cpu)
            slow.reason = "CPU-heavy";
        out.push_back(std::move(slow));
    }
    std::sort(out.begin(), out.end(), [](const SlowSpan &a, const SlowSpan &b) {
        if (a.reason.empty() != b.reason.empty())
            return !a.reason.empty();
        return a.self != b.self ? a.self > b.self : a.span.spanId < b.span.spanId;
    });
    return out;
}

TraceAggregator::TraceAggregator()
    : TraceAggregator(Options{})
{
}

TraceAggregator::TraceAggregator(Options options)
    : m_options(options)
{
}

void TraceAggregator::add(std::span<const SpanRecord> spans)
{
    for (const SpanRecord &s : spans) {
        auto it = m_traces.find(s.traceId);
        if (it == m_traces.end()) {
            if (m_traces.size() >= m_options.maxTraces) {
                // Full: close the trace that has been quiet longest.
                auto oldest = std::min_element(m_traces.begin(), m_traces.end(),
                                               [](const auto &a, const auto &b) { return a.second.lastStart < b.second.lastStart; });
                close(oldest->first);
            }
            it = m_traces.emplace(s.traceId, Open{}).first;
        }
        if (it->second.spans.size() < m_options.maxSpansPerTrace)
            it->second.spans.push_back(s);
        it->second.lastStart = std::max(it->second.lastStart, s.start + s.duration);
    }
}

void TraceAggregator::close(std::uint64_t traceId)
{
    const auto it = m_traces.find(traceId);
    if (it == m_traces.end())
        return;
    std::vector<const SpanRecord *> trace;
    for (const SpanRecord &s : it->second.spans)
        trace.push_back(&s);
    const TraceIndex index = linkTrace(trace);
    for (std::size_t i = 0; i < trace.size(); ++i) {
        const SpanRecord &s = *trace[i];
        Cell &c = m_cells[{s.start - s.start % kMinute, s.service, s.operation}];
        ++c.requests;
        c.errors += s.error ? 1 : 0;
        c.self += selfTime(s, trace, index.children[i]);
    }
    m_traces.erase(it);
}

std::vector<TraceAggregator::Point> TraceAggregator::flush(Timestamp now)
{
    std::vector<std::uint64_t> quiet;
    Timestamp oldestOpen = std::numeric_limits<Timestamp>::max();
    for (const auto &[id, open] : m_traces) {
        if (open.lastStart <= now - m_options.settle)
            quiet.push_back(id);
        else
            for (const SpanRecord &s : open.spans)
                oldestOpen = std::min(oldestOpen, s.start);
    }
    for (std::uint64_t id : quiet)
        close(id);
    // Minutes before the settle horizon and before any open trace's first span are final.
    const Timestamp horizon = std::min(now - m_options.settle, oldestOpen);
    std::vector<Point> out;
    for (auto it = m_cells.begin(); it != m_cells.end();) {
        const auto &[minute, service, operation] = it->first;
        if (minute + kMinute > horizon)
            break; // ordered by minute first
        const Cell &c = it->second;
        out.push_back({service, operation, minute, c.requests, c.requests ? double(c.self) / double(c.requests) / double(kSecond) : 0.0,
                       c.requests ? double(c.errors) / double(c.requests) : 0.0});
        it = m_cells.erase(it);
    }
    return out;
}

} // namespace Nocturne::Engine
