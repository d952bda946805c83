#include "alert_book.h"

#include "detect/anomaly_events.h"
#include "diagnose/root_cause.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace Nocturne::Engine {

namespace {
int severityRank(AlertSeverity s)
{
    return 4 - int(s); // Critical 4 … Info 0
}

std::string hex64(std::uint64_t v)
{
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(v));
    return buffer;
}

std::string labelValue(const Labels &labels, std::string_view name)
{
    for (const Label &l : labels) {
        if (l.name == name)
            return l.value;
    }
    return {};
}

std::string fmtDuration(Duration d)
{
    const long long s = d / kSecond;
    return s < 120 ? std::to_string(s) + " s" : std::to_string(s / 60) + " min";
}
} // namespace

const char *alertStateName(AlertState state)
{
    switch (state) {
    case AlertState::Firing: return "firing";
    case AlertState::Acknowledged: return "acknowledged";
    case AlertState::Resolved: return "resolved";
    case AlertState::Silenced: return "silenced";
    case AlertState::Inhibited: return "inhibited";
    }
    return "?";
}

const char *alertSeverityName(AlertSeverity severity)
{
    switch (severity) {
    case AlertSeverity::Critical: return "critical";
    case AlertSeverity::High: return "high";
    case AlertSeverity::Medium: return "medium";
    case AlertSeverity::Low: return "low";
    case AlertSeverity::Info: return "info";
    }
    return "?";
}

AlertSeverity parseAlertSeverity(std::string_view text)
{
    std::string t(text);
    for (char &c : t)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    if (t == "critical" || t == "page" || t == "p1" || t == "fatal" || t == "emergency")
        return AlertSeverity::Critical;
    if (t == "high" || t == "error" || t == "major" || t == "p2")
        return AlertSeverity::High;
    if (t == "warning" || t == "warn" || t == "medium" || t == "minor" || t == "p3")
        return AlertSeverity::Medium;
    if (t == "low" || t == "p4")
        return AlertSeverity::Low;
    if (t == "info" || t == "none" || t == "p5")
        return AlertSeverity::Info;
    return AlertSeverity::Medium;
}

Duration slaFor(AlertSeverity severity)
{
    switch (severity) {
    case AlertSeverity::Critical: return 15 * kMinute;
    case AlertSeverity::High: return kHour;
    case AlertSeverity::Medium: return 4 * kHour;
    case AlertSeverity::Low:
    case AlertSeverity::Info: return 24 * kHour;
    }
    return 24 * kHour;
}

std::string alertSubject(const Labels &labels, const std::string &entity)
{
    const std::string edge = labelValue(labels, "entity");
    const auto arrow = edge.find("->");
    return arrow == std::string::npos ? entity : edge.substr(arrow + 2);
}

std::string alertFingerprint(std::string_view name, const Labels &labels)
{
    std::uint64_t h = 1469598103934665603ULL;
    auto feed = [&](std::string_view s) {
        for (char c : s) {
            h ^= static_cast<unsigned char>(c);
            h *= 1099511628211ULL;
        }
        h ^= 0xff; // separator that cannot occur in UTF-8
        h *= 1099511628211ULL;
    };
    feed(name);
    for (const Label &l : labels) {
        if (l.name == "alertname")
            continue;
        feed(l.name);
        feed(l.value);
    }
    return hex64(h);
}

AlertBook::AlertBook()
    : AlertBook(Options{})
{
}

AlertBook::AlertBook(Options options)
    : m_options(options)
{
}

AlertBook::State AlertBook::state() const
{
    State out;
    out.alerts.assign(m_alerts.begin(), m_alerts.end());
    for (const Incident &i : m_incidents) {
        if (!i.archived) // archived details are already saved; do not overwrite them with the shell
            out.incidents.push_back(i);
    }
    out.silences = m_silences;
    out.affinity.assign(m_affinity.begin(), m_affinity.end());
    return out;
}

Status AlertBook::restore(State state, Timestamp keepAfter)
{
    // Ids are positions: keep them dense by sorting; expired items keep their slot as an empty shell so that ids
    // referenced from history stay valid, but they no longer count or show.
    std::sort(state.alerts.begin(), state.alerts.end(), [](const Alert &a, const Alert &b) { return a.id < b.id; });
    std::sort(state.incidents.begin(), state.incidents.end(), [](const Incident &a, const Incident &b) { return a.id < b.id; });
    const std::int64_t firstId = state.alerts.empty() ? 1 : state.alerts.front().id;
    for (std::size_t i = 0; i < state.alerts.size(); ++i) {
        if (state.alerts[i].id != firstId + std::int64_t(i))
            return makeError(ErrorCode::InvalidArgument, "saved alert ids are not dense (gap at " + std::to_string(i + 1) + ")");
    }
    // Incidents archived before the save are missing from a state taken from memory: keep their ids as shells.
    std::vector<Incident> dense;
    for (Incident &incident : state.incidents) {
        if (incident.id <= std::int64_t(dense.size()))
            return makeError(ErrorCode::InvalidArgument, "saved incident ids repeat (" + std::to_string(incident.id) + ")");
        while (std::int64_t(dense.size()) + 1 < incident.id) {
            Incident shell;
            shell.id = std::int64_t(dense.size()) + 1;
            shell.end = 1;
            shell.archived = true;
            dense.push_back(shell);
        }
        dense.push_back(std::move(incident));
    }
    state.incidents = std::move(dense);
    for (Silence &s : state.silences) {
        auto matchers = parseSelector(s.matchersText);
        if (!matchers)
            return makeError(ErrorCode::InvalidArgument, "saved silence " + std::to_string(s.id) + ": " + matchers.error().message);
        s.matchers = std::move(*matchers);
    }
    for (Alert &a : state.alerts) {
        if (!a.active() && a.endsAt < keepAfter) {
            a.history.clear();
            a.annotations.clear();
        }
    }
    for (Incident &i : state.incidents) {
        if (!i.open() && i.end < keepAfter) {
            i.alerts.clear(); // an empty incident is not listed
            i.explanations.clear();
        }
    }
    m_alerts.assign(std::make_move_iterator(state.alerts.begin()), std::make_move_iterator(state.alerts.end()));
    m_firstAlertId = firstId;
    m_incidents = std::move(state.incidents);
    m_silences = std::move(state.silences);
    m_affinity.clear();
    for (auto &[pair, value] : state.affinity)
        m_affinity[pair] = value;
    m_byFingerprint.clear();
    for (const Alert &a : m_alerts) {
        m_byFingerprint[a.fingerprint] = a.id; // the newest alert of a fingerprint wins
        m_now = std::max(m_now, a.lastSeen);
    }
    return {};
}

