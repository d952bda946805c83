#include "fabric.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <deque>
#include <set>

#include "scenario/scenario.h"

namespace Nocturne::Engine {

const char *switchRoleName(SwitchRole role)
{
    switch (role) {
    case SwitchRole::Unknown: return "switch";
    case SwitchRole::Leaf: return "leaf";
    case SwitchRole::Spine: return "spine";
    case SwitchRole::Core: return "core";
    }
    return "switch";
}

std::vector<std::string> FabricPath::elements() const
{
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (const PathStage &stage : stages)
        for (const std::string &e : stage.elements)
            if (seen.insert(e).second)
                out.push_back(e);
    return out;
}

namespace {
int trailingNumber(std::string_view s, int fallback)
{
    std::size_t end = s.size(), begin = end;
    while (begin > 0 && s[begin - 1] >= '0' && s[begin - 1] <= '9')
        --begin;
    if (begin == end)
        return fallback;
    int value = fallback;
    std::from_chars(s.data() + begin, s.data() + end, value);
    return value;
}

std::string portId(const FabricNode &node, int number)
{
    char buffer[24];
    if (node.kind == FabricNodeKind::Switch)
        std::snprintf(buffer, sizeof buffer, "/p%02d", number);
    else
        std::snprintf(buffer, sizeof buffer, "/p%d", number);
    return node.id + buffer;
}
} // namespace

int Fabric::addNode(FabricNode node)
{
    nodes.push_back(std::move(node));
    const int index = int(nodes.size()) - 1;
    m_nodeIndex.emplace(nodes.back().id, index);
    if (nodes.back().guid)
        m_nodeGuidIndex.emplace(nodes.back().guid, index);
    return index;
}

int Fabric::port(int node, int number)
{
    FabricNode &n = nodes[std::size_t(node)];
    for (int p : n.ports)
        if (ports[std::size_t(p)].number == number)
            return p;
    FabricPort port;
    port.id = portId(n, number);
    port.node = node;
    port.number = number;
    ports.push_back(std::move(port));
    const int index = int(ports.size()) - 1;
    auto pos = std::lower_bound(n.ports.begin(), n.ports.end(), number,
                                [&](int p, int num) { return ports[std::size_t(p)].number < num; });
    n.ports.insert(pos, index);
    m_portIndex.emplace(ports.back().id, index);
    return index;
}

bool Fabric::connect(int portA, int portB)
{
    FabricPort &a = ports[std::size_t(portA)];
    FabricPort &b = ports[std::size_t(portB)];
    if (a.peer == portB && b.peer == portA)
        return true;
    if (a.peer >= 0 || b.peer >= 0 || portA == portB)
        return false;
    a.peer = portB;
    b.peer = portA;
    links.push_back(FabricLink{portA, portB});
    a.link = b.link = int(links.size()) - 1;
    return true;
}

void Fabric::index()
{
    m_nodeIndex.clear();
    m_portIndex.clear();
    m_gpuIndex.clear();
    m_serverIndex.clear();
    m_guidIndex.clear();
    m_nodeGuidIndex.clear();
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        m_nodeIndex.emplace(nodes[i].id, int(i));
        if (nodes[i].guid)
            m_nodeGuidIndex.emplace(nodes[i].guid, int(i));
    }
    for (std::size_t i = 0; i < ports.size(); ++i) {
        m_portIndex.emplace(ports[i].id, int(i));
        if (ports[i].guid && nodes[std::size_t(ports[i].node)].kind != FabricNodeKind::Switch)
            m_guidIndex.emplace(ports[i].guid, int(i));
    }
    for (std::size_t i = 0; i < gpus.size(); ++i)
        m_gpuIndex.emplace(gpus[i].id, int(i));
    for (std::size_t i = 0; i < servers.size(); ++i)
        m_serverIndex.emplace(servers[i].name, int(i));
}

