#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/scenario.h"

namespace Nocturne::Engine {

// The fault model: from a fault's class and root, the effects it has on the estate. The root's own signals follow
// from the class (the same metrics and magnitudes as the hand-written faults of shop.yaml and gpu-cluster.yaml); the
// rest emerges from the estate:
//  - latency and errors flow to callers along the call graph, in proportion to the share of a caller's requests that
//    reach the trouble (product of call shares along a path, summed over paths, capped at 1), diluted per hop, with a
//    5–15 s lag per hop (deterministic from the seed), until the change on a caller is too small to detect;
//  - a service's pods carry its pod metrics; a host's trouble reaches what runs on it (pods, databases, caches);
//  - on a GPU fabric, a port's trouble reaches the GPUs and the training jobs behind it.
// Plain C++20, no Qt.

// Every class the model knows, in a fixed order. Aliases are accepted wherever a class is named: gpu_xid →
// gpu_fallen_off_bus, optic_degradation → transceiver_degradation, slow_dependency → latency_injection.
std::vector<std::string> knownFaultClasses();
// The class's canonical name, or "" when the model does not know it.
std::string canonicalFaultClass(std::string_view faultClass);
// Which roots the class fits, for error messages: "a service with a connection pool".
std::string eligibilityText(std::string_view faultClass);

bool isEligibleRoot(const Estate &estate, std::string_view faultClass, const std::string &root);
// The entities of this estate the class can start at, in estate order.
std::vector<std::string> eligibleRoots(const Estate &estate, std::string_view faultClass);
// The classes with at least one eligible root in this estate, in knownFaultClasses() order.
std::vector<std::string> faultClasses(const Estate &estate);

// A complete fault: effects, log lines, a deploy version for bad deploys, and the ground truth (`propagation`: the
// root first, then every entity that got an effect or a log line, leaving out those already covered by a listed one —
// a pod of a listed service, a port of a listed switch, a GPU whose server is a member of a listed job). Deterministic
// in its arguments. An unknown class, a root that is not in the estate or not eligible: a fault with no effects whose
// propagation is the root alone.
FaultSpec synthesizeFault(const Estate &estate, std::string faultClass, std::string root, Duration onset, Duration duration,
                          std::uint64_t seed);

// Hand-written effects win: each replaces the synthesized effects on the same (entity, metric); the others stay.
void applyEffectOverrides(FaultSpec &fault, const std::vector<FaultEffect> &handWritten);

} // namespace Nocturne::Engine