const Alert *AlertBook::alert(std::int64_t id) const
{
    return id >= m_firstAlertId && id < m_firstAlertId + std::int64_t(m_alerts.size()) ? &m_alerts[std::size_t(id - m_firstAlertId)] : nullptr;
}

const Incident *AlertBook::incident(std::int64_t id) const
{
    return id >= 1 && id <= std::int64_t(m_incidents.size()) ? &m_incidents[std::size_t(id - 1)] : nullptr;
}

std::size_t AlertBook::openIncidents() const
{
    return std::size_t(std::count_if(m_incidents.begin(), m_incidents.end(), [](const Incident &i) { return i.open(); }));
}

void AlertBook::setState(Alert &alert, AlertState to, const std::string &who, const std::string &comment, Timestamp ts)
{
    if (alert.state == to && comment.empty())
        return;
    alert.history.push_back({ts, alert.state, to, who, comment});
    alert.state = to;
}

bool AlertBook::matchesAll(const std::vector<LabelMatcher> &matchers, const Alert &alert) const
{
    for (const LabelMatcher &m : matchers) {
        const std::string value = m.name == "alertname" || m.name == "__name__" ? alert.name : labelValue(alert.labels, m.name);
        if (!m.matches(value))
            return false;
    }
    return true;
}

void AlertBook::reevaluate(Alert &alert, Timestamp now)
{
    if (alert.state == AlertState::Resolved || alert.state == AlertState::Acknowledged)
        return;
    for (const Silence &s : m_silences) {
        if (s.activeAt(now) && matchesAll(s.matchers, alert)) {
            if (alert.state != AlertState::Silenced)
                setState(alert, AlertState::Silenced, "system",
                         (s.maintenance ? "maintenance window " : "silence ") + std::to_string(s.id) + " by " + s.createdBy, now);
            return;
        }
    }
    for (const InhibitRule &rule : m_inhibitRules) {
        if (!matchesAll(rule.target, alert))
            continue;
        for (const Alert &source : m_alerts) {
            if (&source == &alert || (source.state != AlertState::Firing && source.state != AlertState::Acknowledged))
                continue;
            if (!matchesAll(rule.source, source))
                continue;
            const bool equal = std::all_of(rule.equal.begin(), rule.equal.end(), [&](const std::string &l) {
                return labelValue(source.labels, l) == labelValue(alert.labels, l);
            });
            if (equal) {
                if (alert.state != AlertState::Inhibited)
                    setState(alert, AlertState::Inhibited, "system", "inhibited by alert " + std::to_string(source.id) + " (" + source.name + ")", now);
                return;
            }
        }
    }
    if (alert.state != AlertState::Firing) {
        setState(alert, AlertState::Firing, "system", "no longer silenced or inhibited", now);
        // An open incident that explains it first; else the resolved incident it belongs to comes back; else a new one.
        if (alert.incidentId == 0 && !group(alert, false) && !tryReopen(alert))
            group(alert);
    }
}