void Fabric::finalize(int gpusPerServer)
{
    // Tiers: hops from the nearest HCA over cabled links.
    std::vector<int> hcas;
    for (std::size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i].kind != FabricNodeKind::Switch)
            hcas.push_back(int(i));
    const std::vector<int> tiers = switchHops(hcas);
    for (std::size_t i = 0; i < nodes.size(); ++i)
        nodes[i].tier = tiers[i];
    for (FabricNode &n : nodes) {
        if (n.kind != FabricNodeKind::Switch)
            continue;
        n.role = n.tier == 1 ? SwitchRole::Leaf : n.tier == 2 ? SwitchRole::Spine : n.tier >= 3 ? SwitchRole::Core : SwitchRole::Unknown;
    }

    // Servers from HCA host names (an HCA id is "<host>/<device>").
    if (servers.empty()) {
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            FabricNode &n = nodes[i];
            if (n.kind != FabricNodeKind::Hca)
                continue;
            const auto slash = n.id.find('/');
            if (slash == std::string::npos)
                continue; // aggregation nodes and unnamed CAs are not servers
            const std::string host = n.id.substr(0, slash);
            auto [it, inserted] = m_serverIndex.emplace(host, int(servers.size()));
            if (inserted)
                servers.push_back(FabricServer{host, {}, {}, -1});
            n.server = it->second;
            if (n.rail < 0)
                n.rail = trailingNumber(n.id.substr(slash + 1), -1);
            servers[std::size_t(it->second)].hcas.push_back(int(i));
        }
        // Servers in name order (discovery order is arbitrary), so maps and listings read gpu-node000, 001, …
        std::sort(servers.begin(), servers.end(), [](const FabricServer &a, const FabricServer &b) { return a.name < b.name; });
        m_serverIndex.clear();
        for (std::size_t i = 0; i < servers.size(); ++i) {
            m_serverIndex.emplace(servers[i].name, int(i));
            for (int h : servers[i].hcas)
                nodes[std::size_t(h)].server = int(i);
        }
        for (FabricServer &s : servers) {
            std::sort(s.hcas.begin(), s.hcas.end(), [&](int x, int y) { return nodes[std::size_t(x)].rail < nodes[std::size_t(y)].rail; });
            for (std::size_t r = 0; r < s.hcas.size(); ++r)
                if (nodes[std::size_t(s.hcas[r])].rail < 0)
                    nodes[std::size_t(s.hcas[r])].rail = int(r);
        }
    }
    // Groups: servers attached to the same set of leaves form a scalable unit.
    std::map<std::vector<int>, int> groupOf;
    for (FabricServer &s : servers) {
        std::vector<int> leaves;
        for (int h : s.hcas)
            for (int p : nodes[std::size_t(h)].ports)
                if (ports[std::size_t(p)].peer >= 0)
                    leaves.push_back(ports[std::size_t(ports[std::size_t(p)].peer)].node);
        std::sort(leaves.begin(), leaves.end());
        leaves.erase(std::unique(leaves.begin(), leaves.end()), leaves.end());
        auto [it, inserted] = groupOf.emplace(leaves, int(groupOf.size()));
        s.group = it->second;
        for (int h : s.hcas)
            nodes[std::size_t(h)].group = s.group;
        for (int leaf : leaves)
            if (nodes[std::size_t(leaf)].group < 0)
                nodes[std::size_t(leaf)].group = s.group;
    }
    // A leaf's rail: the most common rail among the HCAs cabled to it.
    for (FabricNode &n : nodes) {
        if (n.role != SwitchRole::Leaf)
            continue;
        std::map<int, int> votes;
        for (int p : n.ports)
            if (ports[std::size_t(p)].peer >= 0) {
                const FabricNode &far = nodes[std::size_t(ports[std::size_t(ports[std::size_t(p)].peer)].node)];
                if (far.kind == FabricNodeKind::Hca && far.rail >= 0)
                    ++votes[far.rail];
            }
        int best = -1, bestVotes = 0;
        for (auto [rail, count] : votes)
            if (count > bestVotes)
                best = rail, bestVotes = count;
        n.rail = best;
    }
    // GPUs: given ones keep their affinity; otherwise GPU i sends through the HCA on rail i.
    if (gpus.empty() && gpusPerServer > 0) {
        for (std::size_t s = 0; s < servers.size(); ++s) {
            for (int g = 0; g < gpusPerServer; ++g) {
                FabricGpu gpu;
                gpu.id = servers[s].name + "/gpu" + std::to_string(g);
                gpu.server = int(s);
                gpu.index = g;
                for (int h : servers[s].hcas)
                    if (nodes[std::size_t(h)].rail == g)
                        gpu.hca = h;
                if (gpu.hca < 0 && !servers[s].hcas.empty())
                    gpu.hca = servers[s].hcas[std::size_t(g) % servers[s].hcas.size()];
                gpus.push_back(std::move(gpu));
            }
        }
    }
    for (FabricServer &s : servers)
        s.gpus.clear();
    for (std::size_t g = 0; g < gpus.size(); ++g)
        if (gpus[g].server >= 0)
            servers[std::size_t(gpus[g].server)].gpus.push_back(int(g));
    for (FabricPort &p : ports)
        if (p.peer >= 0)
            p.hasTransceiver = true;
    index();
}

