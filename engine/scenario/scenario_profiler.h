#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "profile/profile_store.h"
#include "scenario/scenario.h"

namespace Nocturne::Engine {

// Synthetic CPU profiles for the scenario's services, one per service per period, so the demo has profiles to
// diff: a Go-like call tree per service (HTTP serving, JSON, TLS, SQL, GC, scheduler) with deterministic noise, and
// the faults of the library showing where they would in a real profile (a bad deploy adds a hot function, a memory
// leak grows GC and allocation, a slot migration grows the Redis client's retries, …), scaled by how much of the
// period the fault covers. Frame tables are built once per service and shared (read-only) by its profiles.
class ScenarioProfiler
{
public:
    ScenarioProfiler(const Scenario &scenario, bool injectFaults);
    static constexpr Duration kPeriod = 5 * kMinute;
    // One profile per service for [from, from + kPeriod).
    std::vector<StoredProfile> generate(Timestamp from) const;
    std::size_t services() const { return m_services.size(); }

private:
    struct Stack
    {
        std::vector<FrameId> frames;
        double weight; // share of a healthy profile
    };
    struct ServiceModel
    {
        std::string name;
        std::shared_ptr<FrameTable> frames;
        std::vector<Stack> base;
        std::map<std::string, std::vector<Stack>> byFaultClass; // extra stacks a fault of that class adds
    };

    const Scenario &m_scenario;
    bool m_injectFaults;
    std::vector<ServiceModel> m_services;
};

} // namespace Nocturne::Engine
