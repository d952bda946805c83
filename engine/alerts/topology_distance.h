#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/topology.h"
#include "scenario/scenario.h"

namespace Nocturne::Engine {

// Hop distance between entities of an estate for alert grouping: call edges, runs-on, connects-to and member-of links
// and the parts hierarchy (pod → service) all count as one hop, in either direction. A call-edge id "a->b" stands for
// its caller. Breadth-first from each source on first use, cached (the cache is bounded: a graph of 100k nodes keeps
// at most a few hundred rows); unknown entities are unrelated (-1). Built from a scenario's estate or from the live
// estate graph (declared YAML, calls seen in traces, the fabric): the engine rebuilds it when the graph changes.
class TopologyDistance
{
public:
    explicit TopologyDistance(const Estate &estate, int maxHops = 4);
    TopologyDistance(const std::vector<TopologyNode> &nodes, const std::vector<TopologyEdge> &edges, int maxHops = 4);
    std::size_t size() const { return m_index.size(); }
    int operator()(const std::string &a, const std::string &b) const;
    // Directed: hops from `from` to `to` following dependencies only (caller → callee, pod → service → its
    // dependencies, runs-on host), -1 when `to` is not a dependency of `from` within maxHops. Faults propagate
    // against this direction: a failing dependency hurts its callers.
    int dependencyHops(const std::string &from, const std::string &to) const;

private:
    enum class Link { Part, RunsOn, Depends, Member };
    void build(const std::vector<std::string> &ids, const std::vector<std::tuple<std::string, std::string, Link>> &links);
    // Neighbours with the cost of the step: 0 between a part and its whole (a pod and its service, a GPU and its
    // server share their fate), 1 for everything else (membership of a group such as a training job included).
    using Graph = std::vector<std::vector<std::pair<int, int>>>;
    Graph m_dependsOn;
    mutable std::unordered_map<int, std::vector<int>> m_directedCache;
    static std::vector<int> bfs(const Graph &graph, int source, int maxHops); // 0-1 breadth-first
    int index(const std::string &id) const;
    Graph m_adjacent;
    std::unordered_map<std::string, int> m_index;
    int m_maxHops;
    mutable std::unordered_map<int, std::vector<int>> m_cache; // source → distances (-1 beyond maxHops)
};

} // namespace Nocturne::Engine