namespace {
int findIn(const std::unordered_map<std::string, int> &index, std::string_view key)
{
    auto it = index.find(std::string(key));
    return it == index.end() ? -1 : it->second;
}
} // namespace

int Fabric::findNode(std::string_view id) const { return findIn(m_nodeIndex, id); }
int Fabric::findPort(std::string_view id) const { return findIn(m_portIndex, id); }
int Fabric::findGpu(std::string_view id) const { return findIn(m_gpuIndex, id); }
int Fabric::findServer(std::string_view name) const { return findIn(m_serverIndex, name); }
int Fabric::findJob(std::string_view name) const
{
    for (std::size_t i = 0; i < jobs.size(); ++i)
        if (jobs[i].name == name)
            return int(i);
    return -1;
}

Fabric::Lookup Fabric::lookup(std::string_view text) const
{
    using K = Lookup::Kind;
    if (text.empty())
        return {};
    if (int i = findServer(text); i >= 0)
        return {K::Server, i};
    if (int i = findGpu(text); i >= 0)
        return {K::Gpu, i};
    if (int i = findNode(text); i >= 0)
        return {K::Node, i};
    if (int i = findPort(text); i >= 0)
        return {K::Port, i};
    if (text.size() > 5 && text.substr(text.size() - 5) == "/xcvr")
        if (int i = findPort(text.substr(0, text.size() - 5)); i >= 0)
            return {K::Transceiver, i};
    // GUIDs: "0x200003", "200003", "S-0000000000200003".
    std::string_view hex = text;
    if (hex.size() > 2 && (hex.substr(0, 2) == "S-" || hex.substr(0, 2) == "H-" || hex.substr(0, 2) == "R-"))
        hex.remove_prefix(2);
    if (hex.size() > 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
        hex.remove_prefix(2);
    std::uint64_t guid = 0;
    auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), guid, 16);
    if (ec == std::errc() && end == hex.data() + hex.size() && guid != 0) {
        if (auto it = m_nodeGuidIndex.find(guid); it != m_nodeGuidIndex.end())
            return {K::Node, it->second};
        if (auto it = m_guidIndex.find(guid); it != m_guidIndex.end())
            return {K::Port, it->second};
    }
    return {};
}

std::size_t Fabric::switchCount() const
{
    return std::size_t(std::count_if(nodes.begin(), nodes.end(), [](const FabricNode &n) { return n.kind == FabricNodeKind::Switch; }));
}
std::size_t Fabric::hcaCount() const
{
    return std::size_t(std::count_if(nodes.begin(), nodes.end(), [](const FabricNode &n) { return n.kind == FabricNodeKind::Hca; }));
}

