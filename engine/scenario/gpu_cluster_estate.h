#pragma once

#include <string>

#include "scenario/scenario.h"

namespace Nocturne::Engine {

struct GpuClusterShape {
    int servers = 32;
    int gpusPerServer = 8;
    int leaves = 8;  // one rail per leaf: NIC i of every server connects to leaf i % leaves
    int spines = 4;
    int uplinksPerSpine = 4; // from every leaf to every spine
    std::string job = "training-job";
};

// Builds a rail-optimised two-tier fabric: servers with GPUs and one NIC (single port) per GPU, leaves, spines,
// ports on both ends of every link, a transceiver in every port, and one job spanning all servers.
void buildGpuClusterEstate(const GpuClusterShape &shape, Estate &estate);

// Leaf port numbering: ports 1..servers face servers (port s+1 ↔ server s), the rest are uplinks.
std::string leafName(int leaf);
std::string spineName(int spine);
std::string serverName(int server);

} // namespace Nocturne::Engine
