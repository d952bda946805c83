#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alerts/alert_book.h"

namespace Nocturne::Ui {

// What the alert timeline draws, built off the UI thread from a snapshot: lanes in nested groups (group → entity),
// one bar per alert, incidents as bands. Painting only maps it through the TimeAxis.
struct TimelineLayout {
    struct Lane {
        std::string label;
        bool header = false;  // a group row (e.g. "service"), collapsible
        int group = -1;       // index of the header lane this lane belongs to
        int depth = 0;
    };
    struct Bar {
        int lane = 0;
        std::int64_t t0 = 0, t1 = 0; // t1: end, or "now" for active alerts
        Engine::AlertSeverity severity = Engine::AlertSeverity::Medium;
        Engine::AlertState state = Engine::AlertState::Firing;
        std::int64_t alertId = 0;
    };
    struct Band {
        std::int64_t t0 = 0, t1 = 0;
        std::int64_t incidentId = 0;
        Engine::AlertSeverity severity = Engine::AlertSeverity::Medium;
        std::string title;
    };
    std::vector<Lane> lanes;
    std::vector<Bar> bars;   // sorted by lane, then t0
    std::vector<Band> bands;
    std::int64_t minTime = 0, maxTime = 0;

    // Groups lanes by `groupOf(alert)` (e.g. the entity kind label), lanes by entity; `collapsed` holds group labels
    // whose lanes are folded into their header row. `now` closes active bars. `filter` matches alert names and
    // entities; `onlyIncident` > 0 keeps only that incident's alerts (the war room).
    static TimelineLayout build(const std::vector<Engine::Alert> &alerts, const std::vector<Engine::Incident> &incidents,
                                std::int64_t now, const std::vector<std::string> &collapsed = {}, const std::string &filter = {},
                                std::int64_t onlyIncident = 0);
};

} // namespace Nocturne::Ui
