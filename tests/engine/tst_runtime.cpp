#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <thread>

#include "fabric/fabric.h"
#include "runtime/engine.h"
#include "scenario/scenario_library.h"
#include "storage/event_store.h"

using namespace Nocturne::Engine;

class TestRuntime : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void snapshotsUnderConcurrentWriters()
    {
        Engine::Options options;
        options.publishInterval = 2 * kMillisecond;
        options.detection = false; // counts below are of raw samples only
        Engine engine(options);
        constexpr int kWriters = 4, kBatches = 300, kBatchSize = 50;
        std::vector<SeriesId> ids;
        for (int w = 0; w < kWriters; ++w)
            ids.push_back(engine.store().intern(SeriesKey::make("m", {{"writer", std::to_string(w)}})));

        std::atomic<bool> done{false};
        std::atomic<bool> monotonic{true};
        std::atomic<int> snapshotsSeen{0};
        std::vector<std::thread> readers;
        for (int r = 0; r < 2; ++r) {
            readers.emplace_back([&] {
                std::uint64_t lastVersion = 0, lastSamples = 0;
                while (!done.load()) {
                    SnapshotPtr snap = engine.snapshot();
                    if (!snap)
                        continue;
                    // Published snapshots are immutable and ordered: never a version or a count going backwards.
                    if (snap->version < lastVersion || snap->store.appended < lastSamples)
                        monotonic = false;
                    lastVersion = snap->version;
                    lastSamples = snap->store.appended;
                    ++snapshotsSeen;
                }
            });
        }
        std::vector<std::thread> writers;
        for (int w = 0; w < kWriters; ++w) {
            writers.emplace_back([&, w] {
                std::vector<SampleRef> batch;
                for (int b = 0; b < kBatches; ++b) {
                    batch.clear();
                    for (int i = 0; i < kBatchSize; ++i)
                        batch.push_back({ids[w], Timestamp(b * kBatchSize + i), double(i)});
                    engine.ingestSamples(batch, "feed-" + std::to_string(w % 2));
                }
            });
        }
        for (auto &t : writers)
            t.join();
        QTRY_VERIFY(engine.snapshot()->store.appended == std::uint64_t(kWriters * kBatches * kBatchSize));
        done = true;
        for (auto &t : readers)
            t.join();
        QVERIFY(monotonic);
        QVERIFY(snapshotsSeen > 10);
        const SnapshotPtr final = engine.publishNow();
        QCOMPARE(final->feeds.size(), std::size_t(2));
        std::uint64_t perFeed = 0;
        for (const auto &f : final->feeds)
            perFeed += f.samples;
        QCOMPARE(perFeed, final->store.appended);
    }

    void replayAsFastAsPossible()
    {
        QTemporaryDir dir;
        Engine::Options options;
        options.eventDatabase = dir.filePath(QStringLiteral("events.sqlite")).toStdString();
        Engine engine(options);
        auto scenario = loadScenario("shop");
        QVERIFY2(scenario, scenario ? "" : scenario.error().toString().c_str());
        const Timestamp start = scenario->start;
        QVERIFY(engine.loadScenario(std::move(*scenario)));
        Engine::ReplayOptions replay;
        replay.speed = 0;
        replay.duration = 45 * kMinute;
        QVERIFY(engine.startReplay(replay));
        engine.waitForReplay();
        QVERIFY(engine.replayFinished());
        QVERIFY(engine.events()->flush());
        const SnapshotPtr snap = engine.publishNow();
        QCOMPARE(snap->simTime, start + 45 * kMinute);
        for (const auto &f : snap->feeds) {
            if (f.name != "scenario:shop")
                qWarning("unexpected feed %s %s %s", f.name.c_str(), feedStateName(f.state), f.lastError.c_str());
        }
        QCOMPARE(snap->feeds.size(), std::size_t(1));
        QCOMPARE(snap->feeds.front().state, FeedState::Finished);
        // 45 min at 10 s for every scenario series; the detectors add band series (lower, upper, score) beside them.
        const std::uint64_t sourceSeries = snap->feeds.front().samples / 270;
        QCOMPARE(snap->feeds.front().samples, sourceSeries * 270);
        // Settled traces add a requests and a self-time series per (service, operation), also with bands.
        const std::size_t traceSeries =
            engine.store().select({*LabelMatcher::make("__name__", LabelMatcher::Op::RegexMatch, "trace_operation_.*")}).size();
        QVERIFY(traceSeries > 0);
        QCOMPARE(snap->store.series, std::size_t((sourceSeries + traceSeries) * 4));
        QVERIFY(snap->store.appended > snap->feeds.front().samples * 3);
        // Anomaly events: the bad deploy at 42m is found on search; events reach SQLite when they close.
        bool searchEvent = false;
        for (const auto &e : snap->openAnomalies)
            searchEvent |= e.entity == "search";
        for (const auto &e : engine.closedAnomalies())
            searchEvent |= e.entity == "search" && e.onset >= start + 42 * kMinute;
        QVERIFY(searchEvent);
        QVERIFY(snap->anomalyCount >= 4);
        QVERIFY(snap->logCount > 1000);
        QVERIFY(snap->spanCount > 1000);
        // Deploy events reach SQLite: the scheduled catalog deploy and the bad search deploy.
        auto deploys = engine.events()->query(EventStore::Query{0, INT64_MAX, "deploy", {}, 100});
        QVERIFY(deploys);
        QCOMPARE(deploys->size(), std::size_t(2));
        auto anomalies = engine.events()->query(EventStore::Query{0, INT64_MAX, "anomaly", {}, 1000});
        QVERIFY(anomalies && !anomalies->empty());
        QVERIFY(QString::fromStdString(anomalies->front().attributes).contains(QStringLiteral("\"metrics\":[")));
        // Health: the estate has tiles and the last fault (bad deploy at 42m) shows on search.
        QVERIFY(snap->health.size() > 40);
        bool searchUnhealthy = false;
        for (const auto &h : snap->health)
            searchUnhealthy |= h.entity == "search" && h.state >= HealthState::Warning;
        QVERIFY(searchUnhealthy);
        QVERIFY(engine.startReplay(replay).has_value() == false); // one replay per engine
    }

    void incidentLogEvidenceAndConfirmedCauses()
    {
        // Half an hour of ordinary lines from "order", then a new error template while an alert on "order" is open:
        // the incident's log evidence names that template; confirming the cause teaches the association, which
        // survives a restart.
        QTemporaryDir dir;
        Engine::Options options;
        options.eventDatabase = dir.filePath(QStringLiteral("events.sqlite")).toStdString();
        options.detection = false;
        const Timestamp t0 = 1'700'000'000LL * kSecond;
        std::int64_t incidentId = 0;
        std::uint32_t lockTemplate = UINT32_MAX;
        {
            Engine engine(options);
            for (int minute = 0; minute < 30; ++minute) {
                std::vector<LogRecord> lines;
                for (int i = 0; i < 20; ++i)
                    lines.push_back({t0 + minute * kMinute + i * kSecond, "order", LogLevel::Info, "GET /api/orders/" + std::to_string(i) + " 200"});
                engine.ingestLogs(lines, "test");
                engine.advanceTo(t0 + (minute + 1) * kMinute);
            }
            AlertInput alert;
            alert.source = "test";
            alert.name = "OrderLatencyHigh";
            alert.entity = "order";
            alert.labels = {{"service", "order"}};
            alert.severity = AlertSeverity::Critical;
            alert.ts = t0 + 30 * kMinute;
            engine.ingestAlerts(std::span(&alert, 1));
            std::vector<LogRecord> errors;
            for (int i = 0; i < 15; ++i)
                errors.push_back({t0 + 30 * kMinute + i * kSecond, "order", LogLevel::Error, "Lock wait timeout exceeded; try restarting transaction"});
            engine.ingestLogs(errors, "test");
            engine.advanceTo(t0 + 32 * kMinute);
            const auto incidents = engine.publishNow()->incidents;
            QVERIFY(incidents && !incidents->empty());
            incidentId = incidents->front().id;
            const auto evidence = engine.incidentLogEvidence(incidentId);
            QVERIFY(!evidence.empty());
            for (const auto &a : evidence)
                if (a.templateText.find("Lock wait") != std::string::npos)
                    lockTemplate = a.templateId.value;
            QVERIFY(lockTemplate != UINT32_MAX);
            QCOMPARE(engine.templateAssociation(lockTemplate).second, 0.0);
            // Confirming needs a note and a person; then the template is associated with the class.
            QVERIFY(!engine.confirmIncidentCause(incidentId, "row_lock_contention", "alice", ""));
            QVERIFY(engine.confirmIncidentCause(incidentId, "row_lock_contention", "alice", "deadlock in order writes").has_value());
            const auto learnt = engine.templateAssociation(lockTemplate);
            QCOMPARE(learnt.first, std::string("row_lock_contention"));
            QVERIFY(learnt.second >= 1.0); // the only anomalous template so far: as often in the class as overall
            const auto inc = engine.incident(incidentId);
            QVERIFY(inc && inc->explanations.back().find("confirmed as row_lock_contention by alice") != std::string::npos);
            QVERIFY(!engine.confirmIncidentCause(999999, "x", "alice", "no such incident"));
            // War-room verdicts and notes: attributed, re-weighting, persisted.
            QVERIFY(!engine.recordCauseVerdict(incidentId, "order", "bad_deploy", false, "", "no person"));
            QVERIFY(engine.recordCauseVerdict(incidentId, "order", "bad_deploy", false, "bob", "no deploy today").has_value());
            QVERIFY(engine.addIncidentNote(incidentId, "carol", "paged the DB on-call").has_value());
            QVERIFY(!engine.addIncidentNote(incidentId, "carol", ""));
            QCOMPARE(engine.causeFeedbackWeight("order", "bad_deploy"), 0.5);
            const auto notes = engine.incidentNotes(incidentId);
            QCOMPARE(notes.size(), std::size_t(2));
            QCOMPARE(notes[0].who, std::string("bob"));
            QCOMPARE(notes[0].kind, std::string("reject"));
            QVERIFY(notes[0].text.find("rejected bad_deploy on order: no deploy today") != std::string::npos);
            QCOMPARE(notes[1].text, std::string("paged the DB on-call"));
            QVERIFY(notes[1].ts > 0);
        }
        Engine restarted(options);
        QCOMPARE(restarted.causeFeedbackWeight("order", "bad_deploy"), 0.5);
        QCOMPARE(restarted.incidentNotes(incidentId).size(), std::size_t(2));
        QCOMPARE(restarted.incidentNotes(incidentId)[1].who, std::string("carol"));
        QCOMPARE(restarted.templateAssociation(lockTemplate).first, std::string("row_lock_contention"));
        const auto inc = restarted.incident(incidentId);
        QVERIFY(inc && inc->explanations.back().find("confirmed as row_lock_contention") != std::string::npos);
    }

    void closedIncidentDiagnosisIsFrozenAndSurvivesARestart()
    {
        // An incident on "order" whose metric rose: ranked while open; once it resolved itself the ranking is frozen
        // (by the system, at its end), later data does not move it, an operator's re-rank replaces it, and the frozen
        // ranking comes back after a restart.
        QTemporaryDir dir;
        Engine::Options options;
        options.eventDatabase = dir.filePath(QStringLiteral("events.sqlite")).toStdString();
        options.detection = false;
        const Timestamp t0 = 1'700'000'000LL * kSecond;
        std::int64_t incidentId = 0;
        std::string firstCause;
        {
            Engine engine(options);
            const SeriesId latency = engine.store().intern(SeriesKey::make("http_request_duration_p99_seconds", {{"entity", "order"}}));
            const auto feedMinute = [&](int minute, double value) {
                std::vector<SampleRef> samples;
                for (int s = 0; s < 6; ++s)
                    samples.push_back({latency, t0 + minute * kMinute + s * 10 * kSecond, value + 0.001 * double((minute * 7 + s) % 5)});
                engine.ingestSamples(samples, "test");
                engine.advanceTo(t0 + (minute + 1) * kMinute);
            };
            for (int minute = 0; minute < 40; ++minute)
                feedMinute(minute, 0.2);
            AlertInput alert;
            alert.source = "test";
            alert.name = "OrderLatencyHigh";
            alert.entity = "order";
            alert.labels = {{"service", "order"}};
            alert.severity = AlertSeverity::Critical;
            alert.ts = t0 + 40 * kMinute;
            engine.ingestAlerts(std::span(&alert, 1));
            for (int minute = 40; minute < 45; ++minute)
                feedMinute(minute, 2.0);
            const auto incidents = engine.publishNow()->incidents;
            QVERIFY(incidents && !incidents->empty());
            incidentId = incidents->front().id;
            const auto open = engine.diagnoseIncident(incidentId);
            QVERIFY(open && !open->empty());
            QVERIFY(!engine.diagnosisFrozenAt(incidentId)); // open: live
            alert.resolved = true;
            alert.ts = t0 + 45 * kMinute;
            engine.ingestAlerts(std::span(&alert, 1));
            for (int minute = 45; minute < 60; ++minute) // past the hold-down: it resolves itself, and freezes
                feedMinute(minute, 0.2);
            QVERIFY(engine.incident(incidentId) && !engine.incident(incidentId)->open());
            QVERIFY(engine.diagnosisFrozenAt(incidentId).has_value());
            QCOMPARE(engine.diagnosisFrozenBy(incidentId), std::string("system"));
            const auto frozen = engine.diagnoseIncident(incidentId);
            QVERIFY(frozen && !frozen->empty());
            firstCause = frozen->front().entity;
            QCOMPARE(firstCause, std::string("order"));
            for (std::size_t i = 1; i < frozen->size(); ++i)
                QVERIFY((*frozen)[i - 1].confidence >= (*frozen)[i].confidence);
            for (const auto &e : frozen->front().evidence)
                QVERIFY2(e.text.find("×") != std::string::npos || e.text.find("rose") != std::string::npos, e.text.c_str());
            QVERIFY(!engine.rerankIncident(incidentId, "").has_value()); // a re-rank needs a person
            QVERIFY(engine.rerankIncident(incidentId, "alice").has_value());
            QCOMPARE(engine.diagnosisFrozenBy(incidentId), std::string("alice"));
        }
        Engine restarted(options);
        QCOMPARE(restarted.diagnosisFrozenBy(incidentId), std::string("alice"));
        const auto again = restarted.diagnoseIncident(incidentId);
        QVERIFY(again && !again->empty());
        QCOMPARE(again->front().entity, firstCause);
    }

    void loadedFabricGroupsAlertsAcrossACable()
    {
        // A fabric loaded from a file (no scenario) joins the graph grouping reads: errors on both ends of one cable
        // are one incident, explained by the cable.
        const char *yaml = R"(switches: [{name: leaf-0}, {name: leaf-1}, {name: spine-0}]
servers:
  - {name: h0, gpus: 2, nics: [{name: eth0, rail: 0, switch: leaf-0, port: 1}, {name: eth1, rail: 1, switch: leaf-1, port: 1}]}
  - {name: h1, gpus: 2, nics: [{name: eth0, rail: 0, switch: leaf-0, port: 2}, {name: eth1, rail: 1, switch: leaf-1, port: 2}]}
links: [{a: leaf-0/p9, b: spine-0/p1}, {a: leaf-1/p9, b: spine-0/p2}]
)";
        auto fabric = importFabricYaml(yaml, "roce.yaml");
        QVERIFY2(fabric.has_value(), fabric ? "" : fabric.error().toString().c_str());
        Engine::Options options;
        options.detection = false;
        Engine engine(options);
        engine.loadFabric(std::move(*fabric));
        const Timestamp t0 = 1'700'000'000LL * kSecond;
        const auto fire = [&](const std::string &entity, Timestamp ts) {
            AlertInput alert;
            alert.source = "test";
            alert.name = "PortSymbolErrors";
            alert.entity = entity;
            alert.labels = {{"port", entity}};
            alert.severity = AlertSeverity::Critical;
            alert.ts = ts;
            engine.ingestAlerts(std::span(&alert, 1));
        };
        fire("leaf-0/p09", t0);
        fire("spine-0/p01", t0 + 10 * kSecond); // the other end of the cable
        const auto incidents = engine.publishNow()->incidents;
        QVERIFY(incidents);
        std::map<std::string, std::int64_t> incidentOf;
        for (const Incident &i : *incidents)
            for (const std::string &e : i.entities)
                incidentOf[e] = i.id;
        QVERIFY(incidentOf.count("leaf-0/p09"));
        QCOMPARE(incidentOf["spine-0/p01"], incidentOf["leaf-0/p09"]);
        const auto incident = engine.incident(incidentOf["leaf-0/p09"]);
        QVERIFY(incident && incident->explanations.size() == 2);
        QVERIFY2(incident->explanations[1].find("depends on leaf-0/p09 (1 hop(s))") != std::string::npos, incident->explanations[1].c_str());
    }

    void tracesBecomeSelfTimeSeries()
    {
        Engine::Options options;
        options.detection = false;
        Engine engine(options);
        const Timestamp t0 = 1'700'000'020LL * kSecond;
        std::vector<SpanRecord> spans;
        for (std::uint64_t trace = 1; trace <= 3; ++trace) {
            SpanRecord root;
            root.traceId = trace;
            root.spanId = 1;
            root.service = "api";
            root.operation = "GET /orders";
            root.start = t0 + Timestamp(trace) * kSecond;
            root.duration = 100 * kMillisecond;
            SpanRecord db = root;
            db.spanId = 2;
            db.parentSpanId = 1;
            db.operation = "SELECT orders";
            db.peer = "mysql";
            db.start = root.start + 10 * kMillisecond;
            db.duration = 30 * kMillisecond;
            spans.push_back(root);
            spans.push_back(db);
        }
        engine.ingestSpans(spans, "test");
        engine.advanceTo(t0 + 10 * kSecond); // traces not settled yet: nothing
        auto selfSeries = [&] {
            return engine.store().select({*LabelMatcher::make("__name__", LabelMatcher::Op::Equal, "trace_operation_self_seconds"),
                                          *LabelMatcher::make("operation", LabelMatcher::Op::Equal, "GET /orders")});
        };
        QVERIFY(selfSeries().empty());
        engine.advanceTo(t0 + 2 * kMinute);
        const auto ids = selfSeries();
        QCOMPARE(ids.size(), std::size_t(1));
        const auto samples = engine.store().range(ids.front(), 0, t0 + kHour);
        QCOMPARE(samples.size(), std::size_t(1));
        QCOMPARE(samples.front().ts, t0 - t0 % kMinute); // the minute of the spans
        QVERIFY(std::abs(samples.front().value - 0.070) < 1e-9); // 100 ms − 30 ms of its query
        const auto requests = engine.store().select({*LabelMatcher::make("__name__", LabelMatcher::Op::Equal, "trace_operation_requests_per_minute"),
                                                     *LabelMatcher::make("operation", LabelMatcher::Op::Equal, "SELECT orders")});
        QCOMPARE(requests.size(), std::size_t(1));
        QCOMPARE(engine.store().range(requests.front(), 0, t0 + kHour).front().value, 3.0);
        // The calls joined the estate's graph (merged once a minute), with their rate.
        const auto graph = engine.topology();
        const auto edge = std::find_if(graph.edges.begin(), graph.edges.end(), [](const TopologyEdge &e) { return e.from == "api" && e.to == "mysql"; });
        QVERIFY(edge != graph.edges.end());
        QCOMPARE(edge->source, std::string("traces"));
        QVERIFY(edge->rps > 0);
        QVERIFY(engine.mergeTopologyYaml("edges:\n  - {from: api, to: redis}\n", "estate.yaml").has_value());
        QCOMPARE(engine.topology().edges.size(), graph.edges.size() + 1);
        const auto bad = engine.mergeTopologyYaml("edges: [", "estate.yaml");
        QVERIFY(!bad && bad.error().context.rfind("estate.yaml:", 0) == 0);
    }

    void templateIdsSurviveARestart()
    {
        QTemporaryDir dir;
        Engine::Options options;
        options.eventDatabase = dir.filePath(QStringLiteral("events.sqlite")).toStdString();
        std::vector<TemplateStats> before;
        {
            Engine engine(options);
            engine.ingestLogs(std::vector<LogRecord>{{1, "order", LogLevel::Error, "Lock wait timeout exceeded (waited 50 ms)"},
                                                     {2, "order", LogLevel::Info, "GET /api/orders/17 200"}},
                              "test");
            before = engine.templateStats();
        }
        Engine engine(options);
        auto after = engine.templateStats();
        QCOMPARE(after.size(), before.size());
        engine.ingestLogs(std::vector<LogRecord>{{3, "order", LogLevel::Error, "Lock wait timeout exceeded (waited 70 ms)"}}, "test");
        const auto rows = engine.queryLogs(Engine::LogQuery{});
        QCOMPARE(rows.size(), std::size_t(1));
        std::uint32_t lockId = UINT32_MAX;
        for (const auto &t : before)
            lockId = t.text.find("Lock wait") != std::string::npos ? t.id.value : lockId;
        QCOMPARE(rows.front().record.templateId, lockId); // the same id as before the restart
    }

    void pacedReplayFollowsSpeed()
    {
        Engine engine;
        auto scenario = loadScenario("shop");
        QVERIFY(scenario);
        const Timestamp start = scenario->start;
        QVERIFY(engine.loadScenario(std::move(*scenario)));
        Engine::ReplayOptions replay;
        replay.speed = 600; // 10 simulated minutes per wall second
        replay.history = 5 * kMinute;
        QVERIFY(engine.startReplay(replay));
        QTRY_VERIFY_WITH_TIMEOUT(engine.clock().now() >= start, 5000); // history is loaded at once
        QTest::qWait(500);
        const Timestamp simulated = engine.clock().now() - start;
        engine.stop();
        QVERIFY2(simulated >= 3 * kMinute && simulated <= 7 * kMinute, std::to_string(simulated / kSecond).c_str());
    }

    void unknownScenarioIsAnError()
    {
        auto scenario = loadScenario("no-such-estate");
        QVERIFY(!scenario);
        QCOMPARE(scenario.error().code, ErrorCode::NotFound);
        QVERIFY(QString::fromStdString(scenario.error().message).contains(QStringLiteral("shop")));
        QVERIFY(!loadScenario("/nonexistent/file.yaml"));
    }

    void brokenEventDatabaseDegradesInsteadOfFailing()
    {
        Engine::Options options;
        options.eventDatabase = "/nonexistent-dir/events.sqlite";
        Engine engine(options);
        QVERIFY(!engine.events());
        const SnapshotPtr snap = engine.publishNow();
        QCOMPARE(snap->feeds.size(), std::size_t(1));
        QCOMPARE(snap->feeds.front().state, FeedState::Down);
        QVERIFY(!snap->feeds.front().lastError.empty());
    }
};

QTEST_GUILESS_MAIN(TestRuntime)
#include "tst_runtime.moc"
