#include <QFile>
#include <QTest>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "scenario/fault_model.h"
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

const FaultEffect *findEffect(const FaultSpec &f, const std::string &entity, const std::string &metric)
{
    for (const auto &e : f.effects)
        if (e.entity == entity && e.metric == metric)
            return &e;
    return nullptr;
}

bool contains(const std::vector<std::string> &list, const std::string &item)
{
    return std::find(list.begin(), list.end(), item) != list.end();
}

Estate smallEstate(const std::vector<std::pair<std::string, std::string>> &calls)
{
    Estate estate;
    for (const char *id : {"a", "b", "c"})
        estate.add(Entity{id, EntityKind::Service, {}, {}, {{"latency_ms", 20}, {"error_ratio", 0.002}, {"rps", 100}}, {}});
    for (const auto &[from, to] : calls)
        estate.edges.push_back(Edge{from, to, EdgeKind::Calls, 1.0});
    return estate;
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
        QTest::newRow("no effects, unknown class")
            << head + QStringLiteral("faults:\n  - {id: f, class: warp_drive, root: a, onset: 1m, duration: 1m}\n") << QStringLiteral("bad.yaml:8:")
            << QStringLiteral("cannot synthesize");
        QTest::newRow("ineligible root")
            << head + QStringLiteral("faults:\n  - {id: f, class: row_lock_contention, root: a, onset: 1m, duration: 1m}\n")
            << QStringLiteral("bad.yaml:8:") << QStringLiteral("needs a database");
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

    void synthesizedLatencyFlowsToCallers()
    {
        const Scenario s = load("shop");
        const std::string root = "mysql-primary";
        const FaultSpec f = synthesizeFault(s.estate, "latency_injection", root, 6 * kMinute, 5 * kMinute, 11);
        QCOMPARE(f.faultClass, std::string("latency_injection"));
        QCOMPARE(f.root, root);
        QCOMPARE(f.propagation.front(), root);
        // Its callers slow down, and are in the ground truth.
        for (const char *caller : {"inventory", "order", "payment"}) {
            const FaultEffect *e = findEffect(f, caller, "http_request_duration_p99_seconds");
            QVERIFY2(e, caller);
            QCOMPARE(e->op, FaultEffect::Op::Scale);
            QVERIFY2(e->value >= 1.15, caller);
            QVERIFY2(contains(f.propagation, caller), caller);
            QVERIFY2(findEffect(f, std::string(caller) + "->" + root, "rpc_client_duration_p99_seconds"), caller);
        }
        // Lags grow with hops: every caller's effect follows one on something it calls (or the root) by 5–15 s.
        std::map<std::string, Duration> lag;
        for (const auto &e : f.effects)
            if (e.metric == "http_request_duration_p99_seconds")
                lag[e.entity] = e.lag;
        QVERIFY(lag.size() >= 5);
        for (const auto &[entity, at] : lag) {
            bool follows = false;
            for (const auto &edge : s.estate.edges) {
                if (edge.kind != EdgeKind::Calls || edge.from != entity)
                    continue;
                const Duration before = edge.to == root ? 0 : (lag.count(edge.to) ? lag[edge.to] : -kHour);
                follows |= before >= 0 && at - before >= 5 * kSecond && at - before <= 15 * kSecond;
            }
            QVERIFY2(follows, entity.c_str());
        }
        QVERIFY(lag.count("gateway")); // three hops up
        QVERIFY(lag["gateway"] > lag["order"] && lag["gateway"] > lag["inventory"]);
        // Dilution: the time added to a request shrinks with each hop.
        auto addedSeconds = [&](const char *entity) {
            return (findEffect(f, entity, "http_request_duration_p99_seconds")->value - 1) * s.estate.find(entity)->param("latency_ms", 50) / 1000;
        };
        QVERIFY(addedSeconds("gateway") < addedSeconds("order"));
        QVERIFY(addedSeconds("gateway") < addedSeconds("inventory"));
        // The generator applies it.
        Scenario withFault = s;
        withFault.faults = {f};
        withFault.cycle = 0;
        SignalGenerator gen(withFault), clean(withFault, SignalGenerator::Options{false});
        const Timestamp during = s.start + 9 * kMinute;
        QVERIFY(valueAt(gen, "inventory", "http_request_duration_p99_seconds", during)
                > 2 * valueAt(clean, "inventory", "http_request_duration_p99_seconds", during));
        QVERIFY(valueAt(gen, "order->mysql-primary", "rpc_client_duration_p99_seconds", during)
                > 10 * valueAt(clean, "order->mysql-primary", "rpc_client_duration_p99_seconds", during));
    }

    void synthesizedFaultOnALeafStaysThere()
    {
        const Scenario s = load("shop");
        // `config` calls nothing and nothing calls it.
        for (const char *cls : {"bad_deploy", "latency_injection"}) {
            const FaultSpec f = synthesizeFault(s.estate, cls, "config", kMinute, 5 * kMinute, 3);
            QVERIFY2(!f.effects.empty(), cls);
            for (const auto &e : f.effects)
                QVERIFY2(e.entity == "config", (std::string(cls) + ": " + e.entity).c_str());
            for (const auto &l : f.logs)
                QCOMPARE(l.entity, std::string("config"));
            QCOMPARE(f.propagation, std::vector<std::string>{"config"});
        }
    }

    void eligibleRootsHaveTheRightKind()
    {
        const std::map<std::string, std::set<EntityKind>> kinds = {
            {"cpu_saturation", {EntityKind::Service, EntityKind::Pod, EntityKind::Host, EntityKind::Database, EntityKind::Cache}},
            {"memory_leak", {EntityKind::Service}},
            {"connection_pool_exhausted", {EntityKind::Service}},
            {"bad_deploy", {EntityKind::Service}},
            {"latency_injection", {EntityKind::Service, EntityKind::Database, EntityKind::Cache}},
            {"network_delay", {EntityKind::Host}},
            {"row_lock_contention", {EntityKind::Database}},
            {"cache_miss_storm", {EntityKind::Cache}},
            {"redis_slot_migration", {EntityKind::Cache}},
            {"gpu_fallen_off_bus", {EntityKind::Gpu}},
            {"congested_uplink", {EntityKind::Port}},
            {"pfc_storm", {EntityKind::Port}},
            {"transceiver_degradation", {EntityKind::Transceiver}},
        };
        QCOMPARE(knownFaultClasses().size(), kinds.size());
        for (const char *name : {"shop", "gpu-cluster"}) {
            const Scenario s = load(name);
            const auto classes = faultClasses(s.estate);
            QVERIFY(!classes.empty());
            for (const std::string &cls : knownFaultClasses()) {
                const auto roots = eligibleRoots(s.estate, cls);
                QCOMPARE(contains(classes, cls), !roots.empty());
                for (const std::string &root : roots) {
                    const Entity *e = s.estate.find(root);
                    QVERIFY(e);
                    QVERIFY2(kinds.at(cls).count(e->kind), (cls + " at " + root).c_str());
                    if (cls == "connection_pool_exhausted")
                        QVERIFY(e->params.count("pool"));
                }
            }
            // A root of the wrong kind gets nothing.
            for (const auto &e : s.estate.entities) {
                if (e.kind == EntityKind::Database)
                    continue;
                QVERIFY(!isEligibleRoot(s.estate, "row_lock_contention", e.id));
                const FaultSpec f = synthesizeFault(s.estate, "row_lock_contention", e.id, 0, kMinute, 1);
                QVERIFY(f.effects.empty());
                QCOMPARE(f.propagation, std::vector<std::string>{e.id});
                break;
            }
        }
        const Scenario shop = load("shop");
        QVERIFY(contains(faultClasses(shop.estate), "row_lock_contention"));
        QVERIFY(!contains(faultClasses(shop.estate), "pfc_storm"));
        QVERIFY(eligibleRoots(shop.estate, "warp_drive").empty());
        QCOMPARE(eligibleRoots(shop.estate, "slow_dependency"), eligibleRoots(shop.estate, "latency_injection")); // an alias
    }

    void synthesisIsDeterministic()
    {
        const Scenario shop = load("shop");
        const Scenario gpu = load("gpu-cluster");
        auto same = [](const FaultSpec &a, const FaultSpec &b) {
            if (a.effects.size() != b.effects.size() || a.logs.size() != b.logs.size() || a.propagation != b.propagation
                || a.deployVersion != b.deployVersion)
                return false;
            for (std::size_t i = 0; i < a.effects.size(); ++i) {
                const FaultEffect &x = a.effects[i], &y = b.effects[i];
                if (x.entity != y.entity || x.metric != y.metric || x.op != y.op || x.value != y.value || x.lag != y.lag || x.ramp != y.ramp
                    || x.hold != y.hold)
                    return false;
            }
            for (std::size_t i = 0; i < a.logs.size(); ++i)
                if (a.logs[i].entity != b.logs[i].entity || a.logs[i].text != b.logs[i].text || a.logs[i].lag != b.logs[i].lag)
                    return false;
            return true;
        };
        for (const auto &[estate, cls, root] : {std::tuple{&shop.estate, "row_lock_contention", "mysql-primary"},
                                               std::tuple{&shop.estate, "network_delay", "node-04"},
                                               std::tuple{&shop.estate, "bad_deploy", "search"},
                                               std::tuple{&gpu.estate, "pfc_storm", "leaf-05/p09"}}) {
            const FaultSpec a = synthesizeFault(*estate, cls, root, 6 * kMinute, 5 * kMinute, 99);
            const FaultSpec b = synthesizeFault(*estate, cls, root, 6 * kMinute, 5 * kMinute, 99);
            QVERIFY2(!a.effects.empty(), cls);
            QVERIFY2(same(a, b), cls);
        }
        // Another seed moves the per-hop lags.
        const FaultSpec a = synthesizeFault(shop.estate, "row_lock_contention", "mysql-primary", 0, 5 * kMinute, 1);
        const FaultSpec b = synthesizeFault(shop.estate, "row_lock_contention", "mysql-primary", 0, 5 * kMinute, 2);
        QVERIFY(!same(a, b));
    }

    void estateOfOneNode()
    {
        Estate estate;
        estate.add(Entity{"solo", EntityKind::Service, {}, {}, {}, {}});
        const auto classes = faultClasses(estate);
        QVERIFY(!classes.empty());
        for (const std::string &cls : classes) {
            QCOMPARE(eligibleRoots(estate, cls), std::vector<std::string>{"solo"});
            const FaultSpec f = synthesizeFault(estate, cls, "solo", 0, 5 * kMinute, 1);
            QCOMPARE(f.propagation, std::vector<std::string>{"solo"});
            for (const auto &e : f.effects)
                QCOMPARE(e.entity, std::string("solo"));
        }
        // Unknown class, unknown root, empty estate: defined, empty results.
        QVERIFY(synthesizeFault(estate, "warp_drive", "solo", 0, kMinute, 1).effects.empty());
        QCOMPARE(synthesizeFault(estate, "bad_deploy", "ghost", 0, kMinute, 1).propagation, std::vector<std::string>{"ghost"});
        QVERIFY(faultClasses(Estate{}).empty());
        QVERIFY(eligibleRoots(Estate{}, "bad_deploy").empty());
    }

    void callCyclesAndSelfCallsTerminate()
    {
        // a ⇄ b, a calls itself, c calls a.
        const Estate estate = smallEstate({{"a", "b"}, {"b", "a"}, {"a", "a"}, {"c", "a"}});
        const FaultSpec f = synthesizeFault(estate, "latency_injection", "b", 0, 5 * kMinute, 5);
        QCOMPARE(f.propagation.front(), std::string("b"));
        QVERIFY(findEffect(f, "a", "http_request_duration_p99_seconds"));
        QVERIFY(findEffect(f, "c", "http_request_duration_p99_seconds"));
        QVERIFY(contains(f.propagation, "a"));
        // The root's own p99 effect is its class's, never one fed back through the cycle.
        int onRoot = 0;
        for (const auto &e : f.effects)
            onRoot += e.entity == "b" && e.metric == "http_request_duration_p99_seconds";
        QCOMPARE(onRoot, 1);
        const FaultSpec g = synthesizeFault(smallEstate({{"a", "a"}}), "latency_injection", "a", 0, 5 * kMinute, 5);
        QCOMPARE(g.propagation, std::vector<std::string>{"a"});
    }

    void loaderSynthesizesFaultsWithoutEffects()
    {
        const std::string yaml = "name: x\nstart: 2026-01-01T00:00:00Z\nestate:\n  hosts: [h1]\n  entities:\n"
                                 "    - {id: a, kind: service, replicas: 1, calls: {b: 1.0}}\n"
                                 "    - {id: b, kind: service, replicas: 1}\n"
                                 "faults:\n"
                                 "  - {id: slow, class: latency_injection, root: b, onset: 1m, duration: 5m}\n"
                                 "  - id: deploy\n    class: bad_deploy\n    root: b\n    onset: 10m\n    duration: 5m\n    synthesize: true\n"
                                 "    effects:\n      - {entity: b, metric: http_errors_ratio, op: set, value: 0.5}\n"
                                 "  - {id: truth-only, class: warp_drive, root: a, onset: 20m, duration: 5m, propagation: [a]}\n";
        auto s = parseScenario(yaml, "synth.yaml");
        QVERIFY2(s, s ? "" : s.error().toString().c_str());
        QCOMPARE(s->faults.size(), std::size_t(3));
        const FaultSpec &slow = s->faults[0];
        QCOMPARE(slow.propagation, (std::vector<std::string>{"b", "a"}));
        QVERIFY(findEffect(slow, "a", "http_request_duration_p99_seconds"));
        // The hand-written effect replaces the synthesized one on (b, http_errors_ratio); the rest stays.
        const FaultSpec &deploy = s->faults[1];
        int onPair = 0;
        for (const auto &e : deploy.effects)
            onPair += e.entity == "b" && e.metric == "http_errors_ratio";
        QCOMPARE(onPair, 1);
        QCOMPARE(findEffect(deploy, "b", "http_errors_ratio")->value, 0.5);
        QVERIFY(findEffect(deploy, "a", "http_errors_ratio"));
        QVERIFY(!deploy.deployVersion.empty());
        // No effects and a class the model does not know, with a ground truth: loaded as before, nothing synthesized.
        QVERIFY(s->faults[2].effects.empty());
        // The built-in faults keep exactly their hand-written effects.
        const Scenario shop = load("shop");
        QCOMPARE(shop.faults.front().effects.size(), std::size_t(8));
        QCOMPARE(shop.faults.front().propagation.size(), std::size_t(5));
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
