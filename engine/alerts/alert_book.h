#pragma once

#include <cstdint>
#include <functional>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "model/series_key.h"

namespace Nocturne::Engine {

enum class AlertState { Firing, Acknowledged, Resolved, Silenced, Inhibited };
enum class AlertSeverity { Critical, High, Medium, Low, Info };
const char *alertStateName(AlertState state);
const char *alertSeverityName(AlertSeverity severity);
AlertSeverity parseAlertSeverity(std::string_view text); // critical/page → Critical, error/high → High, warning → Medium, …

struct AlertChange {
    Timestamp ts = 0;
    AlertState from = AlertState::Firing;
    AlertState to = AlertState::Firing;
    std::string who;     // "system" for automatic changes, else the operator
    std::string comment; // why (silence id, inhibiting alert, operator's words)
};

// What a source reports: a detector anomaly event, an Alertmanager alert, a Prometheus alert, a Kafka event.
struct AlertInput {
    std::string source; // "detector", "alertmanager", "prometheus", "kafka"
    std::string name;   // alertname
    Labels labels;      // identifying labels (alertname is added)
    std::vector<std::pair<std::string, std::string>> annotations; // summary, runbook_url, …
    AlertSeverity severity = AlertSeverity::Medium;
    std::string entity; // the estate entity it is about (service, pod, host, port); may be empty
    Timestamp ts = 0;
    bool resolved = false;
};

struct Alert {
    std::int64_t id = 0;
    std::string fingerprint;
    std::string source;
    std::string name;
    Labels labels;
    std::vector<std::pair<std::string, std::string>> annotations;
    AlertSeverity severity = AlertSeverity::Medium;
    AlertState state = AlertState::Firing;
    std::string entity;
    Timestamp startsAt = 0;
    Timestamp endsAt = 0; // 0 while not resolved
    Timestamp lastSeen = 0;
    std::uint32_t occurrences = 1; // re-notifications de-duplicated into this alert
    std::int64_t incidentId = 0;
    std::vector<AlertChange> history;
    bool active() const { return state != AlertState::Resolved; }
};

// What an alert is about: a call edge's alert ("entity" label "a->b", shown on its caller a) is about its callee b;
// any other alert about its entity.
std::string alertSubject(const Labels &labels, const std::string &entity);

// Alertmanager's identity of an alert: alertname + the sorted label set (64-bit FNV-1a, hex).
std::string alertFingerprint(std::string_view name, const Labels &labels);

struct Silence {
    std::int64_t id = 0;
    std::vector<LabelMatcher> matchers; // all must match ("alertname" matches the alert name)
    std::string matchersText;           // as the operator wrote it: {service="cart",severity=~"crit.*"}
    Timestamp startsAt = 0;
    Timestamp endsAt = 0;
    std::string createdBy;
    std::string comment;
    std::string ticket;
    bool maintenance = false; // a maintenance window (same mechanics, shown apart)
    bool activeAt(Timestamp t) const { return t >= startsAt && t < endsAt; }
};

// Alertmanager inhibition: while a source alert fires, target alerts with the same values of `equal` are muted.
struct InhibitRule {
    std::vector<LabelMatcher> source;
    std::vector<LabelMatcher> target;
    std::vector<std::string> equal;
};

// Incident-level changes (alerts keep their own AlertChange history).
enum class IncidentAction { Acknowledged, OwnerSet, Resolved, Reopened, AutoResolved };
// "acknowledged", "owner set", "resolved", "re-opened", "auto-resolved"
const char *incidentActionName(IncidentAction action);

struct IncidentChange {
    Timestamp ts = 0;
    IncidentAction action = IncidentAction::Acknowledged;
    std::string who;     // "system" for automatic changes, else the operator
    std::string comment; // the operator's words, the new owner, or why the system acted
};

// What an operator sees: resolved wins, then acknowledged (until a re-open clears it), then re-opened.
enum class IncidentStatus { Open, Acknowledged, Resolved, Reopened };
const char *incidentStatusName(IncidentStatus status);

struct Incident {
    std::int64_t id = 0;
    std::string title;
    AlertSeverity severity = AlertSeverity::Info;
    Timestamp start = 0;
    Timestamp lastActivity = 0;
    Timestamp end = 0; // 0 while open
    // start (or last re-open) + SLA of its severity (critical 15 m, high 1 h, medium 4 h, low 24 h)
    Timestamp slaDeadline = 0;
    bool acknowledged = false; // since the last re-open
    std::string owner;          // empty: nobody took it
    std::string acknowledgedBy; // since the last re-open; empty when not acknowledged
    Timestamp acknowledgedAt = 0;
    std::string resolvedBy; // the operator who resolved it; empty while open or when it resolved itself
    int reopenCount = 0;
    Timestamp lastReopened = 0;
    std::vector<IncidentChange> history;
    std::vector<std::int64_t> alerts;
    std::set<std::string> entities;
    std::vector<std::string> explanations; // one line per grouping decision: why each alert is here
    bool archived = false; // closed long ago: details left memory (the event store keeps them)
    bool open() const { return end == 0; }
    IncidentStatus status() const
    {
        return !open() ? IncidentStatus::Resolved
             : acknowledged ? IncidentStatus::Acknowledged
             : reopenCount > 0 ? IncidentStatus::Reopened
                               : IncidentStatus::Open;
    }
};
Duration slaFor(AlertSeverity severity);

// A war-room note on an incident: who wrote what, when. `kind` is "note", "confirm" or "reject" (verdicts on a
// root-cause candidate carry the candidate in the text).
struct IncidentNote {
    std::int64_t incident = 0;
    Timestamp ts = 0;
    std::string who;
    std::string kind;
    std::string text;
};

// The alert lifecycle and the noise reduction: de-duplication by fingerprint, silences and maintenance windows,
// inhibition, and on-line grouping of alerts into incidents by time proximity, topology distance and label
// similarity, with operator corrections (merge, split, move) stored and learnt from. Not thread-safe: the engine
// serialises calls. Plain C++ (no Qt).
class AlertBook
{
public:
    struct Options {
        Duration groupWindow = 5 * kMinute;   // an incident accepts alerts this long after its last new one
        Duration maxAge = 30 * kMinute;       // … and this long after it started (later alerts open a new one)
        Duration resolvedGrace = 2 * kMinute; // … and, once all its alerts resolved, only this long after
        Duration openingBurst = 2 * kMinute;  // alerts this close to an incident's start join without the direction test
        Duration resolveHoldDown = 5 * kMinute; // an incident with every alert resolved resolves itself after this
        Duration reopenWindow = 30 * kMinute;   // the same alert firing this soon after a resolution re-opens it
        double joinThreshold = 0.5;            // minimum score to join an incident instead of opening one
        int maxHops = 3;                       // topology distance beyond which entities are unrelated
        AlertSeverity minSeverityToOpen = AlertSeverity::Medium; // lower alerts only join existing incidents
        Duration memoryRetention = kDay;       // resolved alerts of closed incidents stay in memory this long
    };
    // Hop distance between two entities on the topology (calls, runs-on, member-of, parts), -1 when unrelated.
    using Distance = std::function<int(const std::string &, const std::string &)>;