// Stages between two switches over every shortest switch-to-switch path (the ECMP set): per step, the egress ports,
// their optics, the far optics, the ingress ports and the next switches.
// Breadth-first hop counts from the sources, stepping only onto switches (HCAs are ends, never transit); -1: unreached.
std::vector<int> Fabric::switchHops(const std::vector<int> &sources) const
{
    std::vector<int> dist(nodes.size(), -1);
    std::deque<int> queue;
    for (int s : sources) {
        dist[std::size_t(s)] = 0;
        queue.push_back(s);
    }
    while (!queue.empty()) {
        const int n = queue.front();
        queue.pop_front();
        for (int p : nodes[std::size_t(n)].ports) {
            const int peer = ports[std::size_t(p)].peer;
            if (peer < 0)
                continue;
            const int next = ports[std::size_t(peer)].node;
            if (nodes[std::size_t(next)].kind != FabricNodeKind::Switch || dist[std::size_t(next)] >= 0)
                continue;
            dist[std::size_t(next)] = dist[std::size_t(n)] + 1;
            queue.push_back(next);
        }
    }
    return dist;
}

std::vector<int> Fabric::shortestSwitchPathStages(int from, int to, std::vector<PathStage> &stages, double &ecmp) const
{
    ecmp = 1;
    if (from == to)
        return {from};
    const std::vector<int> dFrom = switchHops({from}), dTo = switchHops({to});
    const int total = dFrom[std::size_t(to)];
    if (total < 0)
        return {};
    std::vector<double> count(nodes.size(), 0.0);
    count[std::size_t(from)] = 1;
    std::vector<int> layer{from};
    for (int step = 0; step < total; ++step) {
        PathStage egress, egressOptics, ingressOptics, ingress, next;
        std::vector<int> nextLayer;
        for (int n : layer) {
            for (int p : nodes[std::size_t(n)].ports) {
                const int peer = ports[std::size_t(p)].peer;
                if (peer < 0)
                    continue;
                const int m = ports[std::size_t(peer)].node;
                if (nodes[std::size_t(m)].kind != FabricNodeKind::Switch || dFrom[std::size_t(m)] != step + 1
                    || dTo[std::size_t(m)] != total - step - 1)
                    continue;
                egress.elements.push_back(ports[std::size_t(p)].id);
                egressOptics.elements.push_back(ports[std::size_t(p)].id + "/xcvr");
                ingressOptics.elements.push_back(ports[std::size_t(peer)].id + "/xcvr");
                ingress.elements.push_back(ports[std::size_t(peer)].id);
                if (count[std::size_t(m)] == 0)
                    nextLayer.push_back(m), next.elements.push_back(nodes[std::size_t(m)].id);
                count[std::size_t(m)] += count[std::size_t(n)];
            }
        }
        for (PathStage *s : {&egress, &egressOptics, &ingressOptics, &ingress, &next})
            stages.push_back(std::move(*s));
        layer = std::move(nextLayer);
    }
    ecmp = count[std::size_t(to)];
    return layer;
}

Result<FabricPath> Fabric::pathBetweenHcas(int hcaA, int hcaB) const
{
    auto uplink = [&](int hca) -> int {
        for (int p : nodes[std::size_t(hca)].ports)
            if (ports[std::size_t(p)].peer >= 0)
                return p;
        return -1;
    };
    const int pa = uplink(hcaA), pb = uplink(hcaB);
    if (pa < 0)
        return makeError(ErrorCode::NotFound, nodes[std::size_t(hcaA)].id + " has no cabled port");
    if (pb < 0)
        return makeError(ErrorCode::NotFound, nodes[std::size_t(hcaB)].id + " has no cabled port");
    const FabricPort &portA = ports[std::size_t(pa)], &portB = ports[std::size_t(pb)];
    const FabricPort &leafPortA = ports[std::size_t(portA.peer)], &leafPortB = ports[std::size_t(portB.peer)];
    FabricPath path;
    path.from = nodes[std::size_t(hcaA)].id;
    path.to = nodes[std::size_t(hcaB)].id;
    path.rail = nodes[std::size_t(hcaA)].rail;
    auto one = [&](std::string e) { path.stages.push_back(PathStage{{std::move(e)}}); };
    one(nodes[std::size_t(hcaA)].id);
    one(portA.id);
    one(portA.id + "/xcvr");
    one(leafPortA.id + "/xcvr");
    one(leafPortA.id);
    one(nodes[std::size_t(leafPortA.node)].id);
    if (leafPortA.node != leafPortB.node) {
        const std::vector<int> end = shortestSwitchPathStages(leafPortA.node, leafPortB.node, path.stages, path.ecmpPaths);
        if (end.empty())
            return makeError(ErrorCode::NotFound, "no switch path from " + nodes[std::size_t(leafPortA.node)].id + " to "
                                                      + nodes[std::size_t(leafPortB.node)].id);
    }
    one(leafPortB.id);
    one(leafPortB.id + "/xcvr");
    one(portB.id + "/xcvr");
    one(portB.id);
    one(nodes[std::size_t(hcaB)].id);
    return path;
}

