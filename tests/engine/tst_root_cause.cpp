// Root-cause ranking from metric evidence on hand-made incidents; the estate graph, propagation paths, blast radius,
// lagged correlation, the knowledge base and operators' feedback.
#include <QTest>

#include <algorithm>
#include <cmath>

#include "diagnose/diagnosis.h"
#include "diagnose/root_cause.h"
#include "diagnose/trace_analytics.h"
#include "model/topology.h"

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
        // Tiers weigh the scores (tenfold a step); an observer ranks after the real components it mirrors.
        const auto position = [&](const char *entity) {
            return std::find_if(ranked.begin(), ranked.end(), [&](const RcaCandidate &c) { return c.entity == entity; }) - ranked.begin();
        };
        QCOMPARE(ranked.at(0).entity, std::string("db")); // anomalous, connected, callees normal
        QVERIFY(position("api") < position("api_remote")); // explained by db; its observer after it
        QVERIFY(position("site") < position("worker"));     // worker: anomalous but behind a normal queue
        QVERIFY(position("api") < position("worker"));
        for (std::size_t i = 1; i < ranked.size(); ++i)
            QVERIFY(ranked[i - 1].confidence >= ranked[i].confidence); // the order is the confidence shown
    }

    void hostileGraphsHaveDefinedRankings()
    {
        // Cycles, self-calls, calls to entities without metrics, a target that is not in the graph, one entity.
        const auto slow = [](const char *e, std::uint64_t seed) {
            return metric(e, "latency", series(100, 1, 0.1, seed), series(20, 1, 0.1, seed + 1, 5, 10));
        };
        const auto calm = [](const char *e, std::uint64_t seed) { return metric(e, "latency", series(100, 1, 0.1, seed), series(20, 1, 0.1, seed + 1)); };
        RcaInput in;
        in.target = "a";
        in.calls = {{"a", "b"}, {"b", "c"}, {"c", "a"}, {"b", "b"}, {"c", "ghost"}};
        in.metrics = {calm("a", 1), slow("b", 3), calm("c", 5)};
        const auto ranked = rankRootCauses(in);
        QCOMPARE(ranked.size(), std::size_t(3));
        QCOMPARE(ranked.front().entity, std::string("b"));
        auto walked = ranked;
        applyRandomWalk(walked, in);
        enrichCandidates(walked, in);
        QCOMPARE(walked.front().entity, std::string("b"));
        in.target = "not-in-graph";
        QCOMPARE(rankRootCauses(in).front().entity, std::string("b"));
        RcaInput one;
        one.metrics = {slow("only", 7)};
        one.target = "only";
        one.calls = {{"only", "only"}};
        const auto lone = rankRootCauses(one);
        QCOMPARE(lone.size(), std::size_t(1));
        QCOMPARE(lone.front().confidence, 1.0);
        QVERIFY(rankRootCauses(RcaInput{}).empty());
        // The evidence offered is evidence of abnormality, in units: nothing from a calm entity, a falling latency never.
        for (const RcaCandidate &c : ranked)
            for (const RcaEvidence &e : c.evidence)
                QVERIFY2(e.score >= 4 && e.direction > 0, e.text.c_str());
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
    void pathBlastRadiusAndLaggedCorrelation()
    {
        // gateway → order → {payment, inventory → mysql}; mysql's lock waits lead order's latency by 3 samples.
        RcaInput in;
        in.calls = {{"gateway", "order"}, {"order", "payment"}, {"order", "inventory"}, {"inventory", "mysql"}, {"web", "inventory"}};
        in.callRates = {100, 60, 80, 90, 20};
        in.target = "gateway";
        in.onset = 1000 * kSecond;
        std::vector<double> lead = series(400, 1, 0.05, 21);
        for (std::size_t i = 0; i < lead.size(); ++i)
            lead[i] += (i % 37 < 12 ? 3.0 : 0.0) * (i >= 300); // bursts in the incident window
        std::vector<double> follow(lead.size(), 0.2);
        for (std::size_t i = 3; i < lead.size(); ++i)
            follow[i] = 0.2 + 0.1 * lead[i - 3];
        auto split = [](const std::vector<double> &v, std::vector<double> &a, std::vector<double> &b) {
            a.assign(v.begin(), v.begin() + 300);
            b.assign(v.begin() + 300, v.end());
        };
        RcaMetric mysql, gateway;
        mysql.entity = "mysql", mysql.name = "mysql_row_lock_waits", mysql.kind = "";
        gateway.entity = "gateway", gateway.name = "gateway_latency", gateway.kind = "latency";
        split(lead, mysql.normal, mysql.incident);
        split(follow, gateway.normal, gateway.incident);
        for (std::size_t i = 0; i < gateway.incident.size(); ++i)
            gateway.incidentTimes.push_back(in.onset + Timestamp(i) * 15 * kSecond);
        in.metrics = {mysql, gateway};
        auto ranked = rankRootCauses(in);
        enrichCandidates(ranked, in);
        const auto it = std::find_if(ranked.begin(), ranked.end(), [](const RcaCandidate &c) { return c.entity == "mysql"; });
        QVERIFY(it != ranked.end());
        QCOMPARE(it->propagationPath, (std::vector<std::string>{"mysql", "inventory", "order", "gateway"}));
        std::vector<std::string> blast = it->blastRadius;
        std::sort(blast.begin(), blast.end());
        QCOMPARE(blast, (std::vector<std::string>{"gateway", "inventory", "order", "web"}));
        QCOMPARE(it->requestShare, 1.0); // both entries (gateway, web) reach it
        QVERIFY(std::abs(it->evidence.front().correlation) > 0.9);
        QCOMPARE(it->evidence.front().lagSeconds, 45.0); // 3 samples of 15 s
        QVERIFY(it->evidence.front().text.find("45 s ahead of it") != std::string::npos);
    }

    void randomWalkConcentratesOnTheSource()
    {
        // front → api → {db, cache}; db is far more anomalous than anything it calls (nothing) and than cache.
        RcaInput in;
        in.calls = {{"front", "api"}, {"api", "db"}, {"api", "cache"}};
        in.target = "front";
        std::vector<RcaCandidate> ranked(3);
        ranked[0].entity = "api", ranked[0].score = 10;
        ranked[1].entity = "db", ranked[1].score = 9.5;
        ranked[2].entity = "cache", ranked[2].score = 2;
        applyRandomWalk(ranked, in);
        QCOMPARE(ranked[0].entity, std::string("db")); // the walk stays at db: it explains api
        QCOMPARE(ranked[0].walkScore, 1.0);
        QVERIFY(ranked[1].walkScore < 1.0);
        std::vector<RcaCandidate> alone(ranked);
        applyRandomWalk(alone, RcaInput{}); // no graph: nothing changes
        QCOMPARE(alone[0].score, ranked[0].score);
    }

    void knowledgeBaseNamesTheFaultAndActs()
    {
        const KnowledgeBase &kb = KnowledgeBase::builtIn();
        QVERIFY(kb.patterns().size() >= 10); // the compiled-in file parsed
        RcaCandidate cache;
        cache.entity = "redis-3";
        cache.score = 10;
        cache.evidence.push_back({"redis_keyspace_hit_ratio", "", 12, -1, 0, 0.25, 0.95, "hit ratio fell"});
        cache.evidence.push_back({"log", "log", 6, 0, 0, 0, 0, "log new_template: -MOVED <*> <*>:6379"});
        RcaCandidate service;
        service.entity = "order";
        service.score = 11;
        service.evidence.push_back({"http_request_duration_p99_seconds", "latency", 11, 1, 0, 2, 0.3, "p99 rose"});
        std::vector<RcaCandidate> ranked{service, cache};
        kb.apply(ranked, {{"redis-3", "cache"}, {"order", "service"}});
        QCOMPARE(ranked[0].entity, std::string("redis-3")); // 10 × 1.5 > 11
        QCOMPARE(ranked[0].faultClass, std::string("redis_slot_migration"));
        QVERIFY(ranked[0].action.find("redis-3") != std::string::npos);
        QVERIFY(ranked[1].pattern.empty()); // latency alone matches no pattern
        // The same evidence on a service is not a cache fault (entity kinds gate patterns).
        QVERIFY(!kb.match(cache, "service"));
        // A deploy before the errors: bad deploy, whatever the entity.
        RcaCandidate search;
        search.entity = "search";
        search.evidence.push_back({"http_errors_ratio", "errors", 30, 1, 0, 0.18, 0.002, ""});
        search.evidence.push_back({"deploy", "change", 0, 0, 0, 0, 0, "deploy v2.4.0"});
        QVERIFY(kb.match(search, "service"));
        QCOMPARE(kb.match(search, "service")->faultClass, std::string("bad_deploy"));
        // Errors name file, line and column.
        const auto bad = KnowledgeBase::parse("patterns:\n  - name: x\n    all:\n      - {metric: \"~(\", direction: rise}\n    fault_class: y\n", "kb.yaml");
        QVERIFY(!bad);
        QVERIFY2(bad.error().context.rfind("kb.yaml:4:", 0) == 0, bad.error().context.c_str());
        const auto unknown = KnowledgeBase::parse("patterns:\n  - name: x\n    al: []\n", "kb.yaml");
        QVERIFY(!unknown);
        QVERIFY(unknown.error().message.find("unknown pattern key") != std::string::npos);
    }

    void knowledgeRegexesIgnoreCaseAndMatchAnywhere()
    {
        const auto kb = KnowledgeBase::parse("patterns:\n"
                                             "  - name: pool\n"
                                             "    all:\n"
                                             "      - {metric: \"~POOL_(active|wait)\", direction: rise}\n"
                                             "    any:\n"
                                             "      - {log: \"~connection pool EXHAUSTED\"}\n"
                                             "    fault_class: connection_pool_exhausted\n",
                                             "kb.yaml");
        QVERIFY2(kb, kb ? "" : kb.error().toString().c_str());
        RcaCandidate db;
        db.entity = "orders-db";
        db.evidence.push_back({"hikari_pool_wait_seconds", "", 9, 1, 0, 2, 0.1, ""});
        QVERIFY(!kb->match(db, "database")); // `any` needs the log line
        db.evidence.push_back({"log", "log", 5, 0, 0, 0, 0, "ERROR Connection Pool exhausted after 30000ms"});
        QVERIFY(kb->match(db, "database"));
        // Metric patterns are searched, not anchored: a prefix alone is enough, a different name is not.
        db.evidence.front().metric = "pool_active";
        QVERIFY(kb->match(db, "database"));
        db.evidence.front().metric = "thread_pool_size";
        QVERIFY(!kb->match(db, "database"));
    }

    void knowledgeRegexErrorsArePositioned()
    {
        const auto bad = KnowledgeBase::parse(
            "patterns:\n  - name: x\n    all:\n      - {log: \"~a(b\"}\n    fault_class: y\n", "kb.yaml");
        QVERIFY(!bad);
        QVERIFY2(bad.error().context.rfind("kb.yaml:4:", 0) == 0, bad.error().context.c_str());
        QVERIFY2(bad.error().message.find("offset") != std::string::npos, bad.error().message.c_str());
    }

    void pathologicalKnowledgeRegexReturns()
    {
        // Exponential for a backtracking engine, linear for RE2. The test finishing is the assertion.
        const auto kb = KnowledgeBase::parse(
            "patterns:\n  - name: x\n    all:\n      - {log: \"~(a+)+$\"}\n    fault_class: y\n", "kb.yaml");
        QVERIFY(kb);
        RcaCandidate c;
        c.entity = "x";
        c.evidence.push_back({"log", "log", 5, 0, 0, 0, 0, std::string(100000, 'a') + 'b'});
        QVERIFY(!kb->match(c, "service"));
    }

    void feedbackReweightsLaterRankings()
    {
        RcaFeedback feedback;
        std::vector<RcaCandidate> ranked(2);
        ranked[0].entity = "mysql", ranked[0].faultClass = "row_lock_contention", ranked[0].score = 10;
        ranked[1].entity = "payment", ranked[1].faultClass = "connection_pool_exhausted", ranked[1].score = 9;
        auto once = ranked;
        applyFeedback(once, feedback);
        QCOMPARE(once[0].entity, std::string("mysql")); // no verdicts: unchanged
        feedback.record("mysql", "row_lock_contention", false);
        feedback.record("payment", "connection_pool_exhausted", true);
        QCOMPARE(feedback.weight("mysql", "row_lock_contention"), 0.5);
        QCOMPARE(feedback.weight("payment", "connection_pool_exhausted"), 2.0);
        QCOMPARE(feedback.weight("other", "connection_pool_exhausted"), 1.5); // the class elsewhere counts half
        auto again = ranked;
        applyFeedback(again, feedback);
        QCOMPARE(again[0].entity, std::string("payment"));
        QVERIFY(again[0].confidence > again[1].confidence);
        // Even alone in the walk's first tier, a rejected candidate drops behind a confirmed one a step below it, and
        // a verdict never turns a real component into an observer (odd tiers carry the observer's penalty).
        ranked[0].tier = 0, ranked[1].tier = 2;
        applyFeedback(ranked, feedback);
        QCOMPARE(ranked[0].entity, std::string("payment"));
        for (const RcaCandidate &c : ranked)
            QCOMPARE(c.tier % 2, 0);
        RcaFeedback restored;
        restored.importRows(feedback.exportRows());
        QCOMPARE(restored.weight("mysql", "row_lock_contention"), 0.5);
    }

    void topologyMergesSourcesWithoutPhantomEdges()
    {
        Topology t;
        QVERIFY(t.mergeYaml("nodes:\n  - {id: order, kind: service}\n  - {id: mysql, kind: database}\nedges:\n"
                            "  - {from: order, to: mysql, kind: calls, share: 0.5}\n",
                            100, "estate.yaml"));
        QCOMPARE(t.node("mysql")->kind, TopologyNodeKind::Database);
        // Traces: the same call again (merged, stats updated) and a new one; pods reusing an address never matter
        // because spans match on ids within their trace (analyseTraces) and nodes are keyed by service name.
        std::vector<SpanRecord> spans(3);
        spans[0].traceId = 1, spans[0].spanId = 10, spans[0].service = "order", spans[0].operation = "GET /order";
        spans[0].start = 0, spans[0].duration = 10 * kMillisecond;
        spans[1].traceId = 1, spans[1].spanId = 11, spans[1].parentSpanId = 10, spans[1].service = "mysql";
        spans[1].operation = "SELECT", spans[1].start = 1, spans[1].duration = 5 * kMillisecond;
        spans[2].traceId = 2, spans[2].spanId = 10, spans[2].service = "cart", spans[2].operation = "GET /cart"; // same span id, other trace
        spans[2].start = 0, spans[2].duration = kMillisecond;
        t.mergeTraces(analyseTraces(spans), 200, kMinute);
        QCOMPARE(t.edges().size(), std::size_t(1)); // no cart → mysql phantom from the reused span id
        QVERIFY(t.edges()[0].rps > 0);
        QCOMPARE(t.edges()[0].source, std::string("estate.yaml")); // declared first, stays declared
        QCOMPARE(t.node("cart")->source, std::string("traces"));
        // Observed-only things expire; declared ones stay.
        t.mergeTraces(analyseTraces(std::vector<SpanRecord>{}), 300, kMinute);
        QCOMPARE(t.expire(200 + 2 * kHour), std::size_t(1)); // cart
        QVERIFY(!t.node("cart"));
        QVERIFY(t.node("order"));
        QCOMPARE(t.callPath("order", "mysql"), (std::vector<std::string>{"order", "mysql"}));
        QCOMPARE(t.transitiveCallers("mysql"), (std::vector<std::string>{"order"}));
        // Bad YAML names the line and column; nothing is merged.
        const std::uint64_t version = t.version();
        const auto bad = t.mergeYaml("nodes:\n  - {id: a}\nedges:\n  - {from: a, to: b, kind: flies}\n", 400, "bad.yaml");
        QVERIFY(!bad);
        QVERIFY2(bad.error().context.rfind("bad.yaml:4:", 0) == 0, bad.error().context.c_str());
        QCOMPARE(t.version(), version);
        QVERIFY(!t.node("a"));
    }
};

QTEST_GUILESS_MAIN(TestRootCause)
#include "tst_root_cause.moc"
