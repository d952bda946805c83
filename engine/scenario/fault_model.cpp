#include "fault_model.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <queue>

#include "core/random.h"
#include "scenario/fault_model_detail.h"
#include "scenario/metric_catalog.h"

namespace Nocturne::Engine {

namespace FaultModelDetail {

namespace {

struct ClassInfo {
    FaultClass cls;
    const char *name;
    const char *eligibility;
};
constexpr ClassInfo kClasses[] = {
    {FaultClass::CpuSaturation, "cpu_saturation", "a service with pods, a pod, a host, a database or a cache"},
    {FaultClass::MemoryLeak, "memory_leak", "a service with pods"},
    {FaultClass::ConnectionPoolExhausted, "connection_pool_exhausted", "a service with a connection pool (parameter 'pool')"},
    {FaultClass::BadDeploy, "bad_deploy", "a service"},
    {FaultClass::LatencyInjection, "latency_injection", "a service, a database or a cache"},
    {FaultClass::NetworkDelay, "network_delay", "a host that runs something"},
    {FaultClass::RowLockContention, "row_lock_contention", "a database"},
    {FaultClass::CacheMissStorm, "cache_miss_storm", "a cache"},
    {FaultClass::RedisSlotMigration, "redis_slot_migration", "a cache"},
    {FaultClass::GpuFallenOffBus, "gpu_fallen_off_bus", "a GPU"},
    {FaultClass::CongestedUplink, "congested_uplink", "a switch port linked to another switch"},
    {FaultClass::PfcStorm, "pfc_storm", "a switch port linked to a server's NIC"},
    {FaultClass::TransceiverDegradation, "transceiver_degradation", "a transceiver in a linked port"},
};
constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
    {"gpu_xid", "gpu_fallen_off_bus"},
    {"optic_degradation", "transceiver_degradation"},
    {"slow_dependency", "latency_injection"},
};

const ClassInfo *classInfo(std::string_view name)
{
    for (const auto &[alias, canonical] : kAliases) {
        if (name == alias)
            name = canonical;
    }
    for (const ClassInfo &info : kClasses) {
        if (name == info.name)
            return &info;
    }
    return nullptr;
}

FaultClass classOf(std::string_view name)
{
    const ClassInfo *info = classInfo(name);
    return info ? info->cls : FaultClass::Unknown;
}

bool eligible(const Graph &g, FaultClass cls, std::size_t i)
{
    const EntityKind k = g.kind(i);
    switch (cls) {
    case FaultClass::CpuSaturation:
        return (k == EntityKind::Service && !g.partsOfKind(i, EntityKind::Pod).empty()) || k == EntityKind::Pod || k == EntityKind::Host ||
               k == EntityKind::Database || k == EntityKind::Cache;
    case FaultClass::MemoryLeak: return k == EntityKind::Service && !g.partsOfKind(i, EntityKind::Pod).empty();
    case FaultClass::ConnectionPoolExhausted: return k == EntityKind::Service && g.at(i).params.count("pool");
    case FaultClass::BadDeploy: return k == EntityKind::Service;
    case FaultClass::LatencyInjection: return k == EntityKind::Service || k == EntityKind::Database || k == EntityKind::Cache;
    case FaultClass::NetworkDelay: return k == EntityKind::Host && !g.hosted[i].empty();
    case FaultClass::RowLockContention: return k == EntityKind::Database;
    case FaultClass::CacheMissStorm:
    case FaultClass::RedisSlotMigration: return k == EntityKind::Cache;
    case FaultClass::GpuFallenOffBus: return k == EntityKind::Gpu;
    case FaultClass::CongestedUplink: return g.switchPortLinkedTo(i, EntityKind::Switch);
    case FaultClass::PfcStorm: return g.switchPortLinkedTo(i, EntityKind::Nic);
    case FaultClass::TransceiverDegradation: {
        const std::size_t port = g.parentOf(i);
        return k == EntityKind::Transceiver && port != kNone && g.kind(port) == EntityKind::Port && !g.linked[port].empty();
    }
    case FaultClass::Unknown: return false;
    }
    return false;
}

} // namespace

Graph::Graph(const Estate &e)
    : estate(e)
{
    const std::size_t n = e.entities.size();
    callers.resize(n);
    callees.resize(n);
    parts.resize(n);
    hosted.resize(n);
    linked.resize(n);
    groups.resize(n);
    members.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const Entity &entity = e.entities[i];
        if (const std::size_t p = index(entity.parent); p != kNone && p != i)
            parts[p].push_back(i);
        if (const std::size_t h = index(entity.host); h != kNone && h != i)
            hosted[h].push_back(i);
    }
    for (const Edge &edge : e.edges) {
        const std::size_t from = index(edge.from), to = index(edge.to);
        if (from == kNone || to == kNone || from == to)
            continue;
        switch (edge.kind) {
        case EdgeKind::Calls:
            callers[to].push_back({from, edge.share});
            callees[from].push_back({to, edge.share});
            break;
        case EdgeKind::RunsOn: hosted[to].push_back(from); break;
        case EdgeKind::ConnectsTo:
            linked[from].push_back(to);
            linked[to].push_back(from);
            break;
        case EdgeKind::MemberOf:
            groups[from].push_back(to);
            members[to].push_back(from);
            break;
        }
    }
    for (Lists *lists : {&parts, &hosted, &linked, &groups, &members}) {
        for (auto &list : *lists) {
            std::sort(list.begin(), list.end());
            list.erase(std::unique(list.begin(), list.end()), list.end());
        }
    }
}