Result<std::vector<FabricPath>> Fabric::pathsBetween(std::string_view a, std::string_view b) const
{
    // Resolves an endpoint to (hca, gpu) pairs: a host gives one per HCA (with the GPU that uses it).
    auto endpoints = [&](std::string_view text) -> Result<std::vector<std::pair<int, int>>> {
        const Lookup l = lookup(text);
        std::vector<std::pair<int, int>> out;
        if (l.kind == Lookup::Kind::Server) {
            for (int h : servers[std::size_t(l.index)].hcas) {
                int gpu = -1;
                for (int g : servers[std::size_t(l.index)].gpus)
                    if (gpus[std::size_t(g)].hca == h && gpu < 0)
                        gpu = g;
                out.emplace_back(h, gpu);
            }
        } else if (l.kind == Lookup::Kind::Gpu) {
            if (gpus[std::size_t(l.index)].hca < 0)
                return makeError(ErrorCode::NotFound, "GPU " + std::string(text) + " has no HCA affinity");
            out.emplace_back(gpus[std::size_t(l.index)].hca, l.index);
        } else if (l.kind == Lookup::Kind::Node && nodes[std::size_t(l.index)].kind != FabricNodeKind::Switch) {
            out.emplace_back(l.index, -1);
        } else {
            return makeError(ErrorCode::NotFound, "'" + std::string(text) + "' is not a host, GPU or HCA of this fabric");
        }
        return out;
    };
    auto ea = endpoints(a);
    if (!ea)
        return tl::unexpected(ea.error());
    auto eb = endpoints(b);
    if (!eb)
        return tl::unexpected(eb.error());
    const bool hostPair = ea->size() > 1 || eb->size() > 1;
    std::vector<FabricPath> out;
    for (auto [ha, ga] : *ea) {
        for (auto [hb, gb] : *eb) {
            if (hostPair && nodes[std::size_t(ha)].rail != nodes[std::size_t(hb)].rail)
                continue; // host to host: rail to rail
            auto path = pathBetweenHcas(ha, hb);
            if (!path)
                return tl::unexpected(path.error());
            if (ga >= 0) {
                path->stages.insert(path->stages.begin(), PathStage{{gpus[std::size_t(ga)].id}});
                path->from = gpus[std::size_t(ga)].id;
            }
            if (gb >= 0) {
                path->stages.push_back(PathStage{{gpus[std::size_t(gb)].id}});
                path->to = gpus[std::size_t(gb)].id;
            }
            out.push_back(std::move(*path));
        }
    }
    if (out.empty())
        return makeError(ErrorCode::NotFound, "no rail shared by '" + std::string(a) + "' and '" + std::string(b) + "'");
    return out;
}

