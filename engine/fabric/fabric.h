#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"

namespace Nocturne::Engine {

struct Estate;

// The physical fabric of a GPU cluster: switches with ports, servers with GPUs and HCAs/NICs (one per rail), links
// with both ends, a transceiver in every cabled port, and jobs spread over servers. Plain data with integer indices
// (the map view and the path queries walk it at 16k GPUs); element ids are stable, human-readable strings shared with
// the telemetry and the findings:
//   switch "leaf-su0-r3", its port "leaf-su0-r3/p18", that port's optic "leaf-su0-r3/p18/xcvr",
//   HCA "gpu-node015/mlx5_7", its port "gpu-node015/mlx5_7/p1", GPU "gpu-node015/gpu7", server "gpu-node015".

enum class FabricNodeKind : std::uint8_t { Switch, Hca, Router };
enum class SwitchRole : std::uint8_t { Unknown, Leaf, Spine, Core };
const char *switchRoleName(SwitchRole role);

// DOM alarm thresholds of a module (NaN: unknown). Power in dBm, bias in mA, temperature in °C, voltage in V.
struct TransceiverThresholds {
    double rxPowerLowAlarm = -10.0, rxPowerLowWarning = -8.0;
    double txPowerLowAlarm = -8.0, txPowerLowWarning = -6.0;
    double tempHighAlarm = 75.0, tempHighWarning = 70.0;
    double biasHighAlarm = 15.0, biasLowAlarm = 2.0;
    double vccLowAlarm = 3.0, vccHighAlarm = 3.6;
};

struct Transceiver {
    std::string vendor, part, serial;
    double ageDays = -1; // unknown
    TransceiverThresholds thresholds;
};

struct FabricPort {
    std::string id;     // "<node>/p18" (switches) or "<hca>/p1"
    int node = -1;      // index into nodes
    int number = 0;     // physical port number, 1-based
    std::uint64_t guid = 0;
    int lid = 0;
    int peer = -1;      // index into ports of the far end; -1: not cabled / down
    int link = -1;      // index into links
    std::string width, speed; // "4x", "HDR"
    bool hasTransceiver = false;
    Transceiver transceiver;
};

struct FabricNode {
    std::string id;          // switch host name, or "<host>/<device>" for an HCA
    FabricNodeKind kind = FabricNodeKind::Switch;
    SwitchRole role = SwitchRole::Unknown;
    std::uint64_t guid = 0;
    std::string description; // NodeDescription as discovered
    int lid = 0;
    int tier = -1;           // 0: HCA, 1: leaf, 2: spine, 3: core
    std::vector<int> ports;  // indices into ports, by port number order
    int server = -1;         // HCAs: index into servers
    int rail = -1;           // HCAs: rail (device index); leaves: the rail most of their HCAs are on
    int group = -1;          // leaves: scalable unit (servers sharing the leaf set); HCAs/servers likewise
};

struct FabricLink {
    int a = -1, b = -1; // port indices
};

struct FabricGpu {
    std::string id; // "<host>/gpu<N>"
    int server = -1;
    int index = 0;
    int hca = -1;   // node index of the HCA it sends through (PCIe affinity), -1: unknown
    std::string uuid;
};

struct FabricServer {
    std::string name;
    std::vector<int> hcas; // node indices, by rail
    std::vector<int> gpus; // indices into gpus
    int group = -1;
};

struct FabricJob {
    std::string name;
    std::vector<int> servers;
};

// One stage of a path: the elements a packet may cross at that step. Deterministic hops have one element; an ECMP
// stage lists every equal-cost alternative.
struct PathStage {
    std::vector<std::string> elements;
};

struct FabricPath {
    std::string from, to; // GPU or HCA ids of the two ends
    int rail = -1;
    std::vector<PathStage> stages;
    double ecmpPaths = 1; // number of distinct equal-cost paths
    std::vector<std::string> elements() const; // every element of every stage, in order, without repeats
};

class Fabric
{
public:
    std::vector<FabricNode> nodes;
    std::vector<FabricPort> ports;
    std::vector<FabricLink> links;
    std::vector<FabricGpu> gpus;
    std::vector<FabricServer> servers;
    std::vector<FabricJob> jobs;

    int addNode(FabricNode node);
    // Adds (or returns) port `number` of `node`.
    int port(int node, int number);
    // Cables two ports together; false when either end is already cabled elsewhere.
    bool connect(int portA, int portB);

