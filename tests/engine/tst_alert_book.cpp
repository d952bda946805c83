// AlertBook: de-duplication, silences (preview, expiry), inhibition, grouping with explanations, operator
// corrections that are learnt, SLA clocks.
#include <QTest>

#include "alerts/alert_book.h"
#include "alerts/topology_distance.h"

using namespace Nocturne::Engine;

namespace {
constexpr Timestamp T0 = 1'700'000'000 * kSecond;

AlertInput fire(const std::string &name, const std::string &entity, Timestamp ts, AlertSeverity severity = AlertSeverity::High,
                Labels extra = {})
{
    AlertInput in;
    in.source = "test";
    in.name = name;
    in.entity = entity;
    in.labels = {{"service", entity}};
    in.labels.insert(in.labels.end(), extra.begin(), extra.end());
    in.severity = severity;
    in.ts = ts;
    return in;
}

AlertInput resolved(AlertInput in, Timestamp ts)
{
    in.resolved = true;
    in.ts = ts;
    return in;
}

// a → b → c (calls), d alone; pods of b.
Estate estate()
{
    Estate e;
    for (const char *id : {"a", "b", "c", "d"})
        e.add(Entity{id, EntityKind::Service, {}, {}, {}, {}});
    e.add(Entity{"b-0", EntityKind::Pod, "b", {}, {}, {}});
    e.edges = {{"a", "b", EdgeKind::Calls, 1}, {"b", "c", EdgeKind::Calls, 1}};
    e.rebuildIndex();
    return e;
}
} // namespace