Result<std::map<std::string, int>> Fabric::jobFootprint(std::string_view jobName) const
{
    const int j = findJob(jobName);
    if (j < 0)
        return makeError(ErrorCode::NotFound, "unknown job '" + std::string(jobName) + "'");
    std::map<std::string, int> footprint;
    // Pairs of HCAs on the same rail; the switch part is shared by every pair of the same two leaves, so it is
    // computed once per leaf pair.
    std::map<std::pair<int, int>, std::vector<std::string>> between;
    const std::vector<int> &members = jobs[std::size_t(j)].servers;
    for (std::size_t x = 0; x < members.size(); ++x) {
        for (std::size_t y = x + 1; y < members.size(); ++y) {
            for (int ha : servers[std::size_t(members[x])].hcas) {
                for (int hb : servers[std::size_t(members[y])].hcas) {
                    if (nodes[std::size_t(ha)].rail != nodes[std::size_t(hb)].rail)
                        continue;
                    auto path = pathBetweenHcas(ha, hb);
                    if (!path)
                        continue;
                    for (const std::string &e : path->elements())
                        ++footprint[e];
                }
            }
        }
    }
    for (int s : members)
        for (int g : servers[std::size_t(s)].gpus)
            ++footprint[gpus[std::size_t(g)].id];
    return footprint;
}

Fabric Fabric::fromEstate(const Estate &estate)
{
    Fabric fabric;
    std::map<std::string, const Entity *> transceivers; // port id → optic entity
    for (const Entity &e : estate.entities) {
        if (e.kind == EntityKind::Switch) {
            FabricNode n;
            n.id = e.id;
            n.kind = FabricNodeKind::Switch;
            n.description = e.id;
            fabric.addNode(std::move(n));
        } else if (e.kind == EntityKind::Nic) {
            FabricNode n;
            n.id = e.id;
            n.kind = FabricNodeKind::Hca;
            n.description = e.id;
            n.rail = int(e.param("rail", -1));
            fabric.addNode(std::move(n));
        } else if (e.kind == EntityKind::Transceiver) {
            transceivers[e.parent] = &e;
        }
    }
    for (const Entity &e : estate.entities) {
        if (e.kind != EntityKind::Port)
            continue;
        const int node = fabric.findNode(e.parent);
        if (node < 0)
            continue;
        const int p = fabric.port(node, trailingNumber(e.id, 1));
        fabric.ports[std::size_t(p)].id = e.id; // keep the estate's spelling
        fabric.m_portIndex[e.id] = p;
        if (auto it = transceivers.find(e.id); it != transceivers.end()) {
            const Entity &x = *it->second;
            FabricPort &port = fabric.ports[std::size_t(p)];
            port.hasTransceiver = true;
            Transceiver &t = port.transceiver;
            auto label = [&](const char *k) { auto l = x.labels.find(k); return l == x.labels.end() ? std::string() : l->second; };
            t.vendor = label("vendor");
            t.part = label("part");
            t.serial = label("serial");
            t.ageDays = x.param("age_days", -1);
            TransceiverThresholds &th = t.thresholds;
            th.rxPowerLowAlarm = x.param("rx_power_low_alarm_dbm", th.rxPowerLowAlarm);
            th.rxPowerLowWarning = x.param("rx_power_low_warning_dbm", th.rxPowerLowWarning);
            th.txPowerLowAlarm = x.param("tx_power_low_alarm_dbm", th.txPowerLowAlarm);
            th.txPowerLowWarning = x.param("tx_power_low_warning_dbm", th.txPowerLowWarning);
            th.tempHighAlarm = x.param("temp_high_alarm_c", th.tempHighAlarm);
            th.tempHighWarning = x.param("temp_high_warning_c", th.tempHighWarning);
        }
    }
    for (const Edge &edge : estate.edges) {
        if (edge.kind != EdgeKind::ConnectsTo)
            continue;
        const int a = fabric.findPort(edge.from), b = fabric.findPort(edge.to);
        if (a >= 0 && b >= 0)
            fabric.connect(a, b);
    }
    // Servers, GPUs with their HCA affinity (GPU → NIC "connects_to" edge), jobs.
    for (const Entity &e : estate.entities)
        if (e.kind == EntityKind::Server) {
            fabric.m_serverIndex.emplace(e.id, int(fabric.servers.size()));
            fabric.servers.push_back(FabricServer{e.id, {}, {}, -1});
        }
    for (std::size_t i = 0; i < fabric.nodes.size(); ++i) {
        FabricNode &n = fabric.nodes[i];
        if (n.kind != FabricNodeKind::Hca)
            continue;
        const Entity *nic = estate.find(n.id);
        if (!nic)
            continue;
        n.server = fabric.findServer(nic->parent);
        if (n.server >= 0)
            fabric.servers[std::size_t(n.server)].hcas.push_back(int(i));
    }
    std::map<std::string, std::string> affinity;
    for (const Edge &edge : estate.edges)
        if (edge.kind == EdgeKind::ConnectsTo && fabric.findNode(edge.to) >= 0)
            affinity[edge.from] = edge.to;
    for (const Entity &e : estate.entities) {
        if (e.kind != EntityKind::Gpu)
            continue;
        FabricGpu gpu;
        gpu.id = e.id;
        gpu.server = fabric.findServer(e.parent);
        gpu.index = int(e.param("index", 0));
        if (auto it = affinity.find(e.id); it != affinity.end())
            gpu.hca = fabric.findNode(it->second);
        if (auto it = e.labels.find("UUID"); it != e.labels.end())
            gpu.uuid = it->second;
        fabric.gpus.push_back(std::move(gpu));
    }
    std::map<std::string, FabricJob> jobs;
    for (const Edge &edge : estate.edges) {
        if (edge.kind != EdgeKind::MemberOf)
            continue;
        const int s = fabric.findServer(edge.from);
        if (s < 0)
            continue;
        FabricJob &job = jobs[edge.to];
        job.name = edge.to;
        job.servers.push_back(s);
    }
    for (auto &[name, job] : jobs)
        fabric.jobs.push_back(std::move(job));
    fabric.finalize(0);
    return fabric;
}

