// Root-cause ranking from metric evidence on hand-made incidents.
#include <QTest>

#include <cmath>

#include "diagnose/root_cause.h"

using namespace Nocturne::Engine;

namespace {
std::vector<double> series(std::size_t n, double level, double noise, std::uint64_t seed, double stepAt = -1, double stepTo = 0)
{
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        const double u = double(seed >> 11) / double(1ull << 53) - 0.5;
        v[i] = (stepAt >= 0 && double(i) >= stepAt ? stepTo : level) + noise * u;
    }
    return v;
}

RcaMetric metric(const char *entity, const char *kind, std::vector<double> normal, std::vector<double> incident)
{
    RcaMetric m;
    m.entity = entity;
    m.kind = kind;
    m.name = std::string(entity) + "_" + kind;
    m.normal = std::move(normal);
    m.incident = std::move(incident);
    return m;
}
} // namespace

class TestRootCause : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void cpuHogRanksFirstWithItsClass()
    {
        RcaInput in;
        in.onset = 1000 * kSecond;
        in.candidates = {"carts", "carts-db", "front-end", "user-db"};
        in.metrics.push_back(metric("carts", "cpu", series(300, 1.2, 0.4, 1), series(300, 1.2, 0.4, 2, 20, 100)));
        in.metrics.push_back(metric("carts", "latency", series(300, 0.05, 0.01, 3), series(300, 0.05, 0.01, 4, 25, 0.4)));
        // A symptom upstream: latency up, later and less.
        in.metrics.push_back(metric("front-end", "latency", series(300, 0.1, 0.02, 5), series(300, 0.1, 0.02, 6, 30, 0.3)));
        // A database restarted between the windows: memory far lower. A fall of memory is not a cause.
        in.metrics.push_back(metric("user-db", "mem", series(300, 7e8, 1e5, 7), series(300, 2.4e8, 1e5, 8)));
        in.metrics.push_back(metric("carts-db", "cpu", series(300, 5, 1, 9), series(300, 5, 1, 10)));
        const auto ranked = rankRootCauses(in);
        QCOMPARE(ranked.size(), std::size_t(4));
        QCOMPARE(ranked[0].entity, std::string("carts"));
        QCOMPARE(ranked[0].faultClass, std::string("cpu_saturation"));
        QVERIFY(ranked[0].confidence > 0.5);
        QCOMPARE(ranked[0].evidence.front().metric, std::string("carts_cpu"));
        QCOMPARE(ranked[0].evidence.front().onset, in.onset + 20 * kSecond); // first sample past the threshold
        QVERIFY(!ranked[0].disproof.empty());
        QCOMPARE(ranked[1].entity, std::string("front-end"));
        QCOMPARE(ranked.back().score, 0.0); // user-db: only a fall
    }

    void memoryLeakAndTies()
    {
        RcaInput in;
        in.onset = 0;
        // A slow ramp of memory on orders.
        std::vector<double> ramp(300);
        for (std::size_t i = 0; i < ramp.size(); ++i)
            ramp[i] = 3e8 + 2e6 * double(i);
        in.metrics.push_back(metric("orders", "mem", series(300, 3e8, 1e6, 1), ramp));
        in.metrics.push_back(metric("payment", "mem", series(300, 1e8, 1e6, 2), series(300, 1e8, 1e6, 3)));
        const auto ranked = rankRootCauses(in); // candidates from the metrics
        QCOMPARE(ranked.front().entity, std::string("orders"));
        QCOMPARE(ranked.front().faultClass, std::string("memory_leak"));
        // Equal evidence: the earlier onset first (and a strict order, whatever the input order).
        RcaInput tie;
        tie.metrics.push_back(metric("b", "cpu", {1, 1, 1, 2}, {1, 1, 9, 9}));
        tie.metrics.push_back(metric("a", "cpu", {1, 1, 1, 2}, {1, 9, 9, 9}));
        tie.metrics.back().incidentTimes = {1, 2, 3, 4};
        tie.metrics.front().incidentTimes = {1, 2, 3, 4};
        const auto t = rankRootCauses(tie);
        QCOMPARE(t.front().entity, std::string("a"));
    }

    void topologyExplainsAway()
    {
        // site → api → db (the root: slow) ; site → api_remote (the caller's view of api: slow too, an observer);
        // site → queue (normal) → worker (slow, but not on an anomalous path from the symptom).
        const auto slow = [](const char *e, double level, std::uint64_t seed) {
            return metric(e, "latency", series(200, level, 0.1 * level, seed), series(20, level, 0.1 * level, seed + 1, 5, 10 * level));
        };
        const auto calm = [](const char *e, double level, std::uint64_t seed) {
            return metric(e, "latency", series(200, level, 0.1 * level, seed), series(20, level, 0.1 * level, seed + 1));
        };
        RcaInput in;
        in.target = "site";
        in.targetKind = "latency";
        in.calls = {{"site", "api"}, {"api", "db"}, {"site", "api_remote"}, {"site", "queue"}, {"queue", "worker"}};
        in.metrics = {slow("site", 1, 1), slow("api", 0.5, 3), slow("db", 0.1, 5), slow("api_remote", 0.5, 7), calm("queue", 0.2, 9),
                      slow("worker", 0.3, 11)};
        // An error-rate metric far off its reference does not walk a latency graph.
        in.metrics.push_back(metric("queue", "errors", series(200, 0, 0.01, 13), series(20, 50, 1, 14)));
        in.observers = {"api_remote"};
        const auto ranked = rankRootCauses(in);
        QCOMPARE(ranked.at(0).entity, std::string("db"));         // anomalous, connected, callees normal
        QCOMPARE(ranked.at(1).entity, std::string("api_remote")); // same tier, but an observer
        QCOMPARE(ranked.at(2).entity, std::string("api"));        // explained by db
        QCOMPARE(ranked.at(3).entity, std::string("site"));
        QCOMPARE(ranked.at(4).entity, std::string("worker"));     // anomalous but behind a normal queue
    }

    void gapsAndFlatReferences()
    {
        RcaInput in;
        const double nan = std::nan("");
        in.metrics.push_back(metric("x", "traffic", {5, 5, 5, 5}, {5, nan, 0, 0})); // traffic counts both ways
        in.metrics.push_back(metric("y", "cpu", {nan, nan}, {1, 2}));             // no reference: no score
        in.metrics.push_back(metric("z", "cpu", {2, 2, 2}, {2, 2, 2}));           // flat and unchanged
        const auto ranked = rankRootCauses(in);
        QCOMPARE(ranked.front().entity, std::string("x"));
        QCOMPARE(ranked.front().faultClass, std::string("traffic_drop"));
        for (const auto &c : ranked)
            QVERIFY(std::isfinite(c.score) && std::isfinite(c.confidence));
    }
};

QTEST_GUILESS_MAIN(TestRootCause)
#include "tst_root_cause.moc"
