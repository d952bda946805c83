#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace Nocturne::Engine {

struct Estate;
struct TraceAnalysis;

// What a topology node is. Stable ids ("order", "order-7c9f", "mysql-primary", "leaf-03/p17") name them; the kind
// says how to draw and reason about them.
enum class TopologyNodeKind { Service, Instance, Host, Database, Cache, Queue, Switch, Link, Gpu, External, Other };
const char *topologyNodeKindName(TopologyNodeKind kind);
TopologyNodeKind topologyNodeKindFromString(std::string_view text); // unknown → Other

enum class TopologyEdgeKind { Calls, RunsOn, ConnectsTo, MemberOf }; // MemberOf: a server of a training job, a node of a cluster
const char *topologyEdgeKindName(TopologyEdgeKind kind);

struct TopologyNode
{
    std::string id;
    TopologyNodeKind kind = TopologyNodeKind::Service;
    std::string parent;       // the service of an instance, the switch of a port
    std::string source;       // "scenario", "yaml", "traces" (the first that named it)
    Timestamp firstSeen = 0;
    Timestamp lastSeen = 0;
};

struct TopologyEdge
{
    std::string from;
    std::string to;
    TopologyEdgeKind kind = TopologyEdgeKind::Calls;
    // Calls: the latest known traffic, failure share and latency (0 when unknown).
    double rps = 0;
    double errorRatio = 0;
    double latencySeconds = 0;
    double share = 1;   // share of the caller's requests that reach the callee (scenario / YAML)
    std::string source;
    Timestamp lastSeen = 0;
};

// The estate's graph, merged from several sources over time: the scenario's estate, a YAML description, and the
// service calls seen in traces. Nodes and edges are keyed by stable ids only (never by address), so a pod that
// reuses another's IP cannot join their calls; an observed edge that is not seen again for `edgeTtl` (default one
// hour) expires, declared ones (scenario, YAML) never do. Plain data; the engine guards it with its own lock.
class Topology
{
public:
    void addNode(TopologyNode node, Timestamp now);
    void addEdge(TopologyEdge edge, Timestamp now);
    void mergeEstate(const Estate &estate, Timestamp now);
    // YAML: `nodes: [{id, kind, parent}]`, `edges: [{from, to, kind: calls|runs_on|connects_to, share}]`.
    // Errors name the line and column.
    Status mergeYaml(std::string_view text, Timestamp now, std::string_view sourceName = "yaml");
    // Service calls seen in traces over `window` (rates are calls / window).
    void mergeTraces(const TraceAnalysis &analysis, Timestamp now, Duration window);
    // Drops observed (trace) edges last seen before `now - ttl` and nodes no edge or declaration keeps.
    std::size_t expire(Timestamp now, Duration ttl = kHour);
    void setCallStats(const std::string &from, const std::string &to, double rps, double errorRatio, double latencySeconds, Timestamp now);

    const std::vector<TopologyNode> &nodes() const { return m_nodes; }
    const std::vector<TopologyEdge> &edges() const { return m_edges; }
    const TopologyNode *node(const std::string &id) const;
    std::uint64_t version() const { return m_version; } // changes when nodes or edges are added or removed

    // Graph questions (Calls edges): who calls `id` transitively (what its failure reaches), the shortest call chain
    // from `from` down to `to` (empty when none).
    std::vector<std::string> transitiveCallers(const std::string &id) const;
    std::vector<std::string> callPath(const std::string &from, const std::string &to) const;

private:
    std::size_t edgeIndex(const std::string &from, const std::string &to, TopologyEdgeKind kind) const;
    std::vector<TopologyNode> m_nodes;
    std::unordered_map<std::string, std::size_t> m_nodeIndex;
    std::vector<TopologyEdge> m_edges;
    std::map<std::tuple<std::string, std::string, int>, std::size_t> m_edgeIndex;
    std::uint64_t m_version = 0;
};

} // namespace Nocturne::Engine