    AlertBook();
    explicit AlertBook(Options options);

    void setTopology(Distance distance) { m_distance = std::move(distance); }
    // Directed dependency hops (caller → callee); with it, an alert that arrives after an incident's opening burst
    // joins only when it is downstream of the incident's first entity (a caller that the failure can reach) — a new
    // failing dependency is a new incident, even next to a running one.
    void setDependencies(Distance dependencyHops) { m_dependencies = std::move(dependencyHops); }
    void addInhibitRule(InhibitRule rule) { m_inhibitRules.push_back(std::move(rule)); }

    // Fires, re-notifies (de-duplicated) or resolves an alert; returns its id.
    std::int64_t ingest(const AlertInput &input);
    // Time moves on: silences start and expire, incidents whose alerts all resolved resolve themselves after
    // Options::resolveHoldDown, SLA clocks run.
    void advance(Timestamp now);

    Status acknowledge(std::int64_t alertId, const std::string &who, const std::string &comment, Timestamp now);
    Status resolve(std::int64_t alertId, const std::string &who, const std::string &comment, Timestamp now);
    Status addNote(std::int64_t alertId, const std::string &who, const std::string &comment, Timestamp now);

    // Incident-level actions; each needs a person and is recorded in the incident's history. Acknowledging also
    // acknowledges its firing alerts; resolving resolves every active alert and closes it now (the same alert firing
    // again within Options::reopenWindow re-opens it). An empty owner releases the incident.
    Status acknowledgeIncident(std::int64_t incidentId, const std::string &who, const std::string &comment, Timestamp now);
    Status assignIncident(std::int64_t incidentId, const std::string &owner, const std::string &who, Timestamp now);
    Status resolveIncident(std::int64_t incidentId, const std::string &who, const std::string &comment, Timestamp now);

