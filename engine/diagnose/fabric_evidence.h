#pragma once

#include "core/clock.h"
#include "diagnose/root_cause.h"
#include "fabric/fabric_health.h"

#include <string>
#include <string_view>
#include <vector>

namespace Nocturne::Engine {

// A GPU fabric monitor finding as evidence in an incident's diagnosis, on the estate entity it is about.
struct FabricEvidence {
    std::string entity;   // estate entity id: "gpu-node21/gpu5", "leaf-05/p09", "leaf-03/p17/xcvr", "llm-pretrain-70b"
    RcaEvidence evidence; // kind "fabric", metric = findingKindName, score 4 + 16 × severity, onset = first seen
    bool rootCandidate = true; // false for victims and symptoms: idle GPUs, slow jobs, PFC victims, a port's errors
                               // when its own optic has a finding in the same window
};

// The estate entity a fabric element names. A fabric built by Fabric::fromEstate keeps the estate's ids (GPU
// "gpu-node21/gpu5", NIC "gpu-node21/mlx5_5", port "leaf-03/p17", optic "leaf-03/p17/xcvr", server, switch, job),
// so for the scenario estates this is the same string; other spellings the fabric resolves (node or port GUIDs, a GPU
// UUID) map to the element's id. Without a fabric, or for an element it does not know, the element itself.
std::string fabricEntityOf(std::string_view element, const Fabric *fabric);

// One entry per finding active in [from, to] (first seen ≤ to and last seen ≥ from), in the findings' order. The
// evidence line is the finding's summary with its first piece of evidence; value = severity, reference = 0,
// direction +1. A severe finding (score up to 20) outranks most metric evidence, as it should: the monitor has
// already localised it to one element.
std::vector<FabricEvidence> fabricEvidence(const std::vector<FabricFinding> &findings, const Fabric *fabric,
                                           Timestamp from, Timestamp to);

} // namespace Nocturne::Engine
