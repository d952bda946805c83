#include "fabric_evidence.h"

#include "fabric/fabric.h"

#include <algorithm>
#include <cmath>

namespace Nocturne::Engine {

namespace {
// Findings about what a fault does to others, never where it lives.
bool isSymptomKind(FindingKind kind) {
    return kind == FindingKind::GpuIdle || kind == FindingKind::JobSlow || kind == FindingKind::PfcVictim;
}

bool isActive(const FabricFinding &f, Timestamp from, Timestamp to) {
    return f.firstSeen <= to && f.lastSeen >= from;
}
} // namespace

std::string fabricEntityOf(std::string_view element, const Fabric *fabric) {
    if (!fabric)
        return std::string(element);
    using K = Fabric::Lookup::Kind;
    const Fabric::Lookup l = fabric->lookup(element);
    const auto at = [](const auto &v, int i) -> const auto & {
        return v[std::size_t(i)];
    };
    switch (l.kind) {
    case K::Server:
        return at(fabric->servers, l.index).name;
    case K::Gpu:
        return at(fabric->gpus, l.index).id;
    case K::Node:
        return at(fabric->nodes, l.index).id;
    case K::Port:
        return at(fabric->ports, l.index).id;
    case K::Transceiver:
        return at(fabric->ports, l.index).id + "/xcvr";
    case K::None:
        break;
    }
    if (const int job = fabric->findJob(element); job >= 0)
        return at(fabric->jobs, job).name;
    for (const FabricGpu &gpu : fabric->gpus)
        if (!gpu.uuid.empty() && gpu.uuid == element)
            return gpu.id;
    return std::string(element);
}

std::vector<FabricEvidence> fabricEvidence(const std::vector<FabricFinding> &findings, const Fabric *fabric,
                                           Timestamp from, Timestamp to) {
    std::vector<FabricEvidence> out;
    for (const FabricFinding &f : findings) {
        if (!isActive(f, from, to))
            continue;
        FabricEvidence fe;
        fe.entity = fabricEntityOf(f.element, fabric);
        fe.rootCandidate = f.rootCandidate && !isSymptomKind(f.kind);
        RcaEvidence &e = fe.evidence;
        e.metric = findingKindName(f.kind);
        e.kind = "fabric";
        const double severity = std::isfinite(f.severity) ? std::clamp(f.severity, 0.0, 1.0) : 0.0;
        e.score = 4 + 16 * severity;
        e.direction = 1;
        e.onset = f.firstSeen;
        e.value = severity;
        e.reference = 0;
        e.text = f.summary.empty() ? e.metric : f.summary;
        if (!f.evidence.empty() && !f.evidence.front().empty())
            e.text += "; " + f.evidence.front();
        out.push_back(std::move(fe));
    }
    // A port's errors while its own optic has a finding are the optic's symptom: the optic is the replaceable part
    // (as FabricMonitor::suspects merges them).
    for (FabricEvidence &port : out) {
        const std::string &metric = port.evidence.metric;
        if (!port.rootCandidate ||
            (metric != findingKindName(FindingKind::LinkErrors) && metric != findingKindName(FindingKind::LinkDown)))
            continue;
        const std::string optic = port.entity + "/xcvr";
        port.rootCandidate = std::none_of(out.begin(), out.end(), [&](const FabricEvidence &other) {
            return other.entity == optic && other.rootCandidate;
        });
    }
    return out;
}

} // namespace Nocturne::Engine
