#include "ground_truth.h"

#include <algorithm>
#include <set>

namespace Nocturne::App {

using namespace Nocturne::Engine;

bool isOnEntity(const Estate &estate, const std::string &observed, const std::string &entity)
{
    if (observed == entity)
        return true;
    const auto arrow = observed.find("->");
    if (arrow != std::string::npos)
        return observed.compare(0, arrow, entity) == 0 || observed.compare(arrow + 2, std::string::npos, entity) == 0;
    // Walk up the parts hierarchy; a member of a group (a server of a training job) is on the group too.
    for (const Entity *e = estate.find(observed); e; e = e->parent.empty() ? nullptr : estate.find(e->parent)) {
        if (e->id == entity)
            return true;
        for (const Edge &edge : estate.edges) {
            if (edge.kind == EdgeKind::MemberOf && edge.from == e->id && edge.to == entity)
                return true;
        }
    }
    return false;
}

int faultOfObservation(const Estate &estate, const std::vector<FaultInstance> &faults, const std::string &observed, Timestamp t)
{
    int best = -1;
    for (std::size_t i = 0; i < faults.size(); ++i) {
        const FaultInstance &f = faults[i];
        if (!f.spec || t < f.onset - kFaultLead || t > f.end + kFaultTail)
            continue;
        if (best >= 0 && f.onset <= faults[std::size_t(best)].onset)
            continue;
        const auto &path = f.spec->propagation;
        if (std::any_of(path.begin(), path.end(), [&](const std::string &p) { return isOnEntity(estate, observed, p); }))
            best = int(i);
    }
    return best;
}

double FaultIncidentMatch::fragmentation() const
{
    std::size_t total = 0;
    for (const auto &held : incidentsOf)
        total += held.size();
    return faultsFound ? double(total) / double(faultsFound) : 0.0;
}

FaultIncidentMatch matchFaultsToIncidents(const Estate &estate, const std::vector<FaultInstance> &faults,
                                          const std::vector<ObservedIncident> &incidents)
{
    FaultIncidentMatch m;
    m.faultsOf.resize(incidents.size());
    m.incidentsOf.resize(faults.size());
    for (std::size_t i = 0; i < incidents.size(); ++i) {
        const ObservedIncident &incident = incidents[i];
        if (incident.alerts.empty())
            continue;
        ++m.incidents;
        std::set<int> held;
        for (const auto &[observed, at] : incident.alerts) {
            if (const int f = faultOfObservation(estate, faults, observed, at); f >= 0)
                held.insert(f);
        }
        m.faultsOf[i].assign(held.begin(), held.end());
        for (int f : held)
            m.incidentsOf[std::size_t(f)].push_back(i);
        m.withFault += !held.empty();
        m.pure += held.size() == 1;
        m.noiseOnly += held.empty();
    }
    for (auto &held : m.incidentsOf) {
        std::stable_sort(held.begin(), held.end(), [&](std::size_t a, std::size_t b) {
            return incidents[a].start != incidents[b].start ? incidents[a].start < incidents[b].start : incidents[a].id < incidents[b].id;
        });
        m.faultsFound += !held.empty();
    }
    return m;
}

int rankOfRoot(const Estate &estate, const std::vector<std::string> &ranked, const std::string &root)
{
    for (std::size_t i = 0; i < ranked.size(); ++i) {
        if (isOnEntity(estate, ranked[i], root))
            return int(i) + 1;
    }
    return 0;
}

} // namespace Nocturne::App
