#include "scenario.h"

#include <algorithm>

namespace Nocturne::Engine {

namespace {
struct KindName {
    EntityKind kind;
    const char *name;
};
constexpr KindName kKindNames[] = {
    {EntityKind::Service, "service"}, {EntityKind::Pod, "pod"},         {EntityKind::Host, "host"},
    {EntityKind::Cache, "cache"},     {EntityKind::Database, "database"}, {EntityKind::Queue, "queue"},
    {EntityKind::Server, "server"},   {EntityKind::Gpu, "gpu"},         {EntityKind::Nic, "nic"},
    {EntityKind::Switch, "switch"},   {EntityKind::Port, "port"},       {EntityKind::Transceiver, "transceiver"},
    {EntityKind::Job, "job"},
};
} // namespace

const char *entityKindName(EntityKind kind)
{
    for (const auto &k : kKindNames) {
        if (k.kind == kind)
            return k.name;
    }
    return "unknown";
}

bool parseEntityKind(const std::string &text, EntityKind &kind)
{
    for (const auto &k : kKindNames) {
        if (text == k.name) {
            kind = k.kind;
            return true;
        }
    }
    return false;
}

const char *edgeKindName(EdgeKind kind)
{
    switch (kind) {
    case EdgeKind::Calls: return "calls";
    case EdgeKind::RunsOn: return "runs-on";
    case EdgeKind::ConnectsTo: return "connects-to";
    case EdgeKind::MemberOf: return "member-of";
    }
    return "unknown";
}

double Entity::param(const std::string &name, double fallback) const
{
    auto it = params.find(name);
    return it == params.end() ? fallback : it->second;
}

const Entity *Estate::find(const std::string &id) const
{
    auto it = index.find(id);
    return it == index.end() ? nullptr : &entities[it->second];
}

void Estate::add(Entity entity)
{
    index[entity.id] = entities.size();
    entities.push_back(std::move(entity));
}

void Estate::rebuildIndex()
{
    index.clear();
    for (std::size_t i = 0; i < entities.size(); ++i)
        index[entities[i].id] = i;
}

std::vector<FaultInstance> Scenario::faultInstances(Timestamp from, Timestamp to) const
{
    std::vector<FaultInstance> out;
    if (to <= from)
        return out;
    int firstCycle = 0, lastCycle = 0;
    if (cycle > 0) {
        // Cycles before `from` can still be active through long faults; look one cycle further back.
        firstCycle = static_cast<int>(std::max<Timestamp>(0, (from - start) / cycle - 1));
        lastCycle = static_cast<int>(std::max<Timestamp>(0, (to - start) / cycle));
    }
    for (int c = firstCycle; c <= lastCycle; ++c) {
        for (const auto &fault : faults) {
            const Timestamp onset = start + Duration(c) * cycle + fault.onset;
            const Timestamp end = onset + fault.duration;
            if (onset < to && end > from)
                out.push_back(FaultInstance{&fault, onset, end, c});
        }
    }
    std::sort(out.begin(), out.end(), [](const FaultInstance &a, const FaultInstance &b) { return a.onset < b.onset; });
    return out;
}

bool globMatch(std::string_view pattern, std::string_view text)
{
    // Iterative matcher with one backtrack point: linear in practice, no recursion on hostile patterns.
    std::size_t p = 0, t = 0, starP = std::string_view::npos, starT = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            starP = p++;
            starT = t;
        } else if (p < pattern.size() && pattern[p] == text[t]) {
            ++p;
            ++t;
        } else if (starP != std::string_view::npos) {
            p = starP + 1;
            t = ++starT;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

} // namespace Nocturne::Engine
