#include "topology_distance.h"

#include <deque>
#include <tuple>

namespace Nocturne::Engine {

namespace {
constexpr std::size_t kMaxCachedRows = 512; // rows of distances kept per direction (each is one int per node)
}

TopologyDistance::TopologyDistance(const Estate &estate, int maxHops)
    : m_maxHops(maxHops)
{
    std::vector<std::string> ids;
    std::vector<std::tuple<std::string, std::string, Link>> links;
    for (const Entity &e : estate.entities) {
        ids.push_back(e.id);
        if (!e.parent.empty())
            links.emplace_back(e.id, e.parent, Link::Part);
        if (!e.host.empty())
            links.emplace_back(e.id, e.host, Link::RunsOn);
    }
    for (const Edge &edge : estate.edges)
        links.emplace_back(edge.from, edge.to, edge.kind == EdgeKind::MemberOf ? Link::Member : Link::Depends);
    build(ids, links);
}

TopologyDistance::TopologyDistance(const std::vector<TopologyNode> &nodes, const std::vector<TopologyEdge> &edges, int maxHops)
    : m_maxHops(maxHops)
{
    std::vector<std::string> ids;
    std::vector<std::tuple<std::string, std::string, Link>> links;
    for (const TopologyNode &n : nodes) {
        ids.push_back(n.id);
        if (!n.parent.empty())
            links.emplace_back(n.id, n.parent, Link::Part);
    }
    // Calls, runs-on and connects-to all point from the dependent to what it depends on.
    for (const TopologyEdge &e : edges)
        links.emplace_back(e.from, e.to, e.kind == TopologyEdgeKind::RunsOn     ? Link::RunsOn
                                         : e.kind == TopologyEdgeKind::MemberOf ? Link::Member
                                                                                : Link::Depends);
    build(ids, links);
}

void TopologyDistance::build(const std::vector<std::string> &ids, const std::vector<std::tuple<std::string, std::string, Link>> &links)
{
    for (const std::string &id : ids)
        m_index.emplace(id, int(m_index.size()));
    m_adjacent.resize(m_index.size());
    m_dependsOn.resize(m_index.size());
    for (const auto &[from, to, kind] : links) {
        const auto ia = m_index.find(from), ib = m_index.find(to);
        if (ia == m_index.end() || ib == m_index.end() || ia->second == ib->second)
            continue; // unknown ends and self-calls carry no distance
        const auto a = std::size_t(ia->second), b = std::size_t(ib->second);
        const int cost = kind == Link::Part ? 0 : 1;
        m_adjacent[a].emplace_back(ib->second, cost);
        m_adjacent[b].emplace_back(ia->second, cost);
        m_dependsOn[a].emplace_back(ib->second, cost);
        if (kind == Link::Part || kind == Link::Member) // a part and its whole, a group and its members: both ways
            m_dependsOn[b].emplace_back(ia->second, cost);
    }
}

std::vector<int> TopologyDistance::bfs(const Graph &graph, int source, int maxHops)
{
    std::vector<int> distance(graph.size(), -1);
    std::deque<int> queue{source};
    distance[std::size_t(source)] = 0;
    while (!queue.empty()) {
        const int at = queue.front();
        queue.pop_front();
        const int here = distance[std::size_t(at)];
        for (const auto &[next, cost] : graph[std::size_t(at)]) {
            const int d = here + cost;
            if (d > maxHops)
                continue;
            int &known = distance[std::size_t(next)];
            if (known < 0 || d < known) {
                known = d;
                if (cost == 0)
                    queue.push_front(next);
                else
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
    if (it == m_directedCache.end() && m_directedCache.size() >= kMaxCachedRows)
        m_directedCache.clear();
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
    if (it == m_cache.end() && m_cache.size() >= kMaxCachedRows)
        m_cache.clear();
    if (it == m_cache.end())
        it = m_cache.emplace(ia, bfs(m_adjacent, ia, m_maxHops)).first;
    return it->second[std::size_t(ib)];
}

} // namespace Nocturne::Engine
