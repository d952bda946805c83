#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "scenario/scenario.h"

namespace Nocturne::Engine {

// Hop distance between entities of an estate for alert grouping: call edges, runs-on, connects-to and member-of links
// and the parts hierarchy (pod → service) all count as one hop, in either direction. A call-edge id "a->b" stands for
// its caller. Breadth-first from each source on first use, cached; unknown entities are unrelated (-1).
class TopologyDistance
{
public:
    explicit TopologyDistance(const Estate &estate, int maxHops = 4);
    int operator()(const std::string &a, const std::string &b) const;
    // Directed: hops from `from` to `to` following dependencies only (caller → callee, pod → service → its
    // dependencies, runs-on host), -1 when `to` is not a dependency of `from` within maxHops. Faults propagate
    // against this direction: a failing dependency hurts its callers.
    int dependencyHops(const std::string &from, const std::string &to) const;

private:
    std::vector<std::vector<int>> m_dependsOn;
    mutable std::unordered_map<int, std::vector<int>> m_directedCache;
    static std::vector<int> bfs(const std::vector<std::vector<int>> &graph, int source, int maxHops);
    int index(const std::string &id) const;
    std::vector<std::vector<int>> m_adjacent;
    std::unordered_map<std::string, int> m_index;
    int m_maxHops;
    mutable std::unordered_map<int, std::vector<int>> m_cache; // source → distances (-1 beyond maxHops)
};

} // namespace Nocturne::Engine
