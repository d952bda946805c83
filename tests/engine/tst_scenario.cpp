#include <QFile>
#include <QTest>

#include <map>
#include <set>

#include "scenario/scenario_loader.h"
#include "scenario/signal_generator.h"

using namespace Nocturne::Engine;

namespace {

Scenario load(const char *name)
{
    QFile file(QStringLiteral(NOCTURNE_SCENARIO_DIR "/") + QString::fromLatin1(name) + QStringLiteral(".yaml"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open scenario %s", name);
    auto scenario = parseScenario(file.readAll().toStdString(), name);
    if (!scenario)
        qFatal("%s", scenario.error().toString().c_str());
    return std::move(*scenario);
}

std::map<EntityKind, int> countKinds(const Scenario &s)
{
    std::map<EntityKind, int> counts;
    for (const auto &e : s.estate.entities)
        ++counts[e.kind];
    return counts;
}

// Value of the first series with this metric on this entity at step t.
double valueAt(const SignalGenerator &gen, const std::string &entity, const std::string &metric, Timestamp t)
{
    StepOutput out;
    gen.generate(t, out);
    for (const auto &s : out.samples) {
        const auto &series = gen.series()[s.series];
        if (series.key.name == metric && series.key.label("entity") == entity)
            return s.value;
    }
    qFatal("no series %s on %s", metric.c_str(), entity.c_str());
}

} // namespace

class TestScenario : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void shopEstate()
    {
        const Scenario s = load("shop");
        auto kinds = countKinds(s);
        QCOMPARE(kinds[EntityKind::Service], 30);
        QCOMPARE(kinds[EntityKind::Cache], 6);    // 6-node Redis cluster
        QCOMPARE(kinds[EntityKind::Database], 2); // primary + replica
        QCOMPARE(kinds[EntityKind::Queue], 3);
        QCOMPARE(kinds[EntityKind::Host], 10);
        QVERIFY(kinds[EntityKind::Pod] >= 60);
        int calls = 0;
        for (const auto &e : s.estate.edges)
            calls += e.kind == EdgeKind::Calls;
        QVERIFY(calls > 60);
        // Every pod runs on a host and belongs to its service.
        for (const auto &e : s.estate.entities) {
            if (e.kind == EntityKind::Pod) {
                QVERIFY(s.estate.find(e.host));
                QVERIFY(s.estate.find(e.parent));
            }
        }
    }

    void gpuClusterEstate()
    {
        const Scenario s = load("gpu-cluster");
        auto kinds = countKinds(s);
        QCOMPARE(kinds[EntityKind::Server], 32);
        QCOMPARE(kinds[EntityKind::Gpu], 256);
        QCOMPARE(kinds[EntityKind::Nic], 256);
        QCOMPARE(kinds[EntityKind::Switch], 12);
        QCOMPARE(kinds[EntityKind::Port], kinds[EntityKind::Transceiver]); // a transceiver in every port
        QCOMPARE(kinds[EntityKind::Port], 256 + 8 * 32 + 2 * 8 * 16);
        QCOMPARE(kinds[EntityKind::Job], 1);
        // Rail-optimised: NIC 3 of server 16 lands on leaf-03 port 17.
        bool found = false;
        for (const auto &e : s.estate.edges)
            found |= e.kind == EdgeKind::ConnectsTo && e.from == "gpu-node16/mlx5_3/p1" && e.to == "leaf-03/p17";
        QVERIFY(found);
    }

    void faultLibraryHasGroundTruth()
    {
        std::set<std::string> classes;
        for (const char *name : {"shop", "gpu-cluster"}) {
            const Scenario s = load(name);
            for (const auto &f : s.faults) {
                QVERIFY(!f.root.empty());
                QVERIFY(s.estate.find(f.root));
                QVERIFY(f.duration > 0);
                QVERIFY(!f.effects.empty());
                QCOMPARE(f.propagation.front(), f.root);
                classes.insert(f.faultClass);
            }
        }
        for (const char *required : {"redis_slot_migration", "row_lock_contention", "connection_pool_exhausted", "memory_leak",
                                     "bad_deploy", "network_delay", "transceiver_degradation", "gpu_fallen_off_bus",
                                     "congested_uplink", "pfc_storm"})
            QVERIFY2(classes.count(required), required);
    }

    void sameSeedSameSignals()
    {
        const Scenario s = load("shop");
        SignalGenerator a(s), b(s);
        // Generate b's steps in reverse order: values must not depend on call order.
        std::vector<StepOutput> outA(20), outB(20);
        for (int i = 0; i < 20; ++i)
            a.generate(s.start + 360 * kSecond + i * s.step, outA[i]);
        for (int i = 19; i >= 0; --i)
            b.generate(s.start + 360 * kSecond + i * s.step, outB[i]);
        for (int i = 0; i < 20; ++i) {
            QCOMPARE(outA[i].samples.size(), outB[i].samples.size());
            for (std::size_t k = 0; k < outA[i].samples.size(); ++k)
                QCOMPARE(outA[i].samples[k].value, outB[i].samples[k].value);
            QCOMPARE(outA[i].logs.size(), outB[i].logs.size());
            for (std::size_t k = 0; k < outA[i].logs.size(); ++k)
                QCOMPARE(outA[i].logs[k].message, outB[i].logs[k].message);
            QCOMPARE(outA[i].spans.size(), outB[i].spans.size());
            for (std::size_t k = 0; k < outA[i].spans.size(); ++k)
                QCOMPARE(outA[i].spans[k].duration, outB[i].spans[k].duration);
        }
    }

    void differentSeedDifferentSignals()
    {
        Scenario s = load("shop");
        SignalGenerator a(s);
        StepOutput outA, outB;
        a.generate(s.start, outA);
        s.seed += 1;
        SignalGenerator b(s);
        b.generate(s.start, outB);
        int differ = 0;
        for (std::size_t k = 0; k < outA.samples.size(); ++k)
            differ += outA.samples[k].value != outB.samples[k].value;
        QVERIFY(differ > int(outA.samples.size()) / 2);
    }

    void faultsChangeTheAffectedEntity()
    {
        const Scenario s = load("shop");
        SignalGenerator withFaults(s);
        SignalGenerator clean(s, SignalGenerator::Options{false});
        const Timestamp during = s.start + 8 * kMinute; // redis-slot-migration runs 6m..11m
        QVERIFY(valueAt(withFaults, "redis-3", "redis_keyspace_hit_ratio", during) < 0.4);
        QVERIFY(valueAt(clean, "redis-3", "redis_keyspace_hit_ratio", during) > 0.9);
        const double orderLatency = valueAt(withFaults, "order", "http_request_duration_p99_seconds", during);
        const double orderClean = valueAt(clean, "order", "http_request_duration_p99_seconds", during);
        QVERIFY(orderLatency > 2.5 * orderClean);
        // Before the onset both runs are identical.
        const Timestamp before = s.start + 5 * kMinute;
        QCOMPARE(valueAt(withFaults, "order", "http_request_duration_p99_seconds", before),
                 valueAt(clean, "order", "http_request_duration_p99_seconds", before));
        // Fault logs appear: "Lock wait timeout" during the row-lock fault (15m..20m).
        StepOutput out;
        int lockWaits = 0;
        for (int i = 0; i < 12; ++i) {
            out.clear();
            withFaults.generate(s.start + 16 * kMinute + i * s.step, out);
            for (const auto &log : out.logs)
                lockWaits += log.message.find("Lock wait timeout") != std::string::npos;
        }
        QVERIFY(lockWaits > 10);
    }

    void networkDelayShowsOnCallersNotOnTheCallee()
    {
        const Scenario s = load("shop");
        SignalGenerator withFaults(s);
        SignalGenerator clean(s, SignalGenerator::Options{false});
        const Timestamp during = s.start + 53 * kMinute; // cart-user-network-delay runs 51m..56m
        // The client side of cart → user slows down; user's own server-side latency does not move.
        QVERIFY(valueAt(withFaults, "cart->user", "rpc_client_duration_p99_seconds", during)
                > 3 * valueAt(clean, "cart->user", "rpc_client_duration_p99_seconds", during));
        QCOMPARE(valueAt(withFaults, "user", "http_request_duration_p99_seconds", during),
                 valueAt(clean, "user", "http_request_duration_p99_seconds", during));
        // Edges inherit their callee's trouble: during the row-lock fault, calls into inventory are slow too.
        const Timestamp rowLock = s.start + 17 * kMinute;
        QVERIFY(valueAt(withFaults, "order->inventory", "rpc_client_duration_p99_seconds", rowLock)
                > 3 * valueAt(clean, "order->inventory", "rpc_client_duration_p99_seconds", rowLock));
    }

    void badDeployEmitsDeployEvent()
    {
        const Scenario s = load("shop");
        SignalGenerator gen(s);
        StepOutput out;
        gen.generate(s.start + 42 * kMinute, out);
        bool deploy = false;
        for (const auto &e : out.events)
            deploy |= e.kind == "deploy" && e.entity == "search" && e.title.find("v2.4.0") != std::string::npos;
        QVERIFY(deploy);
    }

    void faultInstancesRepeatEveryCycle()
    {
        const Scenario s = load("shop");
        const auto first = s.faultInstances(s.start, s.start + kHour);
        const auto second = s.faultInstances(s.start + kHour, s.start + 2 * kHour);
        QCOMPARE(first.size(), s.faults.size());
        QCOMPARE(second.size(), s.faults.size());
        QCOMPARE(second.front().onset - first.front().onset, Timestamp(kHour));
    }

    void badFilesGiveLocatedErrors_data()
    {
        QTest::addColumn<QString>("yaml");
        QTest::addColumn<QString>("context");
        QTest::addColumn<QString>("message");
        const QString head = QStringLiteral("name: x\nstart: 2026-01-01T00:00:00Z\nestate:\n  hosts: [h1]\n  entities:\n"
                                            "    - {id: a, kind: service, replicas: 1}\n");
        QTest::newRow("syntax") << QStringLiteral("name: [unclosed\n") << QStringLiteral("bad.yaml:") << QString();
        QTest::newRow("not a map") << QStringLiteral("- 1\n- 2\n") << QStringLiteral("bad.yaml:1:1") << QStringLiteral("mapping");
        QTest::newRow("missing start") << QStringLiteral("name: x\nestate: {}\n") << QStringLiteral("bad.yaml:1:1")
                                       << QStringLiteral("start");
        QTest::newRow("bad kind") << QStringLiteral("name: x\nstart: 2026-01-01T00:00:00Z\nestate:\n  entities:\n"
                                                    "    - {id: a, kind: spaceship}\n")
                                  << QStringLiteral("bad.yaml:5:") << QStringLiteral("spaceship");
        QTest::newRow("unknown root") << head + QStringLiteral("faults:\n  - {id: f, class: c, root: nope, onset: 1m, duration: 1m}\n")
                                      << QStringLiteral("bad.yaml:8:") << QStringLiteral("nope");
        QTest::newRow("bad duration") << head + QStringLiteral("faults:\n  - {id: f, class: c, root: a, onset: soon, duration: 1m}\n")
                                      << QStringLiteral("bad.yaml:8:") << QStringLiteral("onset");
        QTest::newRow("unknown callee") << QStringLiteral("name: x\nstart: 2026-01-01T00:00:00Z\nestate:\n  entities:\n"
                                                          "    - {id: a, kind: service, calls: {ghost: 0.5}}\n")
                                        << QStringLiteral("bad.yaml:5:") << QStringLiteral("ghost");
        QTest::newRow("bad start") << QStringLiteral("name: x\nstart: tomorrow\nestate: {}\n") << QStringLiteral("bad.yaml:2:")
                                   << QStringLiteral("YYYY");
    }
    void badFilesGiveLocatedErrors()
    {
        QFETCH(QString, yaml);
        QFETCH(QString, context);
        QFETCH(QString, message);
        auto result = parseScenario(yaml.toStdString(), "bad.yaml");
        QVERIFY(!result);
        QVERIFY2(QString::fromStdString(result.error().context).startsWith(context), result.error().toString().c_str());
        QVERIFY2(QString::fromStdString(result.error().message).contains(message), result.error().toString().c_str());
        QCOMPARE(result.error().code, ErrorCode::ParseError);
    }

    void hostileInputDoesNotCrash()
    {
        // Deep nesting, binary junk, huge numbers: errors, not crashes.
        for (const std::string &text : {std::string(2000, '['), std::string("\x00\xff\xfe", 3), std::string("name: x\nseed: 1e999\n"),
                                        std::string("name: x\nstart: 2026-01-01T00:00:00Z\nstep: 0s\nestate: {entities: []}\n")}) {
            auto result = parseScenario(text, "hostile.yaml");
            QVERIFY(!result);
        }
    }
};

QTEST_GUILESS_MAIN(TestScenario)
#include "tst_scenario.moc"
