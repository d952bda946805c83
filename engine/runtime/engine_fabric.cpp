// The engine's GPU fabric: the fabric model, the monitor fed from stored samples (entity labels, dcgm-exporter's
// gpu + Hostname, node_exporter's infiniband counters), and the simulated estate's reaction to remediation.
#include "runtime/engine.h"

#include "runtime/scenario_replayer.h"

namespace Nocturne::Engine {

bool Engine::mitigateScenarioFault(const std::string &entity, bool undo)
{
    if (!m_replayer)
        return false;
    m_replayer->generator().mitigate(entity, m_clock.now(), undo);
    return true;
}

namespace {
// The fabric's elements join the estate graph, so alerts on ports, optics, GPUs and jobs group and walk along it:
// ports are parts of their switch or HCA, HCAs and GPUs parts of their server, cabled ports connect both ways, a GPU
// sends through its HCA, servers are members of their jobs.
void mergeFabric(Topology &graph, const Fabric &fabric, Timestamp now)
{
    const auto node = [&](const std::string &id, TopologyNodeKind kind, const std::string &parent) {
        graph.addNode({id, kind, parent, "fabric", now, now}, now);
    };
    const auto edge = [&](const std::string &from, const std::string &to, TopologyEdgeKind kind) {
        TopologyEdge e;
        e.from = from;
        e.to = to;
        e.kind = kind;
        e.source = "fabric";
        e.lastSeen = now;
        graph.addEdge(std::move(e), now);
    };
    for (const FabricServer &server : fabric.servers)
        node(server.name, TopologyNodeKind::Host, {});
    for (const FabricNode &n : fabric.nodes) {
        const bool hca = n.tier == 0;
        const std::string parent = hca && n.server >= 0 && std::size_t(n.server) < fabric.servers.size() ? fabric.servers[std::size_t(n.server)].name : std::string();
        node(n.id, hca ? TopologyNodeKind::Link : TopologyNodeKind::Switch, parent);
        for (int p : n.ports)
            if (p >= 0 && std::size_t(p) < fabric.ports.size())
                node(fabric.ports[std::size_t(p)].id, TopologyNodeKind::Link, n.id);
    }
    for (const FabricLink &link : fabric.links) {
        if (link.a < 0 || link.b < 0 || std::size_t(link.a) >= fabric.ports.size() || std::size_t(link.b) >= fabric.ports.size())
            continue;
        edge(fabric.ports[std::size_t(link.a)].id, fabric.ports[std::size_t(link.b)].id, TopologyEdgeKind::ConnectsTo);
        edge(fabric.ports[std::size_t(link.b)].id, fabric.ports[std::size_t(link.a)].id, TopologyEdgeKind::ConnectsTo);
    }
    for (const FabricGpu &gpu : fabric.gpus) {
        const std::string server = gpu.server >= 0 && std::size_t(gpu.server) < fabric.servers.size() ? fabric.servers[std::size_t(gpu.server)].name : std::string();
        node(gpu.id, TopologyNodeKind::Gpu, server);
        if (gpu.hca >= 0 && std::size_t(gpu.hca) < fabric.nodes.size())
            edge(gpu.id, fabric.nodes[std::size_t(gpu.hca)].id, TopologyEdgeKind::ConnectsTo);
    }
    for (const FabricJob &job : fabric.jobs) {
        node(job.name, TopologyNodeKind::Other, {});
        for (int server : job.servers)
            if (server >= 0 && std::size_t(server) < fabric.servers.size())
                edge(fabric.servers[std::size_t(server)].name, job.name, TopologyEdgeKind::MemberOf);
    }
}
} // namespace

void Engine::loadFabric(Fabric fabric)
{
    {
        std::lock_guard lock(m_graphMutex);
        m_fabricGraph = Topology();
        mergeFabric(m_fabricGraph, fabric, m_clock.now());
    }
    refreshAlertTopology();
    std::lock_guard lock(m_fabricMutex);
    m_fabric = std::make_shared<const Fabric>(std::move(fabric));
    m_fabricMonitor = std::make_unique<FabricMonitor>(m_fabric);
    m_fabricHandles.clear();
    m_fabricCounters.clear();
    m_fabricLinkGbps.clear();
    m_fabricRates = FabricCounterRates();
    m_fabricHealth = std::make_shared<const FabricHealthSnapshot>(m_fabricMonitor->snapshot());
}

std::shared_ptr<const Fabric> Engine::fabric() const
{
    std::lock_guard lock(m_fabricMutex);
    return m_fabric;
}

std::shared_ptr<const FabricHealthSnapshot> Engine::fabricHealth() const
{
    std::lock_guard lock(m_fabricMutex);
    return m_fabricHealth;
}

void Engine::ingestFabricObservations(std::span<const FabricObservation> observations, Timestamp ts, const std::string &feed)
{
    std::vector<SampleRef> samples;
    samples.reserve(observations.size());
    for (const FabricObservation &o : observations)
        samples.push_back({m_store.intern(SeriesKey::make(o.metric, {{"entity", o.element}})), ts, o.value});
    ingestSamples(samples, feed);
}

void Engine::feedFabric(std::span<const SampleRef> samples)
{
    std::lock_guard lock(m_fabricMutex);
    if (!m_fabricMonitor)
        return;
    for (const SampleRef &s : samples) {
        const std::size_t id = std::size_t(s.series.value);
        if (id >= m_fabricHandles.size())
            m_fabricHandles.resize(id + 1, -2);
        int &handle = m_fabricHandles[id];
        if (handle == -2) {
            handle = -1;
            if (auto key = m_store.key(s.series); key && key->name.rfind("node_infiniband_", 0) == 0) {
                // node_exporter's infiniband collector: counters per device and port of the scraped host.
                std::string_view host = key->label("hostname");
                if (host.empty())
                    host = key->label("instance").substr(0, key->label("instance").find(':'));
                const std::string port = std::string(host) + "/" + std::string(key->label("device")) + "/p" + std::string(key->label("port"));
                const std::string field = nodeExporterInfinibandField(key->name);
                if (m_fabric->findPort(port) >= 0 && (!field.empty() || key->name == "node_infiniband_rate_bytes_per_second")) {
                    handle = -3;
                    m_fabricCounters[s.series.value] = {port, field.empty() ? std::string("rate") : field};
                }
            } else if (key) {
                std::string entity(key->label("entity"));
                if (entity.empty() && !key->label("gpu").empty()) { // dcgm-exporter
                    std::string_view host = key->label("Hostname");
                    if (host.empty())
                        host = key->label("hostname");
                    if (host.empty())
                        host = key->label("instance").substr(0, key->label("instance").find(':'));
                    entity = std::string(host) + "/gpu" + std::string(key->label("gpu"));
                }
                if (!entity.empty())
                    handle = m_fabricMonitor->resolve(entity, key->name);
            }
        }
        if (handle >= 0) {
            m_fabricMonitor->observe(handle, s.ts, s.value);
        } else if (handle == -3) {
            const auto &[port, field] = m_fabricCounters[s.series.value];
            if (field == "rate") {
                m_fabricLinkGbps[port] = s.value * 8 / 1e9;
                continue;
            }
            const auto gbps = m_fabricLinkGbps.find(port);
            for (const FabricObservation &o : m_fabricRates.update(port, s.ts, {{field, std::uint64_t(std::max(0.0, s.value))}}, true,
                                                                   gbps == m_fabricLinkGbps.end() ? 0 : gbps->second))
                m_fabricMonitor->observe(o.element, o.metric, s.ts, o.value);
        }
    }
}

} // namespace Nocturne::Engine