std::int64_t AlertBook::ingest(const AlertInput &input)
{
    m_now = std::max(m_now, input.ts);
    Labels labels = input.labels;
    labels.push_back({"alertname", input.name});
    const SeriesKey normalised = SeriesKey::make(input.name, std::move(labels));
    const std::string fingerprint = alertFingerprint(input.name, normalised.labels);
    if (auto it = m_byFingerprint.find(fingerprint); it != m_byFingerprint.end()) {
        Alert &alert = alertRef(it->second);
        if (alert.active()) {
            if (input.resolved) {
                alert.endsAt = input.ts;
                alert.lastSeen = input.ts;
                setState(alert, AlertState::Resolved, "system", "resolved by " + input.source, input.ts);
                if (alert.incidentId)
                    incidentRef(alert.incidentId).lastActivity = std::max(incidentRef(alert.incidentId).lastActivity, input.ts);
            } else {
                ++alert.occurrences; // de-duplicated re-notification
                alert.lastSeen = std::max(alert.lastSeen, input.ts);
                if (severityRank(input.severity) > severityRank(alert.severity))
                    alert.severity = input.severity;
            }
            return alert.id;
        }
        if (input.resolved)
            return alert.id; // already resolved: a repeated resolve
    } else if (input.resolved) {
        return 0; // resolve for an alert never seen firing
    }
    Alert alert;
    alert.id = totalAlerts() + 1;
    alert.fingerprint = fingerprint;
    alert.source = input.source;
    alert.name = input.name;
    alert.labels = normalised.labels;
    alert.annotations = input.annotations;
    alert.severity = input.severity;
    alert.entity = input.entity;
    alert.startsAt = alert.lastSeen = input.ts;
    alert.history.push_back({input.ts, AlertState::Firing, AlertState::Firing, "system", "fired (" + input.source + ")"});
    m_alerts.push_back(std::move(alert));
    m_byFingerprint[fingerprint] = m_alerts.back().id;
    Alert &added = m_alerts.back();
    reevaluate(added, input.ts);
    if (added.state == AlertState::Firing && !group(added, false) && !tryReopen(added))
        group(added);
    // A new firing alert may be the source of an inhibition.
    if (!m_inhibitRules.empty() && added.state == AlertState::Firing) {
        const bool isSource = std::any_of(m_inhibitRules.begin(), m_inhibitRules.end(),
                                          [&](const InhibitRule &r) { return matchesAll(r.source, added); });
        if (isSource) {
            for (Alert &other : m_alerts) {
                if (other.id != added.id && other.state == AlertState::Firing)
                    reevaluate(other, input.ts);
            }
        }
    }
    return m_alerts.back().id;
}

double AlertBook::affinity(const std::string &a, const std::string &b) const
{
    const auto it = m_affinity.find(a < b ? std::pair{a, b} : std::pair{b, a});
    return it == m_affinity.end() ? 0.0 : it->second;
}

void AlertBook::learn(const Incident &incident, const Alert &alert, double delta)
{
    if (alert.entity.empty())
        return;
    for (const std::string &e : incident.entities) {
        if (e == alert.entity)
            continue;
        double &a = m_affinity[alert.entity < e ? std::pair{alert.entity, e} : std::pair{e, alert.entity}];
        a = std::clamp(a + delta, -1.0, 0.6);
    }
}

void AlertBook::attach(Alert &alert, Incident &incident, std::string why)
{
    alert.incidentId = incident.id;
    incident.alerts.push_back(alert.id);
    // A call edge's alert is about its callee and seen by its caller: the incident holds both.
    if (const std::string subject = alertSubject(alert.labels, alert.entity); !subject.empty())
        incident.entities.insert(subject);
    if (!alert.entity.empty())
        incident.entities.insert(alert.entity);
    incident.lastActivity = std::max(incident.lastActivity, alert.startsAt);
    if (incident.alerts.size() == 1 || severityRank(alert.severity) > severityRank(incident.severity)) {
        incident.severity = alert.severity;
        incident.slaDeadline = std::max(incident.start, incident.lastReopened) + slaFor(incident.severity);
    }
    if (incident.title.empty())
        incident.title = (alert.entity.empty() ? alert.name : alert.entity + ": " + alert.name);
    incident.explanations.push_back("alert " + std::to_string(alert.id) + " (" + alert.name + (alert.entity.empty() ? "" : " on " + alert.entity)
                                    + "): " + why);
}

// A component's own failure, which other entities' trouble does not cause: saturation (CPU, memory) and hardware
// error counters (NVIDIA XID, ECC).
bool AlertBook::ownFailureSignal(const Alert &alert)
{
    const std::string metric = labelValue(alert.labels, "metric").empty() ? alert.name : labelValue(alert.labels, "metric");
    const std::string kind = metricKindOf(metric);
    if (kind == "cpu" || kind == "mem")
        return true;
    std::string lower(metric);
    for (char &c : lower)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return lower.find("xid") != std::string::npos || lower.find("_ecc") != std::string::npos;
}