    // Silences: `matchers` in Alertmanager syntax, e.g. {service="cart",alertname=~"High.*"}.
    Result<std::int64_t> addSilence(const std::string &matchers, Timestamp startsAt, Timestamp endsAt, const std::string &createdBy,
                                    const std::string &comment, const std::string &ticket = {}, bool maintenance = false);
    Status expireSilence(std::int64_t silenceId, const std::string &who, Timestamp now);
    // The active alerts a silence with these matchers would mute (shown before it is created).
    Result<std::vector<std::int64_t>> previewSilence(const std::string &matchers) const;

    // Operator corrections, stored and used for later grouping (entity pairs learn an affinity).
    Status mergeIncidents(std::int64_t into, std::int64_t from, const std::string &who, Timestamp now);
    Result<std::int64_t> splitIncident(std::int64_t incident, const std::vector<std::int64_t> &alerts, const std::string &who, Timestamp now);
    Status moveAlert(std::int64_t alert, std::int64_t toIncident, const std::string &who, Timestamp now);
    // An operator confirms what caused the incident (a fault or error class); recorded among its explanations.
    Status confirmCause(std::int64_t incident, const std::string &cause, const std::string &who, const std::string &note);

    // Everything the book knows, for persistence; restore() replaces the book's contents with a saved state (ids,
    // fingerprints of active alerts, silences re-parsed, learnt affinities). Alerts resolved and incidents closed
    // before `keepAfter` are dropped (retention).
    struct State {
        std::vector<Alert> alerts;
        std::vector<Incident> incidents;
        std::vector<Silence> silences;
        std::vector<std::pair<std::pair<std::string, std::string>, double>> affinity;
    };
    State state() const;
    Status restore(State state, Timestamp keepAfter = INT64_MIN);

    const Alert *alert(std::int64_t id) const;
    const Incident *incident(std::int64_t id) const;
    // The alerts held in memory, oldest first (resolved alerts of closed incidents leave memory after
    // Options::memoryRetention; the event store keeps them).
    const std::deque<Alert> &alerts() const { return m_alerts; }
    std::int64_t totalAlerts() const { return m_firstAlertId - 1 + std::int64_t(m_alerts.size()); }
    const std::vector<Incident> &incidents() const { return m_incidents; }
    const std::vector<Silence> &silences() const { return m_silences; }
    std::size_t openIncidents() const;
    // Counts incidents closing (resolved, merged away): what watches for closed incidents looks only when it moved.
    std::uint64_t closures() const { return m_closures; }
    double affinity(const std::string &a, const std::string &b) const;

private:
    Alert &alertRef(std::int64_t id) { return m_alerts[std::size_t(id - m_firstAlertId)]; }
    void prune(Timestamp now);
    Incident &incidentRef(std::int64_t id) { return m_incidents[std::size_t(id - 1)]; }
    void setState(Alert &alert, AlertState to, const std::string &who, const std::string &comment, Timestamp ts);
    // Silenced / inhibited / firing, from silences and inhibition rules (acknowledged and resolved are kept).
    void reevaluate(Alert &alert, Timestamp now);
    bool matchesAll(const std::vector<LabelMatcher> &matchers, const Alert &alert) const;
    // Joins the best related open incident; with mayOpen, opens a new one when none fits. True when attached.
    bool group(Alert &alert, bool mayOpen = true);
    static bool ownFailureSignal(const Alert &alert);
    // The same trouble returns: a firing alert whose fingerprint belongs to an incident that resolved less than
    // reopenWindow ago (or is open and waiting out its hold-down) goes back to that incident, re-opening it; false:
    // nothing to re-open, group() decides.
    bool tryReopen(Alert &alert);
    // Refuses an operator's action without a person, on an unknown or archived incident, or (unless allowClosed) on a
    // resolved one; `what` names the action in the message ("acknowledging").
    Status checkIncidentAction(std::int64_t incidentId, const std::string &who, const char *what, bool allowClosed) const;
    void attach(Alert &alert, Incident &incident, std::string why);
    void learn(const Incident &incident, const Alert &alert, double delta);

    Options m_options;
    Distance m_distance;
    Distance m_dependencies;
    std::deque<Alert> m_alerts; // id = index + m_firstAlertId
    std::int64_t m_firstAlertId = 1;
    std::unordered_map<std::string, std::int64_t> m_byFingerprint;
    std::vector<Silence> m_silences;
    std::vector<InhibitRule> m_inhibitRules;
    std::vector<Incident> m_incidents; // id = index + 1
    std::map<std::pair<std::string, std::string>, double> m_affinity; // learnt from corrections, ordered pair
    Timestamp m_now = 0;
    std::uint64_t m_closures = 0;
};

} // namespace Nocturne::Engine
