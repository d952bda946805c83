#include "gpu_cluster_estate.h"

#include <cstdio>

namespace Nocturne::Engine {

namespace {
std::string twoDigits(const char *prefix, int n)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%s%02d", prefix, n);
    return buffer;
}

std::string portName(const std::string &device, int port)
{
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "/p%02d", port);
    return device + buffer;
}

void addPortWithTransceiver(Estate &estate, const std::string &device, const std::string &port, int serial)
{
    estate.add(Entity{port, EntityKind::Port, device, {}, {}, {}});
    Entity xcvr{port + "/xcvr", EntityKind::Transceiver, port, {}, {}, {}};
    xcvr.labels["vendor"] = serial % 3 == 0 ? "Mellanox" : (serial % 3 == 1 ? "InnoLight" : "Eoptolink");
    xcvr.labels["part"] = "MMA1T00-HS";
    char sn[32];
    std::snprintf(sn, sizeof sn, "MT22%06d", 100000 + serial);
    xcvr.labels["serial"] = sn;
    xcvr.params["age_days"] = 120 + (serial * 37) % 700;
    // DOM alarm thresholds of this 200G HDR optic (what `ethtool -m` / STATE_DB report for it): the RX low alarm sits
    // about 5 dB under the nominal receive power, the warning 3 dB under.
    xcvr.params["rx_power_low_alarm_dbm"] = -7.0;
    xcvr.params["rx_power_low_warning_dbm"] = -5.0;
    xcvr.params["tx_power_low_alarm_dbm"] = -6.0;
    xcvr.params["tx_power_low_warning_dbm"] = -4.0;
    xcvr.params["temp_high_alarm_c"] = 75;
    xcvr.params["temp_high_warning_c"] = 70;
    estate.add(std::move(xcvr));
    estate.edges.push_back(Edge{port + "/xcvr", port, EdgeKind::RunsOn, 1.0});
}

void link(Estate &estate, const std::string &a, const std::string &b)
{
    estate.edges.push_back(Edge{a, b, EdgeKind::ConnectsTo, 1.0});
    estate.edges.push_back(Edge{b, a, EdgeKind::ConnectsTo, 1.0});
}
} // namespace

std::string leafName(int leaf) { return twoDigits("leaf-", leaf); }
std::string spineName(int spine) { return twoDigits("spine-", spine); }
std::string serverName(int server) { return twoDigits("gpu-node", server); }

void buildGpuClusterEstate(const GpuClusterShape &shape, Estate &estate)
{
    int serial = 0;
    Entity job{shape.job, EntityKind::Job, {}, {}, {}, {}};
    job.params["servers"] = shape.servers;
    estate.add(std::move(job));

    for (int s = 0; s < shape.spines; ++s)
        estate.add(Entity{spineName(s), EntityKind::Switch, {}, {}, {{"tier", 2}}, {{"role", "spine"}}});
    for (int l = 0; l < shape.leaves; ++l)
        estate.add(Entity{leafName(l), EntityKind::Switch, {}, {}, {{"tier", 1}}, {{"role", "leaf"}}});

    for (int srv = 0; srv < shape.servers; ++srv) {
        const std::string server = serverName(srv);
        estate.add(Entity{server, EntityKind::Server, {}, {}, {}, {}});
        estate.edges.push_back(Edge{server, shape.job, EdgeKind::MemberOf, 1.0});
        for (int g = 0; g < shape.gpusPerServer; ++g) {
            const std::string gpu = server + "/gpu" + std::to_string(g);
            Entity gpuEntity{gpu, EntityKind::Gpu, server, server, {{"index", g}}, {}};
            char uuid[64];
            std::snprintf(uuid, sizeof uuid, "GPU-%08x-%04x-4%03x-8000-%012x", 0x5eed0000u + unsigned(srv), unsigned(g), unsigned(srv),
                          unsigned(srv * 16 + g));
            gpuEntity.labels["UUID"] = uuid;
            gpuEntity.labels["modelName"] = "NVIDIA H100 80GB HBM3";
            estate.add(std::move(gpuEntity));
            estate.edges.push_back(Edge{gpu, server, EdgeKind::RunsOn, 1.0});

            const std::string nic = server + "/mlx5_" + std::to_string(g);
            estate.add(Entity{nic, EntityKind::Nic, server, server, {{"rail", g % shape.leaves}}, {}});
            estate.edges.push_back(Edge{gpu, nic, EdgeKind::ConnectsTo, 1.0}); // GPU↔NIC affinity (same PCIe switch)
            const std::string nicPort = nic + "/p1";
            addPortWithTransceiver(estate, nic, nicPort, serial++);
        }
    }
    // Leaf ports: 1..servers down to servers (rail-optimised), then uplinks to spines.
    for (int l = 0; l < shape.leaves; ++l) {
        const std::string leaf = leafName(l);
        for (int srv = 0; srv < shape.servers; ++srv) {
            const std::string port = portName(leaf, srv + 1);
            addPortWithTransceiver(estate, leaf, port, serial++);
            // Every NIC on this rail lands here: GPU g of each server uses rail g % leaves.
            for (int g = l; g < shape.gpusPerServer; g += shape.leaves)
                link(estate, serverName(srv) + "/mlx5_" + std::to_string(g) + "/p1", port);
        }
    }
    for (int l = 0; l < shape.leaves; ++l) {
        const std::string leaf = leafName(l);
        int leafPort = shape.servers + 1;
        for (int s = 0; s < shape.spines; ++s) {
            for (int u = 0; u < shape.uplinksPerSpine; ++u) {
                const std::string up = portName(leaf, leafPort++);
                addPortWithTransceiver(estate, leaf, up, serial++);
                const std::string down = portName(spineName(s), l * shape.uplinksPerSpine + u + 1);
                addPortWithTransceiver(estate, spineName(s), down, serial++);
                link(estate, up, down);
            }
        }
    }
}

} // namespace Nocturne::Engine
