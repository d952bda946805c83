#include "topology.h"

#include <algorithm>
#include <deque>
#include <set>
#include <tuple>

#include <yaml-cpp/yaml.h>

#include "diagnose/trace_analytics.h"
#include "scenario/scenario.h"

namespace Nocturne::Engine {

namespace {
constexpr const char *kNodeKindNames[] = {"service", "instance", "host", "database", "cache", "queue",
                                          "switch", "link", "gpu", "external", "other"};

TopologyNodeKind fromEntityKind(EntityKind kind)
{
    switch (kind) {
    case EntityKind::Service: return TopologyNodeKind::Service;
    case EntityKind::Pod: return TopologyNodeKind::Instance;
    case EntityKind::Host:
    case EntityKind::Server: return TopologyNodeKind::Host;
    case EntityKind::Cache: return TopologyNodeKind::Cache;
    case EntityKind::Database: return TopologyNodeKind::Database;
    case EntityKind::Queue: return TopologyNodeKind::Queue;
    case EntityKind::Switch: return TopologyNodeKind::Switch;
    case EntityKind::Port:
    case EntityKind::Transceiver:
    case EntityKind::Nic: return TopologyNodeKind::Link;
    case EntityKind::Gpu: return TopologyNodeKind::Gpu;
    case EntityKind::Job: return TopologyNodeKind::Other;
    }
    return TopologyNodeKind::Other;
}

bool declared(const std::string &source)
{
    return source != "traces";
}
} // namespace

const char *topologyNodeKindName(TopologyNodeKind kind)
{
    return kNodeKindNames[int(kind)];
}

TopologyNodeKind topologyNodeKindFromString(std::string_view text)
{
    for (int i = 0; i < int(std::size(kNodeKindNames)); ++i)
        if (text == kNodeKindNames[i])
            return TopologyNodeKind(i);
    if (text == "pod")
        return TopologyNodeKind::Instance;
    if (text == "server" || text == "node")
        return TopologyNodeKind::Host;
    if (text == "db")
        return TopologyNodeKind::Database;
    return TopologyNodeKind::Other;
}

const char *topologyEdgeKindName(TopologyEdgeKind kind)
{
    switch (kind) {
    case TopologyEdgeKind::Calls: return "calls";
    case TopologyEdgeKind::RunsOn: return "runs_on";
    case TopologyEdgeKind::ConnectsTo: return "connects_to";
    case TopologyEdgeKind::MemberOf: return "member_of";
    }
    return "calls";
}

void Topology::addNode(TopologyNode node, Timestamp now)
{
    if (node.id.empty())
        return;
    if (const auto it = m_nodeIndex.find(node.id); it != m_nodeIndex.end()) {
        TopologyNode &n = m_nodes[it->second];
        n.lastSeen = std::max(n.lastSeen, now);
        // A declaration (scenario, YAML) knows better than a guess from traces.
        if (declared(node.source) && !declared(n.source)) {
            n.kind = node.kind;
            n.source = node.source;
        }
        if (n.parent.empty())
            n.parent = node.parent;
        return;
    }
    node.firstSeen = node.lastSeen = now;
    m_nodeIndex.emplace(node.id, m_nodes.size());
    m_nodes.push_back(std::move(node));
    ++m_version;
}

std::size_t Topology::edgeIndex(const std::string &from, const std::string &to, TopologyEdgeKind kind) const
{
    const auto it = m_edgeIndex.find({from, to, int(kind)});
    return it == m_edgeIndex.end() ? SIZE_MAX : it->second;
}

void Topology::addEdge(TopologyEdge edge, Timestamp now)
{
    if (edge.from.empty() || edge.to.empty() || edge.from == edge.to)
        return;
    for (const std::string *id : {&edge.from, &edge.to})
        if (!m_nodeIndex.count(*id))
            addNode({*id, TopologyNodeKind::Service, {}, edge.source, now, now}, now);
    edge.lastSeen = now;
    if (const std::size_t i = edgeIndex(edge.from, edge.to, edge.kind); i != SIZE_MAX) {
        TopologyEdge &e = m_edges[i];
        e.lastSeen = now;
        if (edge.rps > 0 || edge.errorRatio > 0 || edge.latencySeconds > 0) {
            e.rps = edge.rps;
            e.errorRatio = edge.errorRatio;
            e.latencySeconds = edge.latencySeconds;
        }
        if (declared(edge.source) && !declared(e.source)) {
            e.source = edge.source;
            e.share = edge.share;
        }
        return;
    }
    m_edgeIndex.emplace(std::make_tuple(edge.from, edge.to, int(edge.kind)), m_edges.size());
    m_edges.push_back(std::move(edge));
    ++m_version;
}

void Topology::mergeEstate(const Estate &estate, Timestamp now)
{
    for (const Entity &e : estate.entities)
        addNode({e.id, fromEntityKind(e.kind), e.parent, "scenario", now, now}, now);
    for (const Entity &e : estate.entities) {
        if (!e.host.empty())
            addEdge({e.id, e.host, TopologyEdgeKind::RunsOn, 0, 0, 0, 1, "scenario", now}, now);
    }
    for (const Edge &e : estate.edges) {
        const TopologyEdgeKind kind = e.kind == EdgeKind::Calls     ? TopologyEdgeKind::Calls
                                    : e.kind == EdgeKind::RunsOn    ? TopologyEdgeKind::RunsOn
                                    : e.kind == EdgeKind::MemberOf  ? TopologyEdgeKind::MemberOf
                                                                    : TopologyEdgeKind::ConnectsTo;
        addEdge({e.from, e.to, kind, 0, 0, 0, e.share, "scenario", now}, now);
    }
}

Status Topology::mergeYaml(std::string_view text, Timestamp now, std::string_view sourceName)
{
    const std::string name(sourceName);
    auto where = [&](const YAML::Mark &mark) {
        return mark.is_null() ? name : name + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    };
    try {
        const YAML::Node root = YAML::Load(std::string(text));
        if (!root.IsMap())
            return makeError(ErrorCode::ParseError, "expected a map with `nodes` and `edges`", where(root.Mark()));
        for (const auto &kv : root) {
            const std::string key = kv.first.as<std::string>();
            if (key != "nodes" && key != "edges")
                return makeError(ErrorCode::ParseError, "unknown key `" + key + "` (expected nodes, edges)", where(kv.first.Mark()));
        }
        std::vector<TopologyNode> nodes;
        std::vector<TopologyEdge> edges;
        if (const YAML::Node list = root["nodes"]) {
            if (!list.IsSequence())
                return makeError(ErrorCode::ParseError, "`nodes` must be a list", where(list.Mark()));
            for (const YAML::Node &n : list) {
                if (!n.IsMap() || !n["id"] || n["id"].as<std::string>().empty())
                    return makeError(ErrorCode::ParseError, "a node needs an `id`", where(n.Mark()));
                for (const auto &kv : n) {
                    const std::string key = kv.first.as<std::string>();
                    if (key != "id" && key != "kind" && key != "parent")
                        return makeError(ErrorCode::ParseError, "unknown node key `" + key + "`", where(kv.first.Mark()));
                }
                TopologyNode node;
                node.id = n["id"].as<std::string>();
                node.kind = n["kind"] ? topologyNodeKindFromString(n["kind"].as<std::string>()) : TopologyNodeKind::Service;
                if (n["kind"] && node.kind == TopologyNodeKind::Other && n["kind"].as<std::string>() != "other")
                    return makeError(ErrorCode::ParseError, "unknown node kind `" + n["kind"].as<std::string>() + "`", where(n["kind"].Mark()));
                node.parent = n["parent"] ? n["parent"].as<std::string>() : std::string();
                node.source = name;
                nodes.push_back(std::move(node));
            }
        }
        if (const YAML::Node list = root["edges"]) {
            if (!list.IsSequence())
                return makeError(ErrorCode::ParseError, "`edges` must be a list", where(list.Mark()));
            for (const YAML::Node &e : list) {
                if (!e.IsMap() || !e["from"] || !e["to"])
                    return makeError(ErrorCode::ParseError, "an edge needs `from` and `to`", where(e.Mark()));
                TopologyEdge edge;
                edge.from = e["from"].as<std::string>();
                edge.to = e["to"].as<std::string>();
                const std::string kind = e["kind"] ? e["kind"].as<std::string>() : "calls";
                if (kind == "calls")
                    edge.kind = TopologyEdgeKind::Calls;
                else if (kind == "runs_on")
                    edge.kind = TopologyEdgeKind::RunsOn;
                else if (kind == "connects_to")
                    edge.kind = TopologyEdgeKind::ConnectsTo;
                else if (kind == "member_of")
                    edge.kind = TopologyEdgeKind::MemberOf;
                else
                    return makeError(ErrorCode::ParseError, "unknown edge kind `" + kind + "` (calls, runs_on, connects_to, member_of)",
                                     where(e["kind"].Mark()));
                edge.share = e["share"] ? e["share"].as<double>() : 1.0;
                if (!(edge.share >= 0 && edge.share <= 1))
                    return makeError(ErrorCode::ParseError, "`share` must be in [0, 1]", where(e["share"].Mark()));
                if (edge.from == edge.to)
                    return makeError(ErrorCode::ParseError, "an edge from `" + edge.from + "` to itself", where(e.Mark()));
                edge.source = name;
                edges.push_back(std::move(edge));
            }
        }
        // All or nothing: only a file that parsed whole changes the graph.
        for (auto &n : nodes)
            addNode(std::move(n), now);
        for (auto &e : edges)
            addEdge(std::move(e), now);
    } catch (const YAML::ParserException &e) {
        return makeError(ErrorCode::ParseError, e.msg, where(e.mark));
    } catch (const YAML::Exception &e) {
        return makeError(ErrorCode::ParseError, e.msg, where(e.mark));
    }
    return {};
}

void Topology::mergeTraces(const TraceAnalysis &analysis, Timestamp now, Duration window)
{
    for (const std::string &s : analysis.services)
        addNode({s, TopologyNodeKind::Service, {}, "traces", now, now}, now);
    const double seconds = std::max(1.0, double(window) / double(kSecond));
    for (const ServiceEdge &e : analysis.edges) {
        TopologyEdge edge;
        edge.from = e.caller;
        edge.to = e.callee;
        edge.rps = double(e.calls) / seconds;
        edge.errorRatio = e.calls ? double(e.errors) / double(e.calls) : 0;
        edge.latencySeconds = e.calls ? double(e.totalLatency) / double(e.calls) / double(kSecond) : 0;
        edge.source = "traces";
        addEdge(std::move(edge), now);
    }
}

void Topology::setCallStats(const std::string &from, const std::string &to, double rps, double errorRatio, double latencySeconds,
                            Timestamp now)
{
    if (const std::size_t i = edgeIndex(from, to, TopologyEdgeKind::Calls); i != SIZE_MAX) {
        TopologyEdge &e = m_edges[i];
        e.rps = rps;
        e.errorRatio = errorRatio;
        e.latencySeconds = latencySeconds;
        e.lastSeen = std::max(e.lastSeen, now);
    }
}

std::size_t Topology::expire(Timestamp now, Duration ttl)
{
    const std::size_t before = m_edges.size() + m_nodes.size();
    std::erase_if(m_edges, [&](const TopologyEdge &e) { return !declared(e.source) && e.lastSeen < now - ttl; });
    std::set<std::string> used;
    for (const TopologyEdge &e : m_edges) {
        used.insert(e.from);
        used.insert(e.to);
    }
    std::erase_if(m_nodes, [&](const TopologyNode &n) { return !declared(n.source) && n.lastSeen < now - ttl && !used.count(n.id); });
    const std::size_t removed = before - m_edges.size() - m_nodes.size();
    if (removed) {
        m_nodeIndex.clear();
        for (std::size_t i = 0; i < m_nodes.size(); ++i)
            m_nodeIndex.emplace(m_nodes[i].id, i);
        m_edgeIndex.clear();
        for (std::size_t i = 0; i < m_edges.size(); ++i)
            m_edgeIndex.emplace(std::make_tuple(m_edges[i].from, m_edges[i].to, int(m_edges[i].kind)), i);
        ++m_version;
    }
    return removed;
}

const TopologyNode *Topology::node(const std::string &id) const
{
    const auto it = m_nodeIndex.find(id);
    return it == m_nodeIndex.end() ? nullptr : &m_nodes[it->second];
}

std::vector<std::string> Topology::transitiveCallers(const std::string &id) const
{
    std::unordered_map<std::string, std::vector<const std::string *>> callers;
    for (const TopologyEdge &e : m_edges)
        if (e.kind == TopologyEdgeKind::Calls)
            callers[e.to].push_back(&e.from);
    std::set<std::string> seen{id};
    std::deque<std::string> queue{id};
    std::vector<std::string> out;
    while (!queue.empty()) {
        const std::string cur = queue.front();
        queue.pop_front();
        if (const auto it = callers.find(cur); it != callers.end())
            for (const std::string *c : it->second)
                if (seen.insert(*c).second) {
                    out.push_back(*c);
                    queue.push_back(*c);
                }
    }
    return out;
}

std::vector<std::string> Topology::callPath(const std::string &from, const std::string &to) const
{
    std::unordered_map<std::string, std::vector<const std::string *>> callees;
    for (const TopologyEdge &e : m_edges)
        if (e.kind == TopologyEdgeKind::Calls)
            callees[e.from].push_back(&e.to);
    std::unordered_map<std::string, std::string> prev;
    std::deque<std::string> queue{from};
    prev[from] = from;
    while (!queue.empty()) {
        const std::string cur = queue.front();
        queue.pop_front();
        if (cur == to)
            break;
        if (const auto it = callees.find(cur); it != callees.end())
            for (const std::string *c : it->second)
                if (prev.emplace(*c, cur).second)
                    queue.push_back(*c);
    }
    if (!prev.count(to))
        return {};
    std::vector<std::string> path{to};
    while (path.back() != from)
        path.push_back(prev[path.back()]);
    std::reverse(path.begin(), path.end());
    return path;
}

} // namespace Nocturne::Engine