std::size_t Graph::index(const std::string &id) const
{
    if (id.empty())
        return kNone;
    auto it = estate.index.find(id);
    return it == estate.index.end() || it->second >= estate.entities.size() ? kNone : it->second;
}

std::vector<std::size_t> Graph::partsOfKind(std::size_t i, EntityKind k) const
{
    std::vector<std::size_t> out;
    for (std::size_t p : parts[i])
        if (kind(p) == k)
            out.push_back(p);
    return out;
}

std::size_t Graph::ancestorOfKind(std::size_t i, EntityKind k) const
{
    for (int guard = 0; i != kNone && guard < 64; ++guard, i = parentOf(i)) {
        if (kind(i) == k)
            return i;
    }
    return kNone;
}

double Graph::param(std::size_t i, const char *name, double fallback) const
{
    const Entity &e = at(i);
    if (auto it = e.params.find(name); it != e.params.end())
        return it->second;
    const std::size_t p = parentOf(i);
    return p == kNone ? fallback : at(p).param(name, fallback);
}

double Graph::ownSeconds(std::size_t service) const
{
    return std::max(1e-4, param(service, "latency_ms", 50) * 0.001);
}

double Graph::ownErrors(std::size_t service) const
{
    return std::max(1e-5, param(service, "error_ratio", 0.002));
}

double Graph::callSeconds(std::size_t callee) const
{
    // As the signal generator sets the base of a call edge's p99: the callee's time plus the network.
    switch (kind(callee)) {
    case EntityKind::Service: return ownSeconds(callee) * 1.1;
    case EntityKind::Cache: return 0.0008 * 1.1;
    case EntityKind::Database: return 0.006 * 1.1;
    default: return 0.004 * 1.1;
    }
}

double Graph::callErrors(std::size_t callee) const
{
    return kind(callee) == EntityKind::Service ? ownErrors(callee) : 0.0005;
}

std::size_t Graph::topCaller(std::size_t callee) const
{
    std::size_t best = kNone;
    double bestRate = -1;
    for (const auto &[caller, share] : callers[callee]) {
        const double rate = param(caller, "rps", 100) * share;
        if (rate > bestRate) {
            bestRate = rate;
            best = caller;
        }
    }
    return best;
}

void Graph::serversBehindSwitch(std::size_t sw, int depth, std::set<std::size_t> &servers, std::set<std::size_t> &seen) const
{
    if (!seen.insert(sw).second)
        return;
    for (std::size_t port : parts[sw]) {
        for (std::size_t peer : linked[port]) {
            const std::size_t owner = parentOf(peer);
            if (owner == kNone)
                continue;
            if (kind(owner) == EntityKind::Nic) {
                if (const std::size_t server = ancestorOfKind(owner, EntityKind::Server); server != kNone)
                    servers.insert(server);
            } else if (kind(owner) == EntityKind::Switch && depth > 0) {
                serversBehindSwitch(owner, depth - 1, servers, seen);
            }
        }
    }
}