bool AlertBook::group(Alert &alert, bool mayOpen)
{
    const Timestamp t = alert.startsAt;
    // An estate-wide shift (many entities moving together) is a symptom of whatever is going on: it joins the incident
    // that is active right now (the most recently active one), and opens one only when nothing else is.
    if (alert.entity == kEstateEntity) {
        Incident *current = nullptr;
        for (Incident &incident : m_incidents) {
            if (!incident.open() || incident.alerts.empty() || t - incident.lastActivity > m_options.groupWindow)
                continue;
            const bool active = std::any_of(incident.alerts.begin(), incident.alerts.end(), [&](std::int64_t id) {
                const Alert *a = this->alert(id);
                return a && a->active() && a->id != alert.id;
            });
            if (active && (!current || incident.lastActivity > current->lastActivity))
                current = &incident;
        }
        if (current) {
            attach(alert, *current, "joined incident " + std::to_string(current->id) + " (an estate-wide shift while it is active)");
            return true;
        }
    }
    Incident *best = nullptr;
    double bestScore = -1;
    std::string bestWhy;
    std::vector<Incident *> causeOf; // incidents in their opening burst to which this alert is a common dependency
    // A call edge's alert ("a->b", shown on its caller a) is about its callee: the trouble is b's or the way to b, and
    // a depends on b anyway. Relating it through b keeps a caller's alerts about two different callees apart.
    const bool resource = ownFailureSignal(alert);
    const std::string relateAs = alertSubject(alert.labels, alert.entity);
    for (Incident &incident : m_incidents) {
        if (!incident.open() || incident.alerts.empty() || t - incident.start > m_options.maxAge)
            continue;
        // Is the incident's trouble still going on? An incident takes new alerts within the window after its last new
        // one, or for an entity on which one of its alerts still fires; once every alert resolved it is over (after a
        // short grace for flapping alerts): a new storm is a new incident.
        Timestamp lastResolved = 0;
        bool anyActive = false, entityActive = false;
        for (std::int64_t id : incident.alerts) {
            const Alert *a = this->alert(id);
            if (!a)
                continue;
            lastResolved = std::max(lastResolved, a->endsAt);
            anyActive |= a->active();
            entityActive |= a->active() && !alert.entity.empty() && a->entity == alert.entity;
        }
        if (!entityActive && t - incident.lastActivity > m_options.groupWindow)
            continue;
        if (!anyActive && t - lastResolved > m_options.resolvedGrace)
            continue;
        const bool inBurst = t - incident.start <= m_options.openingBurst;
        double learnt = 0;
        for (const std::string &e : incident.entities) {
            if (!alert.entity.empty() && e != alert.entity && std::abs(affinity(alert.entity, e)) > std::abs(learnt))
                learnt = affinity(alert.entity, e);
        }
        // How the alert's entity relates to the incident's: the same entity; an effect (it depends on one of them, so
        // their failure reaches it); or, while the incident is opening, a cause (one of them depends on it: the
        // dependency that started it, detected a little later). Two entities that only share a caller are not
        // related: concurrent faults in separate parts of the estate meet at the entry points, and stay apart.
        int hops = -1;
        std::string via;
        bool asCause = false;
        // Saturation (CPU, memory, restarts) does not travel up the call graph: after the opening burst such an alert
        // joins only an incident that already holds its entity; elsewhere it is a new fault.
        if (resource && !inBurst && !incident.entities.count(alert.entity))
            continue;
        // The incident's origin: its entities that depend on no other entity of it (every entity while it opens).
        std::vector<const std::string *> targets;
        if (m_dependencies) {
            for (const std::string &e : incident.entities) {
                const bool root = inBurst || std::none_of(incident.entities.begin(), incident.entities.end(), [&](const std::string &other) {
                    return &other != &e && m_dependencies(e, other) > 0;
                });
                if (root)
                    targets.push_back(&e);
            }
            // Once every alert on its origin has resolved, the incident is recovering: what fires then, even on one of
            // its entities, is new trouble.
            if (!inBurst) {
                // (A short grace lets a flapping origin, or one whose detector hands over from spike to drift, keep it.)
                const bool originActive = std::any_of(incident.alerts.begin(), incident.alerts.end(), [&](std::int64_t id) {
                    const Alert *a = this->alert(id);
                    return a && (a->active() || t - a->endsAt <= m_options.resolvedGrace)
                        && std::any_of(targets.begin(), targets.end(), [&](const std::string *origin) { return *origin == a->entity; });
                });
                if (!originActive)
                    continue;
            }
        }
        if (!relateAs.empty() && incident.entities.count(relateAs)) {
            hops = 0;
            via = relateAs;
        } else if (!relateAs.empty() && m_dependencies) {
            // 0 hops between distinct entities: parts of one whole (two ports of a switch, two pods of a service).
            // After the opening burst, only effects of the origin join (what depends on one of its entities).
            for (const std::string *target : targets) {
                const std::string &e = *target;
                const int effect = m_dependencies(relateAs, e);
                if (effect >= 0 && effect <= m_options.maxHops && (hops < 0 || effect < hops)) {
                    hops = effect;
                    via = e;
                    asCause = false;
                }
                if (!inBurst)
                    continue;
                const int cause = m_dependencies(e, relateAs);
                if (cause >= 0 && cause <= m_options.maxHops && (hops < 0 || cause < hops)) {
                    hops = cause;
                    via = e;
                    asCause = true;
                }
            }
        } else if (!alert.entity.empty() && m_distance) {
            for (const std::string &e : incident.entities) {
                const int h = m_distance(alert.entity, e);
                if (h >= 0 && h <= m_options.maxHops && (hops < 0 || h < hops)) {
                    hops = h;
                    via = e;
                }
            }
        }
        // Saturation is not an effect of another entity's trouble, even while an incident opens: a CPU or memory alert
        // joins as the same entity, as a cause, or beside the same saturation on another part of its whole.
        if (resource && hops >= 0 && !asCause && via != relateAs) {
            const bool saturationHere = std::any_of(incident.alerts.begin(), incident.alerts.end(), [&](std::int64_t id) {
                const Alert *a = this->alert(id);
                return a && ownFailureSignal(*a) && m_dependencies && m_dependencies(relateAs, a->entity) == 0;
            });
            if (!(hops == 0 && saturationHere))
                continue;
        }
        const double time = 1.0 - std::clamp(double(t - incident.lastActivity) / double(m_options.groupWindow), 0.0, 1.0);
        const double topo = hops < 0 ? 0.0 : 1.0 - double(hops) / double(m_options.maxHops + 1);
        // Label similarity with the incident's first alert (Jaccard over name=value pairs, alertname excluded).
        const Alert *firstPtr = this->alert(incident.alerts.front());
        if (!firstPtr)
            continue;
        const Alert &first = *firstPtr;
        std::size_t shared = 0, total = 0;
        for (const Label &l : alert.labels) {
            if (l.name == "alertname")
                continue;
            ++total;
            const std::string v = labelValue(first.labels, l.name);
            shared += !v.empty() && v == l.value;
        }
        for (const Label &l : first.labels)
            total += l.name != "alertname" && labelValue(alert.labels, l.name).empty();
        const double labels = total ? double(shared) / double(total) : 0.0;
        // Time alone never groups: unrelated entities firing together are separate incidents. With a topology, labels
        // alone do not either (every alert of an estate shares its cluster and namespace labels).
        const bool topologyKnown = !alert.entity.empty() && (m_dependencies || m_distance);
        if (topo == 0 && learnt <= 0 && (topologyKnown || labels < 0.5))
            continue;
        if (learnt < 0 && topo + learnt <= 0)
            continue; // operators split these entities before
        // Between incidents that explain an alert equally, the younger one: a newly firing alert is the newer fault's doing.
        const double youth = 0.1 * (1.0 - std::clamp(double(t - incident.start) / double(m_options.maxAge), 0.0, 1.0));
        const double score = 0.3 * time + 0.5 * topo + 0.2 * labels + learnt + youth;
        if (asCause && hops > 0)
            causeOf.push_back(&incident);
        if (score > bestScore) {
            bestScore = score;
            best = &incident;
            char buffer[64];
            std::snprintf(buffer, sizeof buffer, "score %.2f", score);
            bestWhy = std::string(buffer) + ": "
                    + (hops == 0 && via == relateAs ? "same entity " + via
                       : hops >= 0 ? (asCause ? via + " depends on it (" + std::to_string(hops) + " hop(s))"
                                             : "depends on " + via + " (" + std::to_string(hops) + " hop(s))")
                                  : "no topology link")
                    + ", " + fmtDuration(t - incident.lastActivity) + " after its last alert, labels " + std::to_string(int(labels * 100 + 0.5))
                    + "% alike" + (learnt != 0 ? (learnt > 0 ? ", operators grouped these entities before" : ", operators split these entities before") : "");
        }
    }
    if (best && bestScore >= m_options.joinThreshold) {
        attach(alert, *best, "joined incident " + std::to_string(best->id) + " (" + bestWhy + ")");
        // A dependency shared by incidents that opened together is their common cause: they are one incident.
        for (Incident *other : causeOf) {
            if (other == best || !other->open() || std::abs(other->start - best->start) > m_options.openingBurst)
                continue;
            const std::int64_t from = other->id;
            for (std::int64_t id : std::vector<std::int64_t>(other->alerts))
                if (this->alert(id))
                    attach(alertRef(id), *best, "merged from incident " + std::to_string(from) + ": " + alert.entity + " is a dependency of both");
            best->start = std::min(best->start, other->start);
            other->alerts.clear();
            other->entities.clear();
            other->end = t;
            ++m_closures;
            other->explanations.push_back("merged into incident " + std::to_string(best->id) + ": " + alert.entity + " is a dependency of both");
        }
        return true;
    }
    if (!mayOpen)
        return false;
    // Low and info alerts join related incidents but never open one on their own: a lone blip is not an incident.
    if (severityRank(alert.severity) < severityRank(m_options.minSeverityToOpen)) {
        alert.history.push_back({alert.startsAt, alert.state, alert.state, "system",
                                 std::string("not grouped: ") + alertSeverityName(alert.severity) + " alerts do not open incidents"
                                     + (best ? " (best candidate incident " + std::to_string(best->id) + " only " + bestWhy + ")" : "")});
        return false;
    }
    Incident incident;
    incident.id = std::int64_t(m_incidents.size()) + 1;
    incident.start = incident.lastActivity = t;
    m_incidents.push_back(std::move(incident));
    attach(alert, m_incidents.back(),
           best ? "opened a new incident (best candidate incident " + std::to_string(best->id) + " only " + bestWhy + ")"
                : "opened a new incident (no related open incident within " + fmtDuration(m_options.groupWindow) + ")");
    return true;
}

