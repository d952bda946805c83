#include "topology_distance.h"

#include <deque>

namespace Nocturne::Engine {

TopologyDistance::TopologyDistance(const Estate &estate, int maxHops)
    : m_maxHops(maxHops)
{
    for (const Entity &e : estate.entities)
        m_index.emplace(e.id, int(m_index.size()));
    m_adjacent.resize(m_index.size());
    auto link = [&](const std::string &a, const std::string &b) {
        const auto ia = m_index.find(a), ib = m_index.find(b);
        if (ia == m_index.end() || ib == m_index.end() || ia->second == ib->second)
            return;
        m_adjacent[std::size_t(ia->second)].push_back(ib->second);
        m_adjacent[std::size_t(ib->second)].push_back(ia->second);
    };
    for (const Entity &e : estate.entities) {
        if (!e.parent.empty())
            link(e.id, e.parent);
        if (!e.host.empty())
            link(e.id, e.host);
    }
    for (const Edge &edge : estate.edges)
        link(edge.from, edge.to);
    m_dependsOn.resize(m_index.size());
    auto depends = [&](const std::string &a, const std::string &b) {
        const auto ia = m_index.find(a), ib = m_index.find(b);
        if (ia != m_index.end() && ib != m_index.end() && ia->second != ib->second)
            m_dependsOn[std::size_t(ia->second)].push_back(ib->second);
    };
    for (const Entity &e : estate.entities) {
        if (!e.parent.empty()) { // a part and its whole share their fate both ways
            depends(e.id, e.parent);
            depends(e.parent, e.id);
        }
        if (!e.host.empty())
            depends(e.id, e.host);
    }
    for (const Edge &edge : estate.edges) {
        if (edge.kind == EdgeKind::Calls || edge.kind == EdgeKind::RunsOn || edge.kind == EdgeKind::ConnectsTo)
            depends(edge.from, edge.to);
        else
            depends(edge.from, edge.to), depends(edge.to, edge.from); // membership: both ways
    }
}

std::vector<int> TopologyDistance::bfs(const std::vector<std::vector<int>> &graph, int source, int maxHops)
{
    std::vector<int> distance(graph.size(), -1);
    std::deque<int> queue{source};
    distance[std::size_t(source)] = 0;
    while (!queue.empty()) {
        const int at = queue.front();
        queue.pop_front();
        if (distance[std::size_t(at)] >= maxHops)
            continue;
        for (int next : graph[std::size_t(at)]) {
            if (distance[std::size_t(next)] < 0) {
                distance[std::size_t(next)] = distance[std::size_t(at)] + 1;
                queue.push_back(next);
            }
        }
    }
    return distance;
}

int TopologyDistance::dependencyHops(const std::string &from, const std::string &to) const
{
    const int ia = index(from), ib = index(to);
    if (ia < 0 || ib < 0)
        return -1;
    if (ia == ib)
        return 0;
    auto it = m_directedCache.find(ia);
    if (it == m_directedCache.end())
        it = m_directedCache.emplace(ia, bfs(m_dependsOn, ia, m_maxHops)).first;
    return it->second[std::size_t(ib)];
}

int TopologyDistance::index(const std::string &id) const
{
    const std::string key = id.find("->") != std::string::npos ? id.substr(0, id.find("->")) : id;
    const auto it = m_index.find(key);
    return it == m_index.end() ? -1 : it->second;
}

int TopologyDistance::operator()(const std::string &a, const std::string &b) const
{
    const int ia = index(a), ib = index(b);
    if (ia < 0 || ib < 0)
        return -1;
    if (ia == ib)
        return 0;
    auto it = m_cache.find(ia);
    if (it == m_cache.end())
        it = m_cache.emplace(ia, bfs(m_adjacent, ia, m_maxHops)).first;
    return it->second[std::size_t(ib)];
}

} // namespace Nocturne::Engine
