#pragma once

#include <map>
#include <string>
#include <vector>

#include "alerts/alert_book.h"
#include "detect/anomaly_events.h"
#include "scenario/scenario.h"

namespace Nocturne::Engine {

// How each source's findings become AlertBook inputs — one place, so the engine, the webhook, the Prometheus client
// and `storm` raise the same alerts from the same data.

// One alert per anomalous metric of an anomaly event (the classic view: a storm of per-metric alerts). Call-edge
// events ("a->b") alert on their caller. `resolved`: the event closed (ts = its end) rather than fired.
std::vector<AlertInput> alertsFromAnomalyEvent(const AnomalyEvent &event, const Estate *estate, bool resolved);

// An alert described by labels (Alertmanager, Prometheus alerting rules): alertname → name, severity → severity,
// the first of service / instance / job → entity, the other labels kept.
AlertInput alertFromLabels(std::string source, const std::map<std::string, std::string> &labels,
                           const std::map<std::string, std::string> &annotations, Timestamp ts, bool resolved);
// The entity an alert's labels point at (service, else instance, else job), or "".
std::string entityFromLabels(const std::map<std::string, std::string> &labels);

} // namespace Nocturne::Engine