void AlertBook::advance(Timestamp now)
{
    const Timestamp before = m_now;
    m_now = std::max(m_now, now);
    // A silence boundary crossed since the last call: re-evaluate the active alerts.
    const bool boundary = std::any_of(m_silences.begin(), m_silences.end(), [&](const Silence &s) {
        return (s.startsAt > before && s.startsAt <= now) || (s.endsAt > before && s.endsAt <= now);
    });
    if (boundary) {
        for (Alert &a : m_alerts) {
            if (a.active())
                reevaluate(a, now);
        }
    }
    for (Incident &incident : m_incidents) {
        if (!incident.open())
            continue;
        // The hold-down runs from the last alert's resolution (or the last new alert / re-open, whichever is later),
        // so a flapping alert does not close and re-open its incident every few minutes.
        Timestamp quietSince = std::max(incident.lastActivity, incident.lastReopened);
        const bool allResolved = std::all_of(incident.alerts.begin(), incident.alerts.end(), [&](std::int64_t id) {
            const Alert *a = alert(id);
            if (a)
                quietSince = std::max(quietSince, a->endsAt);
            return !a || !a->active();
        });
        if (allResolved && now - quietSince >= m_options.resolveHoldDown) {
            incident.end = now;
            ++m_closures;
            incident.resolvedBy.clear();
            incident.history.push_back({now, IncidentAction::AutoResolved, "system",
                                        "all " + std::to_string(incident.alerts.size()) + " alert(s) resolved, none fired again for "
                                            + fmtDuration(now - quietSince)});
        }
    }
    prune(now);
}