std::vector<std::size_t> Graph::jobsOf(const std::set<std::size_t> &servers) const
{
    std::set<std::size_t> jobs;
    for (std::size_t s : servers)
        for (std::size_t g : groups[s])
            if (kind(g) == EntityKind::Job)
                jobs.insert(g);
    return {jobs.begin(), jobs.end()};
}

bool Graph::switchPortLinkedTo(std::size_t port, EntityKind peerOwner) const
{
    const std::size_t owner = parentOf(port);
    if (kind(port) != EntityKind::Port || owner == kNone || kind(owner) != EntityKind::Switch)
        return false;
    return std::any_of(linked[port].begin(), linked[port].end(), [&](std::size_t peer) {
        const std::size_t peerOwnerIndex = parentOf(peer);
        return kind(peer) == EntityKind::Port && peerOwnerIndex != kNone && kind(peerOwnerIndex) == peerOwner;
    });
}

bool hasMetric(const Entity &e, std::string_view metric)
{
    for (const MetricSpec &spec : metricsForKind(e.kind)) {
        if (metric == spec.name)
            return !(spec.onlyWithParam && spec.baseParam && !e.params.count(spec.baseParam));
    }
    return false;
}

Builder::Builder(const Graph &graph, FaultSpec &spec, std::size_t root, std::uint64_t seed)
    : m_g(graph)
    , m_spec(spec)
    , m_root(root)
    , m_seed(seed)
{
    touch(root);
}

void Builder::effect(std::size_t entity, const char *metric, FaultEffect::Op op, double value, Duration lag, Duration ramp, Duration hold)
{
    if (entity == kNone || !hasMetric(m_g.at(entity), metric))
        return;
    m_spec.effects.push_back(FaultEffect{id(entity), metric, op, value, lag, ramp, hold});
    touch(entity);
}

void Builder::edgeEffect(std::size_t caller, std::size_t callee, const char *metric, double scale, Duration lag, Duration ramp)
{
    m_spec.effects.push_back(FaultEffect{id(caller) + "->" + id(callee), metric, FaultEffect::Op::Scale, scale, lag, ramp, 0});
    touch(callee);
}

void Builder::log(std::size_t entity, const char *level, std::string text, double perMinute, Duration lag)
{
    if (entity == kNone)
        return;
    m_spec.logs.push_back(FaultLog{id(entity), level, std::move(text), perMinute, lag});
    touch(entity);
}

void Builder::source(Source s)
{
    if (s.entity != kNone && (s.extraSeconds > 0 || s.extraErrors > 0))
        m_sources.push_back(s);
}

Duration Builder::hopLag(std::size_t caller, std::size_t callee) const
{
    return 5 * kSecond + Duration(mix(m_seed ^ hashString(id(caller) + "->" + id(callee))) % 11) * kSecond;
}

void Builder::touch(std::size_t entity)
{
    if (entity != kNone && std::find(m_touched.begin(), m_touched.end(), entity) == m_touched.end())
        m_touched.push_back(entity);
}