Fabric Fabric::railOptimised(int serverCount, int gpusPerServer, int serversPerUnit, int spinesPerRail)
{
    Fabric fabric;
    const int units = (serverCount + serversPerUnit - 1) / serversPerUnit;
    const int rails = gpusPerServer;
    char name[64];
    std::vector<std::vector<int>> spines(static_cast<std::size_t>(rails));
    for (int r = 0; r < rails; ++r)
        for (int s = 0; s < spinesPerRail; ++s) {
            std::snprintf(name, sizeof name, "spine-r%d-%02d", r, s);
            spines[std::size_t(r)].push_back(fabric.addNode(FabricNode{name, FabricNodeKind::Switch, SwitchRole::Unknown,
                                                                       0x300000u + std::uint64_t(r * spinesPerRail + s), name, 0, -1, {}, -1, -1, -1}));
        }
    std::uint64_t guid = 0x100000;
    for (int u = 0; u < units; ++u) {
        std::vector<int> leaves;
        for (int r = 0; r < rails; ++r) {
            std::snprintf(name, sizeof name, "leaf-su%d-r%d", u, r);
            const int leaf = fabric.addNode(FabricNode{name, FabricNodeKind::Switch, SwitchRole::Unknown, 0x200000u + std::uint64_t(u * rails + r),
                                                       name, 0, -1, {}, -1, -1, -1});
            leaves.push_back(leaf);
            for (int s = 0; s < spinesPerRail; ++s)
                fabric.connect(fabric.port(leaf, serversPerUnit + 1 + s), fabric.port(spines[std::size_t(r)][std::size_t(s)], u + 1));
        }
        for (int i = 0; i < serversPerUnit && u * serversPerUnit + i < serverCount; ++i) {
            std::snprintf(name, sizeof name, "gpu-node%04d", u * serversPerUnit + i);
            const std::string host = name;
            for (int r = 0; r < rails; ++r) {
                const std::string id = host + "/mlx5_" + std::to_string(r);
                const int hca = fabric.addNode(FabricNode{id, FabricNodeKind::Hca, SwitchRole::Unknown, guid += 16, host + " mlx5_" + std::to_string(r),
                                                          0, 0, {}, -1, r, -1});
                fabric.connect(fabric.port(hca, 1), fabric.port(leaves[std::size_t(r)], i + 1));
            }
        }
    }
    fabric.finalize(gpusPerServer);
    return fabric;
}

} // namespace Nocturne::Engine