void AlertBook::prune(Timestamp now)
{
    // Oldest first: a resolved alert whose incident is closed (or that has none) leaves memory after the retention;
    // an older alert still firing keeps everything after it in memory too (ids are positions).
    while (!m_alerts.empty()) {
        const Alert &a = m_alerts.front();
        const Incident *incident = a.incidentId ? this->incident(a.incidentId) : nullptr;
        if (a.active() || now - a.endsAt < m_options.memoryRetention || (incident && incident->open()))
            break;
        if (auto it = m_byFingerprint.find(a.fingerprint); it != m_byFingerprint.end() && it->second == a.id)
            m_byFingerprint.erase(it);
        m_alerts.pop_front();
        ++m_firstAlertId;
    }
    // Closed incidents keep only a shell in memory after the retention (ids stay stable).
    for (Incident &incident : m_incidents) {
        if (incident.archived || incident.open() || now - incident.end < m_options.memoryRetention)
            continue;
        incident.archived = true;
        std::vector<std::int64_t>().swap(incident.alerts);
        std::vector<std::string>().swap(incident.explanations);
        incident.entities.clear();
    }
}

Status AlertBook::acknowledge(std::int64_t id, const std::string &who, const std::string &comment, Timestamp now)
{
    if (!alert(id))
        return makeError(ErrorCode::NotFound, "no alert " + std::to_string(id));
    if (who.empty())
        return makeError(ErrorCode::InvalidArgument, "acknowledging needs a person");
    Alert &a = alertRef(id);
    if (!a.active())
        return makeError(ErrorCode::InvalidArgument, "alert " + std::to_string(id) + " is resolved");
    setState(a, AlertState::Acknowledged, who, comment, now);
    if (a.incidentId) {
        // Someone is on one of its alerts: the incident is acknowledged too (its SLA clock stops).
        Incident &incident = incidentRef(a.incidentId);
        if (incident.open() && !incident.acknowledged) {
            incident.acknowledged = true;
            incident.acknowledgedBy = who;
            incident.acknowledgedAt = now;
            incident.history.push_back({now, IncidentAction::Acknowledged, who, "through alert " + std::to_string(id)});
        }
    }
    return {};
}

Status AlertBook::resolve(std::int64_t id, const std::string &who, const std::string &comment, Timestamp now)
{
    if (!alert(id))
        return makeError(ErrorCode::NotFound, "no alert " + std::to_string(id));
    if (who.empty())
        return makeError(ErrorCode::InvalidArgument, "resolving needs a person");
    Alert &a = alertRef(id);
    a.endsAt = now;
    setState(a, AlertState::Resolved, who, comment, now);
    return {};
}

Status AlertBook::addNote(std::int64_t id, const std::string &who, const std::string &comment, Timestamp now)
{
    if (!alert(id))
        return makeError(ErrorCode::NotFound, "no alert " + std::to_string(id));
    Alert &a = alertRef(id);
    a.history.push_back({now, a.state, a.state, who, "note: " + comment});
    return {};
}

Result<std::int64_t> AlertBook::addSilence(const std::string &matchers, Timestamp startsAt, Timestamp endsAt, const std::string &createdBy,
                                           const std::string &comment, const std::string &ticket, bool maintenance)
{
    auto parsed = parseSelector(matchers);
    if (!parsed)
        return tl::unexpected(parsed.error());
    if (parsed->empty())
        return makeError(ErrorCode::InvalidArgument, "a silence needs at least one matcher");
    if (endsAt <= startsAt)
        return makeError(ErrorCode::InvalidArgument, "a silence must end after it starts");
    if (createdBy.empty() || comment.empty())
        return makeError(ErrorCode::InvalidArgument, "a silence needs its creator and a comment");
    Silence s;
    s.id = std::int64_t(m_silences.size()) + 1;
    s.matchers = std::move(*parsed);
    s.matchersText = matchers;
    s.startsAt = startsAt;
    s.endsAt = endsAt;
    s.createdBy = createdBy;
    s.comment = comment;
    s.ticket = ticket;
    s.maintenance = maintenance;
    m_silences.push_back(std::move(s));
    if (m_silences.back().activeAt(m_now)) {
        for (Alert &a : m_alerts) {
            if (a.active())
                reevaluate(a, m_now);
        }
    }
    return m_silences.back().id;
}

Status AlertBook::expireSilence(std::int64_t silenceId, const std::string &who, Timestamp now)
{
    if (silenceId < 1 || silenceId > std::int64_t(m_silences.size()))
        return makeError(ErrorCode::NotFound, "no silence " + std::to_string(silenceId));
    Silence &s = m_silences[std::size_t(silenceId - 1)];
    s.endsAt = std::min(s.endsAt, now);
    s.comment += " (expired by " + who + ")";
    for (Alert &a : m_alerts) {
        if (a.active())
            reevaluate(a, now);
    }
    return {};
}

