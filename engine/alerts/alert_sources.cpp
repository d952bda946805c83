#include "alert_sources.h"

#include <algorithm>

#include "detect/series_detector.h"

namespace Nocturne::Engine {

std::vector<AlertInput> alertsFromAnomalyEvent(const AnomalyEvent &event, const Estate *estate, bool resolved)
{
    const auto arrow = event.entity.find("->");
    const std::string entity = arrow != std::string::npos ? event.entity.substr(0, arrow) : event.entity;
    const Entity *known = estate ? estate->find(entity) : nullptr;
    const AlertSeverity severity = event.severity == EventSeverity::Critical ? AlertSeverity::Critical
                                 : event.severity == EventSeverity::High     ? AlertSeverity::High
                                 : event.severity == EventSeverity::Medium   ? AlertSeverity::Medium
                                                                             : AlertSeverity::Low;
    std::vector<AlertInput> out;
    for (const InvolvedMetric &m : event.metrics) {
        AlertInput in;
        in.source = "detector";
        in.name = m.metric + "_" + anomalyReasonName(m.reason);
        in.labels = {{"entity", event.entity}, {"metric", m.metric}};
        if (known)
            in.labels.push_back({"kind", entityKindName(known->kind)});
        else if (arrow != std::string::npos)
            in.labels.push_back({"kind", "edge"});
        in.severity = severity;
        in.entity = entity;
        in.annotations = {{"summary", event.entity + ": " + m.metric + " " + anomalyReasonName(m.reason)}};
        const Timestamp fired = std::max(event.onset, m.firstAnomalous);
        in.ts = resolved ? std::max(event.end, fired) : fired;
        in.resolved = resolved;
        out.push_back(std::move(in));
    }
    return out;
}

std::string entityFromLabels(const std::map<std::string, std::string> &labels)
{
    for (const char *key : {"service", "instance", "job"}) {
        if (auto it = labels.find(key); it != labels.end() && !it->second.empty())
            return it->second;
    }
    return {};
}

AlertInput alertFromLabels(std::string source, const std::map<std::string, std::string> &labels,
                           const std::map<std::string, std::string> &annotations, Timestamp ts, bool resolved)
{
    AlertInput in;
    in.source = std::move(source);
    for (const auto &[k, v] : labels) {
        if (k == "alertname")
            in.name = v;
        else
            in.labels.push_back({k, v});
    }
    if (in.name.empty())
        in.name = "alert";
    const auto severity = labels.find("severity");
    in.severity = severity != labels.end() ? parseAlertSeverity(severity->second) : AlertSeverity::Medium;
    in.entity = entityFromLabels(labels);
    in.annotations.assign(annotations.begin(), annotations.end());
    in.ts = ts;
    in.resolved = resolved;
    return in;
}

} // namespace Nocturne::Engine
