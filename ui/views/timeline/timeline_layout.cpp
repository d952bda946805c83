#include "timeline_layout.h"

#include <algorithm>
#include <map>

namespace Nocturne::Ui {

namespace {
std::string groupOf(const Engine::Alert &a)
{
    for (const Engine::Label &l : a.labels) {
        if (l.name == "cluster" || l.name == "kind" || l.name == "namespace" || l.name == "job")
            return l.value;
    }
    return a.source;
}

bool contains(const std::string &haystack, const std::string &needle)
{
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           }) != haystack.end();
}
} // namespace

TimelineLayout TimelineLayout::build(const std::vector<Engine::Alert> &alerts, const std::vector<Engine::Incident> &incidents,
                                     std::int64_t now, const std::vector<std::string> &collapsed, const std::string &filter,
                                     std::int64_t onlyIncident)
{
    TimelineLayout layout;
    // group → entity → alert indexes
    std::map<std::string, std::map<std::string, std::vector<std::size_t>>> groups;
    for (std::size_t i = 0; i < alerts.size(); ++i) {
        const Engine::Alert &a = alerts[i];
        if (onlyIncident > 0 && a.incidentId != onlyIncident)
            continue;
        if (!filter.empty() && !contains(a.name, filter) && !contains(a.entity, filter))
            continue;
        groups[groupOf(a)][a.entity.empty() ? a.name : a.entity].push_back(i);
    }
    layout.minTime = INT64_MAX;
    layout.maxTime = INT64_MIN;
    for (const auto &[group, entities] : groups) {
        const int header = int(layout.lanes.size());
        layout.lanes.push_back({group, true, -1, 0});
        const bool folded = std::find(collapsed.begin(), collapsed.end(), group) != collapsed.end();
        for (const auto &[entity, indexes] : entities) {
            int lane = header;
            if (!folded) {
                lane = int(layout.lanes.size());
                layout.lanes.push_back({entity, false, header, 1});
            }
            for (std::size_t i : indexes) {
                const Engine::Alert &a = alerts[i];
                const std::int64_t t1 = a.active() ? std::max(now, a.startsAt) : std::max(a.endsAt, a.startsAt);
                layout.bars.push_back({lane, a.startsAt, t1, a.severity, a.state, a.id});
                layout.minTime = std::min(layout.minTime, a.startsAt);
                layout.maxTime = std::max(layout.maxTime, t1);
            }
        }
    }
    std::sort(layout.bars.begin(), layout.bars.end(), [](const Bar &x, const Bar &y) { return x.lane != y.lane ? x.lane < y.lane : x.t0 < y.t0; });
    for (const Engine::Incident &incident : incidents) {
        const std::int64_t end = incident.open() ? std::max(now, incident.lastActivity) : incident.end;
        layout.bands.push_back({incident.start, end, incident.id, incident.severity, incident.title});
    }
    if (layout.minTime > layout.maxTime)
        layout.minTime = layout.maxTime = now;
    return layout;
}

} // namespace Nocturne::Ui
