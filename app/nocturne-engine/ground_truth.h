#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "scenario/scenario.h"

namespace Nocturne::App {

// Whether something observed on `observed` (an entity id, or a call edge "caller->callee") is on `entity`: the entity
// itself, one of its parts (a pod of a service, a port of a switch), a member of it, or a call edge into or out of it.
// Used to match findings against a scenario's injected faults.
bool isOnEntity(const Engine::Estate &estate, const std::string &observed, const std::string &entity);

// A fault's findings arrive from a minute before its onset (ramps, early symptoms) until five minutes after its end
// (effects ramp down).
constexpr Engine::Duration kFaultLead = Engine::kMinute;
constexpr Engine::Duration kFaultTail = 5 * Engine::kMinute;

// The injected fault (index into `faults`) that something observed on `observed` (entity or call edge) at `t`
// belongs to: on the fault's propagation path within [onset − kFaultLead, end + kFaultTail]; when several qualify,
// the one that began last (a newly firing alert is the newer fault's doing). -1: none (noise).
int faultOfObservation(const Engine::Estate &estate, const std::vector<Engine::FaultInstance> &faults, const std::string &observed,
                       Engine::Timestamp t);

// An incident as the matcher needs it: its alerts' places (entity, or call edge "caller->callee") and firing times.
struct ObservedIncident {
    std::int64_t id = 0;
    Engine::Timestamp start = 0;
    std::vector<std::pair<std::string, Engine::Timestamp>> alerts;
};

// Which incidents hold which faults' alerts, and the grouping scores built on it.
struct FaultIncidentMatch {
    std::vector<std::vector<int>> faultsOf;            // per incident (input order): faults whose alerts it holds, ascending
    std::vector<std::vector<std::size_t>> incidentsOf; // per fault: incidents (input indices) holding its alerts, earliest first
    std::size_t incidents = 0; // incidents with at least one alert
    std::size_t withFault = 0; // … holding a fault's alerts
    std::size_t pure = 0;      // … holding exactly one fault's
    std::size_t noiseOnly = 0; // … holding none
    std::size_t faultsFound = 0; // faults with at least one incident

    // Share of the incidents with a fault that hold exactly one (0 when none has a fault).
    double purity() const { return withFault ? double(pure) / double(withFault) : 0.0; }
    // Incidents per fault found, mean (0 when no fault was found).
    double fragmentation() const;
    double recall() const { return incidentsOf.empty() ? 1.0 : double(faultsFound) / double(incidentsOf.size()); }
    // The fault's first incident (input index), or -1.
    long firstIncident(std::size_t fault) const { return incidentsOf[fault].empty() ? -1 : long(incidentsOf[fault].front()); }
};
FaultIncidentMatch matchFaultsToIncidents(const Engine::Estate &estate, const std::vector<Engine::FaultInstance> &faults,
                                          const std::vector<ObservedIncident> &incidents);

// 1-based rank of the first of `ranked` (entities, best first) that is on `root` (isOnEntity); 0 when none is.
int rankOfRoot(const Engine::Estate &estate, const std::vector<std::string> &ranked, const std::string &root);

} // namespace Nocturne::App
