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
        QCOMPARE(topology("b-0", "a"), 2);
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
        QVERIFY2(incident->explanations[1].find("1 hop(s) from c") != std::string::npos, incident->explanations[1].c_str());
        // A new failing dependency after the opening burst is a new incident, even next to a running one.
        const auto c2 = book.ingest(fire("DiskFull", "c", T0 + 4 * kMinute, AlertSeverity::High));
        QCOMPARE(book.alert(c2)->incidentId, book.alert(c)->incidentId); // same entity: joins
        const auto lowNoise = book.ingest(fire("Blip", "d", T0 + 3 * kHour, AlertSeverity::Low));
        QCOMPARE(book.alert(lowNoise)->incidentId, std::int64_t(0)); // low alerts never open incidents
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
};

QTEST_GUILESS_MAIN(TestAlertBook)
#include "tst_alert_book.moc"