    // After the nodes and links are known: switch tiers and roles (leaves touch HCAs, spines only switches), servers
    // from HCA host names, rails from device indices, GPUs (`gpusPerServer` per server with GPU i ↔ HCA i unless
    // already given), groups, transceivers on every cabled port, and the id index.
    void finalize(int gpusPerServer = 8);

    int findNode(std::string_view id) const;
    int findPort(std::string_view id) const;
    int findGpu(std::string_view id) const;
    int findServer(std::string_view name) const;
    int findJob(std::string_view name) const;
    // A host, GPU, HCA, switch, port, transceiver ("<port>/xcvr"), node GUID ("0x…") or port GUID: what it names.
    struct Lookup {
        enum class Kind { None, Server, Gpu, Node, Port, Transceiver } kind = Kind::None;
        int index = -1;
    };
    Lookup lookup(std::string_view text) const;

    std::size_t switchCount() const;
    std::size_t hcaCount() const;

    // Paths between two endpoints (GPU ids, HCA ids or host names). Host ↔ host gives one path per rail the two
    // share; a GPU picks its HCA by affinity. Stages: GPU, HCA, HCA port, optic, leaf optic, leaf port, leaf,
    // [uplink ports, optics, spine ports, spines, …]*, leaf, leaf port, optic, optic, HCA port, HCA, GPU.
    Result<std::vector<FabricPath>> pathsBetween(std::string_view a, std::string_view b) const;
    // Every element any pair of the job's servers may use (union over pairs and rails), with the number of paths
    // through it.
    Result<std::map<std::string, int>> jobFootprint(std::string_view job) const;

    // The scenario's gpu-cluster estate as a fabric (ports, optics with their params, GPUs, jobs).
    static Fabric fromEstate(const Estate &estate);
    // A rail-optimised two-tier fat tree for scale tests: scalable units of `serversPerUnit` servers with one leaf
    // per rail each, every leaf with one uplink to every spine of its rail plane.
    static Fabric railOptimised(int servers, int gpusPerServer, int serversPerUnit, int spinesPerRail);

private:
    void index();
    std::vector<int> switchHops(const std::vector<int> &sources) const;
    std::vector<int> shortestSwitchPathStages(int fromSwitch, int toSwitch, std::vector<PathStage> &stages,
                                              double &ecmp) const;
    Result<FabricPath> pathBetweenHcas(int hcaA, int hcaB) const;
    std::unordered_map<std::string, int> m_nodeIndex, m_portIndex, m_gpuIndex, m_serverIndex;
    std::unordered_map<std::uint64_t, int> m_guidIndex; // node GUIDs and port GUIDs → port (ports) or node
    std::unordered_map<std::uint64_t, int> m_nodeGuidIndex;
};

// ibnetdiscover's default output (one record per node, one line per cabled port). Node descriptions
// "MF0;leaf-su0-r3:MQM8700/U1" name switches "leaf-su0-r3", "gpu-node015 mlx5_7" names HCA "gpu-node015/mlx5_7".
// Errors name `source`, the line and the column; nothing is returned on error.
Result<Fabric> importIbnetdiscover(std::string_view text, std::string_view source);
// iblinkinfo's default output (a header per node, one row per port, down ports included).
Result<Fabric> importIblinkinfo(std::string_view text, std::string_view source);
// A RoCE/Ethernet fabric described in YAML:
//   switches: [{name: leaf-0, role: leaf}, …]
//   servers: [{name: gpu-node00, nics: [{name: eth0, rail: 0, switch: leaf-0, port: 1}], gpus: 8}]
//   links: [{a: leaf-0/p33, b: spine-0/p1}]
//   gpu_affinity: {gpu0: eth0, …}   (optional, applies to every server)
//   jobs: [{name: llm, servers: [gpu-node00, …]}]
Result<Fabric> importFabricYaml(std::string_view text, std::string_view source);
// Reads a topology file: `format` ibnetdiscover, iblinkinfo, yaml or auto (by extension and content).
Result<Fabric> importFabricFile(const std::string &path, std::string format = "auto");
// Jobs from config ("name: [host, …]" YAML map) applied to a fabric; unknown hosts are errors.
Status applyJobsYaml(Fabric &fabric, std::string_view text, std::string_view source);

} // namespace Nocturne::Engine