class TestAlertBook : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void fingerprintDeduplicates()
    {
        AlertBook book;
        const auto id = book.ingest(fire("HighLatency", "a", T0));
        QCOMPARE(book.ingest(fire("HighLatency", "a", T0 + kMinute)), id);
        QCOMPARE(book.alerts().size(), std::size_t(1));
        QCOMPARE(book.alert(id)->occurrences, 2u);
        QCOMPARE(alertFingerprint("X", {{"a", "1"}, {"b", "2"}}), alertFingerprint("X", {{"a", "1"}, {"b", "2"}}));
        QVERIFY(alertFingerprint("X", {{"a", "1"}}) != alertFingerprint("Y", {{"a", "1"}}));
        book.ingest(resolved(fire("HighLatency", "a", T0), T0 + 2 * kMinute));
        QCOMPARE(book.alert(id)->state, AlertState::Resolved);
        QCOMPARE(book.alert(id)->endsAt, T0 + 2 * kMinute);
        // Firing again after resolution is a new alert with its own history.
        const auto again = book.ingest(fire("HighLatency", "a", T0 + 10 * kMinute));
        QVERIFY(again != id);
    }

    void silencesPreviewAndExpire()
    {
        AlertBook book;
        const auto cart = book.ingest(fire("HighLatency", "cart", T0));
        const auto pay = book.ingest(fire("HighErrors", "payment", T0));
        auto preview = book.previewSilence(R"({service=~"ca.*"})");
        QVERIFY(preview.has_value());
        QCOMPARE(*preview, std::vector<std::int64_t>{cart});
        QVERIFY(!book.addSilence("{service=~\"ca.*\"}", T0, T0 + kHour, "", "no creator").has_value());
        QVERIFY(!book.addSilence("{service=", T0, T0 + kHour, "ann", "bad syntax").has_value());
        auto silence = book.addSilence(R"({service=~"ca.*",alertname="HighLatency"})", T0, T0 + kHour, "ann", "deploying cart", "CHG-12");
        QVERIFY(silence.has_value());
        QCOMPARE(book.alert(cart)->state, AlertState::Silenced);
        QCOMPARE(book.alert(pay)->state, AlertState::Firing);
        QVERIFY(book.alert(cart)->history.back().comment.find("silence 1 by ann") != std::string::npos);
        // New matching alerts are silenced on arrival and open no incident.
        const auto cart2 = book.ingest(fire("HighLatency", "cart", T0 + kMinute, AlertSeverity::High, {{"pod", "cart-1"}}));
        QCOMPARE(book.alert(cart2)->state, AlertState::Silenced);
        QCOMPARE(book.alert(cart2)->incidentId, std::int64_t(0));
        // At its end the silence lets the alerts fire again (and group).
        book.advance(T0 + kHour + kSecond);
        QCOMPARE(book.alert(cart)->state, AlertState::Firing);
        QVERIFY(book.alert(cart2)->incidentId != 0);
        QVERIFY(book.expireSilence(*silence, "bob", T0 + kHour).has_value());
    }

    void inhibition()
    {
        AlertBook book;
        InhibitRule rule;
        rule.source = *parseSelector(R"({alertname="NodeDown"})");
        rule.target = *parseSelector(R"({severity!="critical"})");
        rule.equal = {"node"};
        book.addInhibitRule(rule);
        const auto podAlert = book.ingest(fire("PodNotReady", "b-0", T0, AlertSeverity::High, {{"node", "n1"}}));
        const auto otherNode = book.ingest(fire("PodNotReady", "c", T0, AlertSeverity::High, {{"node", "n2"}}));
        QCOMPARE(book.alert(podAlert)->state, AlertState::Firing);
        book.ingest(fire("NodeDown", "n1", T0 + kSecond, AlertSeverity::Critical, {{"node", "n1"}, {"severity", "critical"}}));
        QCOMPARE(book.alert(podAlert)->state, AlertState::Inhibited);
        QCOMPARE(book.alert(otherNode)->state, AlertState::Firing);
        QVERIFY(book.alert(podAlert)->history.back().comment.find("NodeDown") != std::string::npos);
    }

    void groupsByTopologyAndExplains()
    {
        const Estate e = estate();
        TopologyDistance topology(e);
        QCOMPARE(topology("a", "c"), 2);
        QCOMPARE(topology("b-0", "a"), 1); // a pod and its service share their fate: the step between them costs nothing
        QCOMPARE(topology("a", "d"), -1);
        QCOMPARE(topology.dependencyHops("a", "c"), 2);
        QCOMPARE(topology.dependencyHops("c", "a"), -1);
        AlertBook book;
        book.setTopology([&](const std::string &x, const std::string &y) { return topology(x, y); });
        book.setDependencies([&](const std::string &x, const std::string &y) { return topology.dependencyHops(x, y); });
        const auto c = book.ingest(fire("DbSlow", "c", T0, AlertSeverity::Critical));
        const auto b = book.ingest(fire("HighLatency", "b", T0 + 20 * kSecond));
        const auto a = book.ingest(fire("HighLatency", "a", T0 + 40 * kSecond));
        const auto d = book.ingest(fire("HighLatency", "d", T0 + 50 * kSecond));
        QCOMPARE(book.alert(b)->incidentId, book.alert(c)->incidentId);
        QCOMPARE(book.alert(a)->incidentId, book.alert(c)->incidentId);
        QVERIFY(book.alert(d)->incidentId != book.alert(c)->incidentId); // unrelated entity, same time
        const Incident *incident = book.incident(book.alert(c)->incidentId);
        QCOMPARE(incident->alerts.size(), std::size_t(3));
        QCOMPARE(incident->severity, AlertSeverity::Critical);
        QCOMPARE(incident->slaDeadline, T0 + 15 * kMinute);
        QVERIFY2(incident->explanations[1].find("depends on c (1 hop(s))") != std::string::npos, incident->explanations[1].c_str());
        // A new failing dependency after the opening burst is a new incident, even next to a running one.
        const auto c2 = book.ingest(fire("DiskFull", "c", T0 + 4 * kMinute, AlertSeverity::High));
        QCOMPARE(book.alert(c2)->incidentId, book.alert(c)->incidentId); // same entity: joins
        const auto lowNoise = book.ingest(fire("Blip", "d", T0 + 3 * kHour, AlertSeverity::Low));
        QCOMPARE(book.alert(lowNoise)->incidentId, std::int64_t(0)); // low alerts never open incidents
    }

    void concurrentFaultsInSeparatePartsStayApart()
    {
        // gateway → web → search, gateway → auth → user-db: two faults at once meet only at the entry point.
        Estate e;
        for (const char *id : {"gateway", "web", "search", "auth", "user-db"})
            e.add(Entity{id, EntityKind::Service, {}, {}, {}, {}});
        e.edges = {{"gateway", "web", EdgeKind::Calls, 1}, {"web", "search", EdgeKind::Calls, 1},
                   {"gateway", "auth", EdgeKind::Calls, 1}, {"auth", "user-db", EdgeKind::Calls, 1}};
        e.rebuildIndex();
        TopologyDistance topology(e);
        AlertBook book;
        book.setTopology([&](const std::string &x, const std::string &y) { return topology(x, y); });
        book.setDependencies([&](const std::string &x, const std::string &y) { return topology.dependencyHops(x, y); });
        const auto search = book.ingest(fire("Errors", "search", T0, AlertSeverity::Critical));
        const auto db = book.ingest(fire("Slow", "user-db", T0 + 10 * kSecond, AlertSeverity::Critical));
        const auto web = book.ingest(fire("Errors", "web", T0 + 20 * kSecond));
        const auto auth = book.ingest(fire("Latency", "auth", T0 + 30 * kSecond));
        QVERIFY(book.alert(search)->incidentId != book.alert(db)->incidentId); // siblings under one caller: apart
        QCOMPARE(book.alert(web)->incidentId, book.alert(search)->incidentId);  // an effect of search
        QCOMPARE(book.alert(auth)->incidentId, book.alert(db)->incidentId);     // an effect of user-db
        // A call edge's alert (shown on its caller) is related through its callee.
        AlertInput edge = fire("ClientLatency", "gateway", T0 + 40 * kSecond);
        edge.labels.push_back({"entity", "gateway->auth"});
        QCOMPARE(book.alert(book.ingest(edge))->incidentId, book.alert(db)->incidentId);
    }

    void recoveringIncidentDoesNotAbsorbTheNextFault()
    {
        const Estate e = estate();
        TopologyDistance topology(e);
        AlertBook book;
        book.setDependencies([&](const std::string &x, const std::string &y) { return topology.dependencyHops(x, y); });
        const auto c = book.ingest(fire("DbSlow", "c", T0, AlertSeverity::Critical));
        const auto a = book.ingest(fire("HighLatency", "a", T0 + 30 * kSecond));
        QCOMPARE(book.alert(a)->incidentId, book.alert(c)->incidentId);
        book.ingest(resolved(fire("DbSlow", "c", T0), T0 + 3 * kMinute)); // the origin recovers; a still fires
        // Four minutes later a new alert on b (which depends on c): new trouble, not the recovering incident's.
        const auto b = book.ingest(fire("Errors", "b", T0 + 7 * kMinute, AlertSeverity::Critical));
        QVERIFY(book.alert(b)->incidentId != book.alert(c)->incidentId);
        // Saturation does not travel up the call graph: CPU on b's pod after b's opening burst is its own incident.
        const auto cpu = book.ingest(fire("PodCpuSaturated", "b-0", T0 + 10 * kMinute, AlertSeverity::Critical, {{"metric", "container_cpu_usage_ratio"}}));
        QVERIFY(book.alert(cpu)->incidentId != book.alert(b)->incidentId);
    }

    void definedOnHostileTopologies()
    {
        // Cycles, self-calls, unknown entities, a one-node estate: distances are defined and grouping terminates.
        Estate e;
        for (const char *id : {"x", "y", "z"})
            e.add(Entity{id, EntityKind::Service, {}, {}, {}, {}});
        e.edges = {{"x", "y", EdgeKind::Calls, 1}, {"y", "x", EdgeKind::Calls, 1}, {"z", "z", EdgeKind::Calls, 1}, {"x", "ghost", EdgeKind::Calls, 1}};
        e.rebuildIndex();
        TopologyDistance topology(e);
        QCOMPARE(topology.dependencyHops("x", "y"), 1);
        QCOMPARE(topology.dependencyHops("y", "x"), 1);
        QCOMPARE(topology.dependencyHops("z", "z"), 0);
        QCOMPARE(topology.dependencyHops("x", "ghost"), -1);
        QCOMPARE(topology("unknown", "x"), -1);
        AlertBook book;
        book.setDependencies([&](const std::string &a, const std::string &b) { return topology.dependencyHops(a, b); });
        const auto one = book.ingest(fire("A", "x", T0, AlertSeverity::Critical));
        const auto two = book.ingest(fire("B", "y", T0 + kSecond, AlertSeverity::Critical));
        const auto stranger = book.ingest(fire("C", "nobody-knows", T0 + 2 * kSecond, AlertSeverity::Critical));
        QCOMPARE(book.alert(two)->incidentId, book.alert(one)->incidentId);
        QVERIFY(book.alert(stranger)->incidentId != book.alert(one)->incidentId);
        QCOMPARE(book.incident(book.alert(stranger)->incidentId)->alerts.size(), std::size_t(1)); // an incident of one alert
        Estate single;
        single.add(Entity{"only", EntityKind::Host, {}, {}, {}, {}});
        single.rebuildIndex();
        TopologyDistance lone(single);
        QCOMPARE(lone.dependencyHops("only", "only"), 0);
        QCOMPARE(lone("only", "else"), -1);
    }

    void liveGraphOfAHundredThousandNodes()
    {
        // A chain of services with a pod each, from the live graph's nodes and edges: built, queried, cache bounded.
        std::vector<TopologyNode> nodes;
        std::vector<TopologyEdge> edges;
        constexpr int n = 50'000;
        for (int i = 0; i < n; ++i) {
            nodes.push_back({"s" + std::to_string(i), TopologyNodeKind::Service, {}, "yaml", 0, 0});
            nodes.push_back({"s" + std::to_string(i) + "-0", TopologyNodeKind::Instance, "s" + std::to_string(i), "yaml", 0, 0});
            if (i > 0) {
                TopologyEdge call;
                call.from = "s" + std::to_string(i - 1);
                call.to = "s" + std::to_string(i);
                edges.push_back(call);
            }
        }
        TopologyEdge member;
        member.from = "s0";
        member.to = "job";
        member.kind = TopologyEdgeKind::MemberOf;
        edges.push_back(member);
        TopologyDistance topology(nodes, edges);
        QCOMPARE(topology.size(), std::size_t(2 * n));
        QCOMPARE(topology.dependencyHops("s10", "s12"), 2);
        QCOMPARE(topology.dependencyHops("s10-0", "s12-0"), 2); // pods cost nothing against their service
        QCOMPARE(topology.dependencyHops("s12", "s10"), -1);     // calls point one way
        QCOMPARE(topology.dependencyHops("s10", "s99"), -1);     // beyond the hop limit
        for (int i = 0; i < 2000; ++i) // more sources than the cache keeps
            QVERIFY(topology.dependencyHops("s" + std::to_string(i), "s" + std::to_string(i + 1)) == 1);
    }

    void correctionsAreStoredAndLearnt()
    {
        AlertBook book; // no topology: only corrections relate d and a
        const auto a = book.ingest(fire("X", "a", T0));
        const auto d = book.ingest(fire("Y", "d", T0 + kSecond));
        QVERIFY(book.alert(a)->incidentId != book.alert(d)->incidentId);
        QVERIFY(book.mergeIncidents(book.alert(a)->incidentId, book.alert(d)->incidentId, "ann", T0 + kMinute).has_value());
        QCOMPARE(book.alert(d)->incidentId, book.alert(a)->incidentId);
        QVERIFY(book.affinity("a", "d") > 0);
        // Next time a and d fire together they are grouped, and the explanation says why.
        const auto a2 = book.ingest(fire("X2", "a", T0 + 2 * kHour));
        const auto d2 = book.ingest(fire("Y2", "d", T0 + 2 * kHour + kSecond));
        QCOMPARE(book.alert(d2)->incidentId, book.alert(a2)->incidentId);
        QVERIFY(book.incident(book.alert(a2)->incidentId)->explanations.back().find("operators grouped these entities before")
                != std::string::npos);
        auto split = book.splitIncident(book.alert(a2)->incidentId, {d2}, "bob", T0 + 2 * kHour + kMinute);
        QVERIFY(split.has_value());
        QCOMPARE(book.alert(d2)->incidentId, *split);
        QVERIFY(book.moveAlert(d2, book.alert(a2)->incidentId, "bob", T0 + 2 * kHour + 2 * kMinute).has_value());
        QVERIFY(!book.splitIncident(book.alert(a2)->incidentId, {999}, "bob", T0).has_value());
    }

    // A wall runs for weeks: resolved alerts of closed incidents leave memory after the retention, ids stay stable.
    void memoryIsBounded()
    {
        AlertBook::Options options;
        options.memoryRetention = kHour;
        AlertBook book(options);
        for (int i = 0; i < 500; ++i) {
            const Timestamp t = T0 + i * 10 * kMinute;
            const auto id = book.ingest(fire("Blip" + std::to_string(i % 7), "e" + std::to_string(i % 13), t));
            book.ingest(resolved(fire("Blip" + std::to_string(i % 7), "e" + std::to_string(i % 13), t), t + kMinute));
            book.advance(t + 2 * kMinute);
            QCOMPARE(book.alert(id)->id, id);
        }
        QCOMPARE(book.totalAlerts(), std::int64_t(500));
        QVERIFY2(book.alerts().size() < 20, qPrintable(QString::number(book.alerts().size())));
        QVERIFY(!book.alert(1)); // left memory
        QVERIFY(!book.acknowledge(1, "ann", "gone", T0).has_value());
        const auto next = book.ingest(fire("New", "x", T0 + 100 * kHour));
        QCOMPARE(next, std::int64_t(501));
    }

    void lifecycleNeedsAPerson()
    {
        AlertBook book;
        const auto id = book.ingest(fire("X", "a", T0));
        QVERIFY(!book.acknowledge(id, "", "no one", T0).has_value());
        QVERIFY(book.acknowledge(id, "ann", "looking", T0 + kMinute).has_value());
        QCOMPARE(book.alert(id)->state, AlertState::Acknowledged);
        QVERIFY(book.incident(book.alert(id)->incidentId)->acknowledged);
        QVERIFY(book.addNote(id, "ann", "redis failover started", T0 + 2 * kMinute).has_value());
        QVERIFY(book.resolve(id, "ann", "fixed by failover", T0 + 3 * kMinute).has_value());
        const auto &h = book.alert(id)->history;
        QCOMPARE(h.back().who, std::string("ann"));
        QCOMPARE(h.back().to, AlertState::Resolved);
        QCOMPARE(h.size(), std::size_t(4)); // fired, acknowledged, note, resolved
        book.advance(T0 + 3 * kMinute + 31 * kMinute);
        QVERIFY(!book.incident(book.alert(id)->incidentId)->open());
    }

    // Incidents resolve themselves once every alert resolved and none fired again for the hold-down.
    void resolvesItselfAfterTheHoldDown()
    {
        AlertBook book; // hold-down 5 min
        const auto id = book.ingest(fire("HighLatency", "a", T0));
        const std::int64_t inc = book.alert(id)->incidentId;
        book.ingest(resolved(fire("HighLatency", "a", T0), T0 + 2 * kMinute));
        book.advance(T0 + 6 * kMinute);
        QVERIFY(book.incident(inc)->open()); // 4 min into the hold-down
        book.advance(T0 + 7 * kMinute);
        const Incident *incident = book.incident(inc);
        QVERIFY(!incident->open());
        QCOMPARE(incident->end, T0 + 7 * kMinute);
        QVERIFY(incident->resolvedBy.empty()); // nobody resolved it: it resolved itself
        QCOMPARE(incident->status(), IncidentStatus::Resolved);
        QCOMPARE(incident->history.size(), std::size_t(1));
        QCOMPARE(incident->history.back().action, IncidentAction::AutoResolved);
        QCOMPARE(incident->history.back().who, std::string("system"));
        QCOMPARE(std::string(incidentActionName(incident->history.back().action)), std::string("auto-resolved"));
    }

    void noSelfResolveWhileAnAlertFires()
    {
        AlertBook book;
        const auto latency = book.ingest(fire("HighLatency", "a", T0));
        const auto errors = book.ingest(fire("HighErrors", "a", T0 + 10 * kSecond));
        const std::int64_t inc = book.alert(latency)->incidentId;
        QCOMPARE(book.alert(errors)->incidentId, inc);
        book.ingest(resolved(fire("HighLatency", "a", T0), T0 + 2 * kMinute));
        book.advance(T0 + 3 * kHour);
        QVERIFY(book.incident(inc)->open()); // HighErrors still fires
        QVERIFY(book.incident(inc)->history.empty());
        // The hold-down runs from the last alert's resolution, not the first.
        book.ingest(resolved(fire("HighErrors", "a", T0 + 10 * kSecond), T0 + 3 * kHour + kMinute));
        book.advance(T0 + 3 * kHour + 5 * kMinute);
        QVERIFY(book.incident(inc)->open());
        book.advance(T0 + 3 * kHour + 6 * kMinute);
        QVERIFY(!book.incident(inc)->open());
    }

    void reopensWhenTheSameAlertReturns()
    {
        AlertBook book; // re-open window 30 min
        const auto first = book.ingest(fire("HighLatency", "a", T0));
        const std::int64_t inc = book.alert(first)->incidentId;
        QVERIFY(book.acknowledgeIncident(inc, "ann", "looking", T0 + kMinute).has_value());
        QVERIFY(book.assignIncident(inc, "ann", "ann", T0 + kMinute).has_value());
        book.ingest(resolved(fire("HighLatency", "a", T0), T0 + 3 * kMinute));
        book.advance(T0 + 9 * kMinute);
        QVERIFY(!book.incident(inc)->open());
        QCOMPARE(book.openIncidents(), std::size_t(0));
        // The same alert (same fingerprint) fires again 11 min later: the incident re-opens and takes it.
        const auto again = book.ingest(fire("HighLatency", "a", T0 + 20 * kMinute));
        QVERIFY(again != first);
        QCOMPARE(book.alert(again)->incidentId, inc);
        const Incident *incident = book.incident(inc);
        QVERIFY(incident->open());
        QCOMPARE(book.openIncidents(), std::size_t(1));
        QCOMPARE(incident->reopenCount, 1);
        QCOMPARE(incident->lastReopened, T0 + 20 * kMinute);
        QCOMPARE(incident->status(), IncidentStatus::Reopened);
        QCOMPARE(incident->alerts.size(), std::size_t(2));
        // Whoever acknowledged it has to take it again; the owner stays; the SLA clock restarts.
        QVERIFY(!incident->acknowledged);
        QVERIFY(incident->acknowledgedBy.empty());
        QCOMPARE(incident->owner, std::string("ann"));
        QCOMPARE(incident->slaDeadline, T0 + 20 * kMinute + slaFor(AlertSeverity::High));
        QCOMPARE(incident->history.back().action, IncidentAction::Reopened);
        QVERIFY2(incident->history.back().comment.find("11 min after") != std::string::npos, incident->history.back().comment.c_str());
        QVERIFY(incident->explanations.back().find("re-opened") != std::string::npos);
        // Re-opened twice: the count goes on.
        book.ingest(resolved(fire("HighLatency", "a", T0), T0 + 21 * kMinute));
        book.advance(T0 + 27 * kMinute);
        QVERIFY(!book.incident(inc)->open());
        book.ingest(fire("HighLatency", "a", T0 + 30 * kMinute));
        QCOMPARE(book.incident(inc)->reopenCount, 2);
    }

    void noReopenAfterTheWindow()
    {
        AlertBook book;
        const auto first = book.ingest(fire("HighLatency", "a", T0));
        const std::int64_t inc = book.alert(first)->incidentId;
        book.ingest(resolved(fire("HighLatency", "a", T0), T0 + 3 * kMinute));
        book.advance(T0 + 9 * kMinute);
        QVERIFY(!book.incident(inc)->open());
        const auto late = book.ingest(fire("HighLatency", "a", T0 + 9 * kMinute + 31 * kMinute));
        QVERIFY(book.alert(late)->incidentId != 0);
        QVERIFY(book.alert(late)->incidentId != inc);
        QVERIFY(!book.incident(inc)->open());
        QCOMPARE(book.incident(inc)->reopenCount, 0);
    }

    void noReopenForADifferentAlertElsewhere()
    {
        const Estate e = estate();
        TopologyDistance topology(e);
        AlertBook book;
        book.setTopology([&](const std::string &x, const std::string &y) { return topology(x, y); });
        book.setDependencies([&](const std::string &x, const std::string &y) { return topology.dependencyHops(x, y); });
        const auto first = book.ingest(fire("HighLatency", "a", T0));
        const std::int64_t inc = book.alert(first)->incidentId;
        book.ingest(resolved(fire("HighLatency", "a", T0), T0 + 3 * kMinute));
        book.advance(T0 + 9 * kMinute);
        QVERIFY(!book.incident(inc)->open());
        // Same alert name, unrelated entity (another fingerprint), well within the window: a new incident.
        const auto other = book.ingest(fire("HighLatency", "d", T0 + 10 * kMinute));
        QVERIFY(book.alert(other)->incidentId != 0);
        QVERIFY(book.alert(other)->incidentId != inc);
        QVERIFY(!book.incident(inc)->open());
        QCOMPARE(book.incident(inc)->reopenCount, 0);
    }

    // A flapping alert returning during the hold-down goes back to its incident, even one older than maxAge that
    // grouping would no longer accept; nothing was resolved, so nothing re-opens.
    void returnDuringTheHoldDownRejoins()
    {
        AlertBook book;
        const auto first = book.ingest(fire("HighLatency", "a", T0));
        const std::int64_t inc = book.alert(first)->incidentId;
        book.ingest(resolved(fire("HighLatency", "a", T0), T0 + 40 * kMinute));
        book.advance(T0 + 42 * kMinute);
        QVERIFY(book.incident(inc)->open());
        const auto again = book.ingest(fire("HighLatency", "a", T0 + 43 * kMinute));
        QCOMPARE(book.alert(again)->incidentId, inc);
        QCOMPARE(book.incident(inc)->reopenCount, 0);
        QVERIFY(book.incident(inc)->explanations.back().find("hold-down") != std::string::npos);
        book.advance(T0 + 50 * kMinute);
        QVERIFY(book.incident(inc)->open()); // it fires again
    }

    void incidentAcknowledgeAssignResolve()
    {
        AlertBook book;
        const auto slow = book.ingest(fire("DbSlow", "c", T0, AlertSeverity::Critical));
        const auto errors = book.ingest(fire("DbErrors", "c", T0 + 5 * kSecond, AlertSeverity::Critical));
        const std::int64_t inc = book.alert(slow)->incidentId;
        QCOMPARE(book.alert(errors)->incidentId, inc);
        // Refusals: no person, unknown incident.
        QCOMPARE(book.acknowledgeIncident(inc, "", "x", T0 + kMinute).error().code, ErrorCode::InvalidArgument);
        QCOMPARE(book.assignIncident(inc, "bob", "", T0 + kMinute).error().code, ErrorCode::InvalidArgument);
        QCOMPARE(book.resolveIncident(inc, "", "fixed", T0 + kMinute).error().code, ErrorCode::InvalidArgument);
        QCOMPARE(book.acknowledgeIncident(999, "ann", "", T0).error().code, ErrorCode::NotFound);
        QCOMPARE(book.assignIncident(999, "ann", "ann", T0).error().code, ErrorCode::NotFound);
        QCOMPARE(book.resolveIncident(0, "ann", "", T0).error().code, ErrorCode::NotFound);
        QVERIFY(book.incident(inc)->history.empty());
        // Acknowledge: the incident and its firing alerts.
        QVERIFY(book.acknowledgeIncident(inc, "ann", "on it", T0 + kMinute).has_value());
        const Incident *incident = book.incident(inc);
        QVERIFY(incident->acknowledged);
        QCOMPARE(incident->acknowledgedBy, std::string("ann"));
        QCOMPARE(incident->acknowledgedAt, T0 + kMinute);
        QCOMPARE(incident->status(), IncidentStatus::Acknowledged);
        QCOMPARE(incident->history.back().action, IncidentAction::Acknowledged);
        QCOMPARE(incident->history.back().comment, std::string("on it"));
        for (const auto id : {slow, errors}) {
            QCOMPARE(book.alert(id)->state, AlertState::Acknowledged);
            QCOMPARE(book.alert(id)->history.back().who, std::string("ann"));
            QVERIFY(book.alert(id)->history.back().comment.find("on it") != std::string::npos);
        }
        // Nothing left to acknowledge: refused, and the message says who has it.
        const auto twice = book.acknowledgeIncident(inc, "bob", "", T0 + 2 * kMinute);
        QVERIFY(!twice);
        QVERIFY2(twice.error().message.find("ann") != std::string::npos, twice.error().message.c_str());
        // Owner: set, unchanged (no entry), released.
        QVERIFY(book.assignIncident(inc, "bob", "ann", T0 + 2 * kMinute).has_value());
        QCOMPARE(book.incident(inc)->owner, std::string("bob"));
        QCOMPARE(book.incident(inc)->history.back().action, IncidentAction::OwnerSet);
        QCOMPARE(book.incident(inc)->history.back().who, std::string("ann"));
        QCOMPARE(book.incident(inc)->history.back().comment, std::string("bob"));
        const std::size_t entries = book.incident(inc)->history.size();
        QVERIFY(book.assignIncident(inc, "bob", "bob", T0 + 3 * kMinute).has_value());
        QCOMPARE(book.incident(inc)->history.size(), entries);
        // Resolve: every active alert resolves with it, attributed.
        QVERIFY(book.resolveIncident(inc, "bob", "failover done", T0 + 5 * kMinute).has_value());
        incident = book.incident(inc);
        QVERIFY(!incident->open());
        QCOMPARE(incident->end, T0 + 5 * kMinute);
        QCOMPARE(incident->resolvedBy, std::string("bob"));
        QCOMPARE(incident->status(), IncidentStatus::Resolved);
        QCOMPARE(incident->history.back().action, IncidentAction::Resolved);
        QCOMPARE(incident->history.back().comment, std::string("failover done"));
        for (const auto id : {slow, errors}) {
            QCOMPARE(book.alert(id)->state, AlertState::Resolved);
            QCOMPARE(book.alert(id)->endsAt, T0 + 5 * kMinute);
            QCOMPARE(book.alert(id)->history.back().who, std::string("bob"));
        }
        // A resolved incident cannot be acknowledged or resolved again; it may still get an owner (the follow-up).
        const auto closedAck = book.acknowledgeIncident(inc, "ann", "", T0 + 6 * kMinute);
        QVERIFY(!closedAck);
        QVERIFY2(closedAck.error().message.find("already resolved (by bob)") != std::string::npos, closedAck.error().message.c_str());
        QVERIFY(!book.resolveIncident(inc, "ann", "again", T0 + 6 * kMinute));
        QVERIFY(book.assignIncident(inc, "carol", "ann", T0 + 6 * kMinute).has_value());
        QCOMPARE(book.incident(inc)->owner, std::string("carol"));
        // The time moving on changes nothing: it was resolved by a person, not by itself.
        book.advance(T0 + 20 * kMinute);
        QCOMPARE(book.incident(inc)->end, T0 + 5 * kMinute);
        QCOMPARE(book.incident(inc)->history.back().action, IncidentAction::OwnerSet);
        // The trouble returning re-opens an incident a person resolved, too.
        const auto back = book.ingest(fire("DbSlow", "c", T0 + 25 * kMinute, AlertSeverity::Critical));
        QCOMPARE(book.alert(back)->incidentId, inc);
        QVERIFY(book.incident(inc)->open());
        QVERIFY(book.incident(inc)->resolvedBy.empty());
        QCOMPARE(book.incident(inc)->reopenCount, 1);
    }

    void incidentWithOneAlert()
    {
        AlertBook book;
        const auto id = book.ingest(fire("DiskFull", "d", T0));
        const std::int64_t inc = book.alert(id)->incidentId;
        QCOMPARE(book.incident(inc)->alerts.size(), std::size_t(1));
        QCOMPARE(book.incident(inc)->status(), IncidentStatus::Open);
        // An alert acknowledged on its own acknowledges its incident, attributed.
        QVERIFY(book.acknowledge(id, "ann", "looking", T0 + kMinute).has_value());
        QCOMPARE(book.incident(inc)->acknowledgedBy, std::string("ann"));
        QCOMPARE(book.incident(inc)->history.back().action, IncidentAction::Acknowledged);
        book.ingest(resolved(fire("DiskFull", "d", T0), T0 + 2 * kMinute));
        book.advance(T0 + 3 * kMinute);
        QVERIFY(book.incident(inc)->open()); // in its hold-down
        // Resolved by a person during the hold-down: closes now; the resolved alert is left as it was.
        const std::size_t alertHistory = book.alert(id)->history.size();
        QVERIFY(book.resolveIncident(inc, "ann", "cleaned /var/log", T0 + 4 * kMinute).has_value());
        QCOMPARE(book.incident(inc)->end, T0 + 4 * kMinute);
        QCOMPARE(book.incident(inc)->resolvedBy, std::string("ann"));
        QCOMPARE(book.alert(id)->history.size(), alertHistory);
        QCOMPARE(book.alert(id)->endsAt, T0 + 2 * kMinute);
        book.advance(T0 + 20 * kMinute);
        QCOMPARE(book.incident(inc)->history.back().action, IncidentAction::Resolved);
    }

    void restoreKeepsIncidentLifecycle()
    {
        AlertBook book;
        const auto id = book.ingest(fire("HighLatency", "a", T0));
        const std::int64_t inc = book.alert(id)->incidentId;
        QVERIFY(book.acknowledgeIncident(inc, "ann", "on it", T0 + kMinute).has_value());
        QVERIFY(book.assignIncident(inc, "bob", "ann", T0 + 2 * kMinute).has_value());
        QVERIFY(book.resolveIncident(inc, "bob", "restarted", T0 + 3 * kMinute).has_value());
        book.ingest(fire("HighLatency", "a", T0 + 10 * kMinute)); // re-opens
        QVERIFY(book.acknowledgeIncident(inc, "carol", "", T0 + 11 * kMinute).has_value());
        const Incident before = *book.incident(inc);
        QCOMPARE(before.reopenCount, 1);
        AlertBook restored;
        QVERIFY(restored.restore(book.state()).has_value());
        const Incident *after = restored.incident(inc);
        QVERIFY(after);
        QCOMPARE(after->owner, std::string("bob"));
        QCOMPARE(after->acknowledgedBy, std::string("carol"));
        QCOMPARE(after->acknowledgedAt, T0 + 11 * kMinute);
        QVERIFY(after->acknowledged);
        QVERIFY(after->resolvedBy.empty());
        QCOMPARE(after->reopenCount, 1);
        QCOMPARE(after->lastReopened, T0 + 10 * kMinute);
        QCOMPARE(after->history.size(), before.history.size());
        for (std::size_t i = 0; i < before.history.size(); ++i) {
            QCOMPARE(after->history[i].ts, before.history[i].ts);
            QCOMPARE(after->history[i].action, before.history[i].action);
            QCOMPARE(after->history[i].who, before.history[i].who);
            QCOMPARE(after->history[i].comment, before.history[i].comment);
        }
        // The restored book re-opens on the same fingerprint too.
        QVERIFY(restored.resolveIncident(inc, "carol", "done", T0 + 12 * kMinute).has_value());
        const auto back = restored.ingest(fire("HighLatency", "a", T0 + 15 * kMinute));
        QCOMPARE(restored.alert(back)->incidentId, inc);
        QCOMPARE(restored.incident(inc)->reopenCount, 2);
    }
};

QTEST_GUILESS_MAIN(TestAlertBook)
#include "tst_alert_book.moc"