Result<std::vector<std::int64_t>> AlertBook::previewSilence(const std::string &matchers) const
{
    auto parsed = parseSelector(matchers);
    if (!parsed)
        return tl::unexpected(parsed.error());
    std::vector<std::int64_t> ids;
    for (const Alert &a : m_alerts) {
        if (a.active() && matchesAll(*parsed, a))
            ids.push_back(a.id);
    }
    return ids;
}

Status AlertBook::confirmCause(std::int64_t id, const std::string &cause, const std::string &who, const std::string &note)
{
    if (!incident(id))
        return makeError(ErrorCode::NotFound, "no incident " + std::to_string(id));
    if (cause.empty() || who.empty() || note.empty())
        return makeError(ErrorCode::InvalidArgument, "confirming a cause needs the cause, the person and a note");
    incidentRef(id).explanations.push_back("cause confirmed as " + cause + " by " + who + ": " + note);
    return {};
}

Status AlertBook::mergeIncidents(std::int64_t into, std::int64_t from, const std::string &who, Timestamp now)
{
    if (!incident(into) || !incident(from) || into == from)
        return makeError(ErrorCode::InvalidArgument, "merge needs two different incidents");
    Incident &target = incidentRef(into);
    Incident &source = incidentRef(from);
    for (std::int64_t id : source.alerts) {
        Alert &a = alertRef(id);
        learn(target, a, +0.3);
        attach(a, target, "merged from incident " + std::to_string(from) + " by " + who);
    }
    target.start = std::min(target.start, source.start);
    source.alerts.clear();
    source.end = now;
    ++m_closures;
    source.explanations.push_back("merged into incident " + std::to_string(into) + " by " + who);
    return {};
}

Result<std::int64_t> AlertBook::splitIncident(std::int64_t id, const std::vector<std::int64_t> &alerts, const std::string &who, Timestamp now)
{
    if (!incident(id) || alerts.empty())
        return makeError(ErrorCode::InvalidArgument, "split needs an incident and alerts");
    for (std::int64_t a : alerts) {
        if (!alert(a) || alert(a)->incidentId != id)
            return makeError(ErrorCode::InvalidArgument, "alert " + std::to_string(a) + " is not in incident " + std::to_string(id));
    }
    Incident fresh;
    fresh.id = std::int64_t(m_incidents.size()) + 1;
    fresh.start = fresh.lastActivity = now;
    m_incidents.push_back(std::move(fresh));
    const std::int64_t newId = m_incidents.back().id;
    Incident &old = incidentRef(id);
    std::erase_if(old.alerts, [&](std::int64_t a) { return std::find(alerts.begin(), alerts.end(), a) != alerts.end(); });
    old.entities.clear();
    for (std::int64_t a : old.alerts) {
        if (alert(a) && !alert(a)->entity.empty())
            old.entities.insert(alert(a)->entity);
    }
    for (std::int64_t a : alerts) {
        Alert &moved = alertRef(a);
        learn(old, moved, -0.3);
        attach(moved, incidentRef(newId), "split from incident " + std::to_string(id) + " by " + who);
    }
    incidentRef(newId).start = alert(alerts.front())->startsAt;
    return newId;
}

Status AlertBook::moveAlert(std::int64_t id, std::int64_t toIncident, const std::string &who, Timestamp now)
{
    (void)now;
    if (!alert(id) || !incident(toIncident))
        return makeError(ErrorCode::InvalidArgument, "move needs an alert and an incident");
    Alert &a = alertRef(id);
    if (a.incidentId == toIncident)
        return {};
    if (a.incidentId) {
        Incident &old = incidentRef(a.incidentId);
        std::erase(old.alerts, id);
        learn(old, a, -0.3);
    }
    learn(incidentRef(toIncident), a, +0.3);
    attach(a, incidentRef(toIncident), "moved here by " + who);
    return {};
}

const char *incidentActionName(IncidentAction action)
{
    switch (action) {
    case IncidentAction::Acknowledged: return "acknowledged";
    case IncidentAction::OwnerSet: return "owner set";
    case IncidentAction::Resolved: return "resolved";
    case IncidentAction::Reopened: return "re-opened";
    case IncidentAction::AutoResolved: return "auto-resolved";
    }
    return "?";
}

const char *incidentStatusName(IncidentStatus status)
{
    switch (status) {
    case IncidentStatus::Open: return "open";
    case IncidentStatus::Acknowledged: return "acknowledged";
    case IncidentStatus::Resolved: return "resolved";
    case IncidentStatus::Reopened: return "re-opened";
    }
    return "?";
}

