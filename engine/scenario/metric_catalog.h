#pragma once

#include <span>

#include "scenario/scenario.h"

namespace Nocturne::Engine {

// How the scenario synthesises one metric for every entity of a kind:
//   clean(t) = base × load(t)^loadExponent, base = entity.param(baseParam, baseDefault) × baseScale × jitter(entity)
//   value(t) = effects(clean(t)) × (1 + noise·N(0,1) [+ heavy tail with probability tailProbability]), clamped.
struct MetricSpec {
    const char *name;
    const char *unit;
    const char *baseParam; // entity parameter that sets the base, or nullptr
    double baseDefault;
    double baseScale;
    double loadExponent; // 0: flat (GPU training), 1: proportional to traffic
    double noise;        // relative standard deviation
    double tailProbability;
    double tailScale;    // heavy-tail excursions: × (1 + tailScale·Pareto)
    double lo, hi;       // clamp
    bool integer;
    bool onlyWithParam;  // present only on entities that define baseParam (e.g. DB pool metrics)
    bool jitter;         // vary the base ±15 % per entity
};

std::span<const MetricSpec> metricsForKind(EntityKind kind);

// Client-side metrics of a call edge (caller → callee). Their base comes from the edge (share of the caller's rate)
// and the callee (latency, errors); the generator couples them to the callee's current state.
std::span<const MetricSpec> edgeMetrics();

} // namespace Nocturne::Engine