void Builder::propagateFrom(const Source &s)
{
    const std::size_t n = m_g.estate.entities.size();
    // Share of each caller's requests that reach the source: walks over the reversed call graph (cycles and all),
    // never back through the source, at most kMaxHops long; capped at 1 below.
    std::vector<double> reach(n, 0.0), cur(n, 0.0), next(n, 0.0);
    std::vector<bool> queued(n, false);
    std::vector<std::size_t> frontier{s.entity}, nextFrontier;
    cur[s.entity] = 1;
    for (int hop = 0; hop < kMaxHops && !frontier.empty(); ++hop) {
        nextFrontier.clear();
        for (std::size_t x : frontier) {
            for (const auto &[caller, share] : m_g.callers[x]) {
                if (caller == s.entity)
                    continue;
                if (!queued[caller]) {
                    queued[caller] = true;
                    nextFrontier.push_back(caller);
                }
                next[caller] += share * cur[x];
            }
        }
        for (std::size_t x : frontier)
            cur[x] = 0;
        for (std::size_t c : nextFrontier) {
            reach[c] += next[c];
            cur[c] = next[c];
            next[c] = 0;
            queued[c] = false;
        }
        std::sort(nextFrontier.begin(), nextFrontier.end());
        frontier.swap(nextFrontier);
    }
    // Fewest hops to the source, for the dilution.
    std::vector<int> hops(n, -1);
    hops[s.entity] = 0;
    std::queue<std::size_t> bfs;
    bfs.push(s.entity);
    while (!bfs.empty()) {
        const std::size_t x = bfs.front();
        bfs.pop();
        for (const auto &[caller, share] : m_g.callers[x]) {
            if (hops[caller] < 0) {
                hops[caller] = hops[x] + 1;
                bfs.push(caller);
            }
        }
    }
    // What each caller would show; only services have the metrics.
    std::vector<double> latency(n, 1.0), errors(n, 1.0);
    std::vector<bool> visible(n, false);
    for (std::size_t c = 0; c < n; ++c) {
        if (c == s.entity || reach[c] <= 0 || hops[c] <= 0 || m_g.kind(c) != EntityKind::Service)
            continue;
        const double r = std::min(1.0, reach[c]);
        latency[c] = 1 + std::min(kMaxLatencyFactor - 1, s.extraSeconds * r * std::pow(kLatencyDilution, hops[c]) / m_g.ownSeconds(c));
        errors[c] = 1 + std::min(kMaxErrorFactor - 1, s.extraErrors * r * std::pow(kErrorAbsorption, hops[c]) / m_g.ownErrors(c));
        visible[c] = latency[c] >= kMinLatencyFactor || errors[c] >= kMinErrorFactor;
    }
    // Lags: a per-hop delay along the earliest path through callers that show the trouble (the propagation stops at
    // a caller where detection could not see it).
    constexpr Duration kInfinite = std::numeric_limits<Duration>::max();
    std::vector<Duration> lag(n, kInfinite);
    lag[s.entity] = 0;
    using Item = std::pair<Duration, std::size_t>;
    std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
    queue.push({0, s.entity});
    std::vector<std::size_t> reached;
    while (!queue.empty()) {
        const auto [d, x] = queue.top();
        queue.pop();
        if (d > lag[x])
            continue;
        if (x != s.entity)
            reached.push_back(x);
        for (const auto &[caller, share] : m_g.callers[x]) {
            if (caller == s.entity || !visible[caller])
                continue;
            const Duration candidate = d + hopLag(caller, x);
            if (candidate < lag[caller]) {
                lag[caller] = candidate;
                queue.push({candidate, caller});
            }
        }
    }
    for (std::size_t c : reached) {
        auto add = [&](const char *metric, double factor, Duration base) {
            Pending &p = m_pending[{c, metric}];
            p.lag = p.excess == 0 ? base + lag[c] : std::min(p.lag, base + lag[c]);
            p.ramp = std::max(p.ramp, s.ramp);
            p.excess += factor - 1;
        };
        if (latency[c] >= kMinLatencyFactor)
            add("http_request_duration_p99_seconds", latency[c], s.latencyLag);
        if (errors[c] >= kMinErrorFactor)
            add("http_errors_ratio", errors[c], s.errorLag);
    }
}

void Builder::propagate()
{
    for (const Source &s : m_sources)
        propagateFrom(s);
    struct Out {
        std::size_t entity;
        std::string metric;
        Pending p;
    };
    std::vector<Out> out;
    for (const auto &[key, p] : m_pending)
        out.push_back({key.first, key.second, p});
    std::stable_sort(out.begin(), out.end(),
                     [&](const Out &a, const Out &b) { return a.p.lag != b.p.lag ? a.p.lag < b.p.lag : id(a.entity) < id(b.entity); });
    for (const Out &o : out) {
        m_spec.effects.push_back(FaultEffect{
            id(o.entity), o.metric, FaultEffect::Op::Scale,
            1 + std::min(o.metric == "http_errors_ratio" ? kMaxErrorFactor - 1 : kMaxLatencyFactor - 1, o.p.excess), o.p.lag, o.p.ramp, 0});
        touch(o.entity);
    }
    m_pending.clear();
    m_sources.clear();
}