bool AlertBook::tryReopen(Alert &alert)
{
    if (alert.incidentId != 0)
        return false;
    // When it (last) started firing: its arrival, or the end of the silence or inhibition that held it back.
    const Timestamp t = alert.history.empty() ? alert.startsAt : alert.history.back().ts;
    Incident *best = nullptr;
    Timestamp bestEnd = 0;
    for (Incident &incident : m_incidents) {
        if (incident.archived || incident.alerts.empty())
            continue;
        bool sameTrouble = false, anyActive = false;
        for (std::int64_t id : incident.alerts) {
            const Alert *a = this->alert(id);
            if (!a || a->id == alert.id)
                continue;
            sameTrouble = sameTrouble || a->fingerprint == alert.fingerprint;
            anyActive = anyActive || a->active();
        }
        // An open incident with alerts still active is for group() to judge; one waiting out its hold-down takes
        // its own alert back, and it is preferred over any closed incident.
        if (!sameTrouble || (incident.open() && anyActive))
            continue;
        if (!incident.open() && t - incident.end > m_options.reopenWindow)
            continue;
        const Timestamp end = incident.open() ? INT64_MAX : incident.end;
        if (!best || end > bestEnd) {
            best = &incident;
            bestEnd = end;
        }
    }
    if (!best)
        return false;
    Incident &incident = *best;
    const std::string what = "alert " + std::to_string(alert.id) + " (" + alert.name + (alert.entity.empty() ? "" : " on " + alert.entity) + ")";
    if (incident.open()) {
        attach(alert, incident, "the same alert fired again during the incident's " + fmtDuration(m_options.resolveHoldDown) + " hold-down");
        return true;
    }
    const std::string after = fmtDuration(std::max<Duration>(0, t - incident.end));
    incident.end = 0;
    ++incident.reopenCount;
    incident.lastReopened = t;
    // The trouble is back: whoever acknowledged it before has to take it again, and its SLA clock restarts.
    incident.acknowledged = false;
    incident.acknowledgedBy.clear();
    incident.acknowledgedAt = 0;
    incident.resolvedBy.clear();
    incident.slaDeadline = t + slaFor(incident.severity);
    incident.history.push_back({t, IncidentAction::Reopened, "system", what + " fired again " + after + " after the incident resolved"});
    attach(alert, incident, "re-opened the incident: the same alert fired again " + after + " after it resolved");
    return true;
}

Status AlertBook::checkIncidentAction(std::int64_t id, const std::string &who, const char *what, bool allowClosed) const
{
    const Incident *incident = this->incident(id);
    if (!incident)
        return makeError(ErrorCode::NotFound, "no incident " + std::to_string(id));
    if (who.empty())
        return makeError(ErrorCode::InvalidArgument, std::string(what) + " an incident needs a person");
    if (incident->archived)
        return makeError(ErrorCode::InvalidArgument, "incident " + std::to_string(id) + " closed long ago and is archived");
    if (!allowClosed && !incident->open())
        return makeError(ErrorCode::InvalidArgument,
                         "incident " + std::to_string(id) + " is already resolved"
                             + (incident->resolvedBy.empty() ? std::string(" (it resolved itself)") : " (by " + incident->resolvedBy + ")")
                             + "; it re-opens if the same alerts fire again");
    return {};
}

Status AlertBook::acknowledgeIncident(std::int64_t id, const std::string &who, const std::string &comment, Timestamp now)
{
    if (auto s = checkIncidentAction(id, who, "acknowledging", false); !s)
        return s;
    Incident &incident = incidentRef(id);
    std::vector<std::int64_t> firing;
    for (std::int64_t alertId : incident.alerts) {
        if (const Alert *a = alert(alertId); a && a->state == AlertState::Firing)
            firing.push_back(alertId);
    }
    if (incident.acknowledged && firing.empty())
        return makeError(ErrorCode::InvalidArgument, "incident " + std::to_string(id) + " is already acknowledged by " + incident.acknowledgedBy);
    // Silenced and inhibited alerts stay muted; acknowledging is about the ones that page.
    const std::string note = "incident " + std::to_string(id) + " acknowledged" + (comment.empty() ? "" : ": " + comment);
    for (std::int64_t alertId : firing)
        setState(alertRef(alertId), AlertState::Acknowledged, who, note, now);
    incident.acknowledged = true;
    incident.acknowledgedBy = who;
    incident.acknowledgedAt = now;
    incident.history.push_back({now, IncidentAction::Acknowledged, who,
                                comment.empty() ? std::to_string(firing.size()) + " firing alert(s) acknowledged" : comment});
    return {};
}

Status AlertBook::assignIncident(std::int64_t id, const std::string &owner, const std::string &who, Timestamp now)
{
    // A resolved incident may still get an owner (the follow-up, the post-mortem).
    if (auto s = checkIncidentAction(id, who, "assigning", true); !s)
        return s;
    Incident &incident = incidentRef(id);
    if (incident.owner == owner)
        return {};
    incident.owner = owner;
    incident.history.push_back({now, IncidentAction::OwnerSet, who, owner});
    return {};
}

Status AlertBook::resolveIncident(std::int64_t id, const std::string &who, const std::string &comment, Timestamp now)
{
    if (auto s = checkIncidentAction(id, who, "resolving", false); !s)
        return s;
    Incident &incident = incidentRef(id);
    const std::string note = "incident " + std::to_string(id) + " resolved" + (comment.empty() ? "" : ": " + comment);
    for (std::int64_t alertId : incident.alerts) {
        const Alert *a = alert(alertId);
        if (!a || !a->active())
            continue;
        Alert &active = alertRef(alertId);
        active.endsAt = now;
        setState(active, AlertState::Resolved, who, note, now);
    }
    incident.end = now;
    ++m_closures;
    incident.resolvedBy = who;
    incident.history.push_back({now, IncidentAction::Resolved, who, comment});
    return {};
}

} // namespace Nocturne::Engine