void Builder::finish()
{
    // Ground truth: what was touched, minus what a listed entity already covers (its parts, its members).
    const std::set<std::size_t> listed(m_touched.begin(), m_touched.end());
    auto coveredByOther = [&](std::size_t x) {
        std::size_t e = x;
        for (int guard = 0; e != kNone && guard < 64; ++guard, e = m_g.parentOf(e)) {
            if (e != x && listed.count(e))
                return true;
            for (std::size_t group : m_g.groups[e])
                if (group != x && listed.count(group))
                    return true;
        }
        return false;
    };
    m_spec.propagation.clear();
    for (std::size_t x : m_touched) {
        if (x == m_root || !coveredByOther(x))
            m_spec.propagation.push_back(id(x));
    }
}

} // namespace FaultModelDetail

using namespace FaultModelDetail;

std::vector<std::string> knownFaultClasses()
{
    std::vector<std::string> out;
    for (const ClassInfo &info : kClasses)
        out.push_back(info.name);
    return out;
}

std::string canonicalFaultClass(std::string_view faultClass)
{
    const ClassInfo *info = classInfo(faultClass);
    return info ? info->name : std::string();
}

std::string eligibilityText(std::string_view faultClass)
{
    const ClassInfo *info = classInfo(faultClass);
    return info ? info->eligibility : "nothing (unknown class)";
}

bool isEligibleRoot(const Estate &estate, std::string_view faultClass, const std::string &root)
{
    const FaultClass cls = classOf(faultClass);
    if (cls == FaultClass::Unknown)
        return false;
    const Graph g(estate);
    const std::size_t i = g.index(root);
    return i != kNone && eligible(g, cls, i);
}

std::vector<std::string> eligibleRoots(const Estate &estate, std::string_view faultClass)
{
    std::vector<std::string> out;
    const FaultClass cls = classOf(faultClass);
    if (cls == FaultClass::Unknown)
        return out;
    const Graph g(estate);
    for (std::size_t i = 0; i < estate.entities.size(); ++i) {
        if (eligible(g, cls, i))
            out.push_back(estate.entities[i].id);
    }
    return out;
}

std::vector<std::string> faultClasses(const Estate &estate)
{
    std::vector<std::string> out;
    const Graph g(estate);
    for (const ClassInfo &info : kClasses) {
        for (std::size_t i = 0; i < estate.entities.size(); ++i) {
            if (eligible(g, info.cls, i)) {
                out.push_back(info.name);
                break;
            }
        }
    }
    return out;
}

FaultSpec synthesizeFault(const Estate &estate, std::string faultClass, std::string root, Duration onset, Duration duration,
                          std::uint64_t seed)
{
    FaultSpec spec;
    const FaultClass cls = classOf(faultClass);
    spec.faultClass = cls == FaultClass::Unknown ? std::move(faultClass) : canonicalFaultClass(faultClass);
    spec.root = std::move(root);
    spec.id = spec.faultClass + "@" + spec.root;
    spec.onset = onset;
    spec.duration = std::max<Duration>(duration, kSecond);
    spec.propagation = {spec.root};
    const Graph g(estate);
    const std::size_t rootIndex = g.index(spec.root);
    if (cls == FaultClass::Unknown || rootIndex == kNone || !eligible(g, cls, rootIndex)) {
        spec.description =
            spec.faultClass + " on " + spec.root + ": not synthesized (the class needs " + eligibilityText(spec.faultClass) + ")";
        return spec;
    }
    spec.description =
        spec.faultClass + " on " + spec.root + " (" + entityKindName(g.kind(rootIndex)) + "), synthesized by the fault model";
    Builder b(g, spec, rootIndex, seed);
    buildFault(cls, b);
    b.propagate();
    b.finish();
    return spec;
}

void applyEffectOverrides(FaultSpec &fault, const std::vector<FaultEffect> &handWritten)
{
    std::erase_if(fault.effects, [&](const FaultEffect &synthesized) {
        return std::any_of(handWritten.begin(), handWritten.end(),
                           [&](const FaultEffect &own) { return own.entity == synthesized.entity && own.metric == synthesized.metric; });
    });
    fault.effects.insert(fault.effects.end(), handWritten.begin(), handWritten.end());
}

} // namespace Nocturne::Engine
