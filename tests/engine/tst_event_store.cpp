#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include "storage/diagnosis_codec.h"
#include "storage/event_store.h"
#include "runtime/engine.h"

#include <cmath>

using namespace Nocturne::Engine;

namespace {
EventRecord makeEvent(Timestamp ts, std::string kind, std::string entity, std::string title)
{
    EventRecord r;
    r.ts = ts;
    r.kind = std::move(kind);
    r.entity = std::move(entity);
    r.title = std::move(title);
    r.source = "test";
    return r;
}

std::string pragma(const std::string &path, const char *sql)
{
    sqlite3 *db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_stmt *stmt = nullptr;
    sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        out = reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
}

void execRaw(const std::string &path, const std::string &sql)
{
    sqlite3 *db = nullptr;
    QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char *error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK)
        qWarning("%s", error);
    sqlite3_free(error);
    sqlite3_close(db);
    QCOMPARE(rc, SQLITE_OK);
}

// A closed incident's ranking: two candidates, evidence with and without a lagged correlation.
std::vector<RcaCandidate> frozenRanking()
{
    RcaEvidence cpu;
    cpu.metric = "carts_cpu_seconds";
    cpu.kind = "cpu";
    cpu.score = 14.2;
    cpu.direction = 1;
    cpu.onset = 1'772'447'465'123'456'789;
    cpu.value = 0.93;
    cpu.reference = 0.21;
    cpu.text = "carts CPU rose to 93 % (usually 21 %) at 10:31:05";
    cpu.correlation = 0.87;
    cpu.lagSeconds = 30;
    RcaEvidence log;
    log.metric = "log:carts#17";
    log.kind = "log";
    log.score = 8;
    log.text = "new template: Lock wait timeout <*> 'quoted' \"double\"";
    RcaCandidate carts;
    carts.entity = "carts";
    carts.faultClass = "cpu_saturation";
    carts.score = 42.5;
    carts.confidence = 0.8;
    carts.evidence = {cpu, log};
    carts.disproof = "carts CPU normal while orders stays slow";
    carts.propagationPath = {"carts", "orders", "front-end"};
    carts.blastRadius = {"orders", "front-end"};
    carts.requestShare = 0.4;
    carts.pattern = "cpu-saturation";
    carts.action = "scale carts out";
    carts.feedbackWeight = 1.25;
    carts.walkScore = 1;
    RcaCandidate db;
    db.entity = "mysql-primary";
    db.faultClass = "latency";
    db.score = 10.5;
    db.confidence = 0.2;
    db.tier = 2;
    return {carts, db};
}

void verifySameRanking(const std::vector<RcaCandidate> &got, const std::vector<RcaCandidate> &want)
{
    QCOMPARE(got.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        QCOMPARE(got[i].entity, want[i].entity);
        QCOMPARE(got[i].faultClass, want[i].faultClass);
        QCOMPARE(got[i].score, want[i].score);
        QCOMPARE(got[i].confidence, want[i].confidence);
        QCOMPARE(got[i].tier, want[i].tier);
        QCOMPARE(got[i].disproof, want[i].disproof);
        QCOMPARE(got[i].propagationPath, want[i].propagationPath);
        QCOMPARE(got[i].blastRadius, want[i].blastRadius);
        QCOMPARE(got[i].requestShare, want[i].requestShare);
        QCOMPARE(got[i].pattern, want[i].pattern);
        QCOMPARE(got[i].action, want[i].action);
        QCOMPARE(got[i].feedbackWeight, want[i].feedbackWeight);
        QCOMPARE(got[i].walkScore, want[i].walkScore);
        QCOMPARE(got[i].evidence.size(), want[i].evidence.size());
        for (std::size_t j = 0; j < want[i].evidence.size(); ++j) {
            const RcaEvidence &g = got[i].evidence[j], &w = want[i].evidence[j];
            QCOMPARE(g.metric, w.metric);
            QCOMPARE(g.kind, w.kind);
            QCOMPARE(g.score, w.score);
            QCOMPARE(g.direction, w.direction);
            QCOMPARE(g.onset, w.onset);
            QCOMPARE(g.value, w.value);
            QCOMPARE(g.reference, w.reference);
            QCOMPARE(g.text, w.text);
            QCOMPARE(std::isnan(g.correlation), std::isnan(w.correlation));
            if (!std::isnan(w.correlation))
                QCOMPARE(g.correlation, w.correlation);
            QCOMPARE(g.lagSeconds, w.lagSeconds);
        }
    }
}
} // namespace

class TestEventStore : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void createsCurrentSchemaInWalMode()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("events.sqlite")).toStdString();
        auto store = EventStore::open(path);
        QVERIFY2(store, store ? "" : store.error().toString().c_str());
        QCOMPARE((*store)->schemaVersion(), EventStore::kSchemaVersion);
        QCOMPARE(QString::fromStdString(pragma(path, "PRAGMA journal_mode")), QStringLiteral("wal"));
        QCOMPARE(QString::fromStdString(pragma(path, "PRAGMA user_version")), QString::number(EventStore::kSchemaVersion));
    }

    void appendFlushQuery()
    {
        QTemporaryDir dir;
        auto store = EventStore::open(dir.filePath(QStringLiteral("e.sqlite")).toStdString());
        QVERIFY(store);
        EventStore &s = **store;
        for (int i = 0; i < 5000; ++i)
            s.append(makeEvent(i, i % 2 ? "deploy" : "alert", i % 3 ? "order" : "cart", "t" + std::to_string(i)));
        QVERIFY(s.flush());
        QCOMPARE(*s.count(), std::int64_t(5000));
        EventStore::Query q;
        q.kind = "deploy";
        q.entity = "order";
        q.from = 100;
        q.to = 200;
        auto rows = s.query(q);
        QVERIFY(rows);
        for (const auto &r : *rows) {
            QCOMPARE(QString::fromStdString(r.kind), QStringLiteral("deploy"));
            QCOMPARE(QString::fromStdString(r.entity), QStringLiteral("order"));
            QVERIFY(r.ts >= 100 && r.ts <= 200);
            QCOMPARE(QString::fromStdString(r.severity), QStringLiteral("info")); // default
            QCOMPARE(QString::fromStdString(r.attributes), QStringLiteral("{}"));
        }
        QCOMPARE(int(rows->size()), 34); // odd ts in [100,200] not divisible by 3
        q = {};
        q.limit = 10;
        QCOMPARE(s.query(q)->size(), std::size_t(10));
    }

    void hostileTextIsStoredVerbatim()
    {
        QTemporaryDir dir;
        auto store = EventStore::open(dir.filePath(QStringLiteral("e.sqlite")).toStdString());
        QVERIFY(store);
        const std::string hostile = "'); DROP TABLE events; --\n\"\\ \xe2\x9a\xa0";
        (*store)->append(makeEvent(1, "note", hostile, hostile));
        QVERIFY((*store)->flush());
        auto rows = (*store)->query({});
        QCOMPARE(rows->size(), std::size_t(1));
        QCOMPARE(rows->front().title, hostile);
        QCOMPARE(rows->front().entity, hostile);
    }

    void persistsAcrossReopen()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("e.sqlite")).toStdString();
        {
            auto store = EventStore::open(path);
            (*store)->append(makeEvent(42, "deploy", "search", "search deployed v2.4.0"));
            // No explicit flush: the destructor drains the queue.
        }
        auto store = EventStore::open(path);
        auto rows = (*store)->query({});
        QCOMPARE(rows->size(), std::size_t(1));
        QCOMPARE(rows->front().ts, Timestamp(42));
    }

    void migratesVersion1Database()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("old.sqlite")).toStdString();
        // Build a v1 database exactly as an old build left it, with data in it.
        execRaw(path, std::string(eventStoreMigrationSql(1)) + "PRAGMA user_version=1;"
                          "INSERT INTO events(ts, kind, entity, title) VALUES (7, 'deploy', 'cart', 'old row');");
        auto store = EventStore::open(path);
        QVERIFY2(store, store ? "" : store.error().toString().c_str());
        QCOMPARE((*store)->schemaVersion(), EventStore::kSchemaVersion);
        auto rows = (*store)->query({});
        QVERIFY(rows);
        QCOMPARE(rows->size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(rows->front().title), QStringLiteral("old row"));
        QCOMPARE(QString::fromStdString(rows->front().severity), QStringLiteral("info"));
        // New columns and indexes are usable after the upgrade.
        (*store)->append(makeEvent(8, "alert", "cart", "new row"));
        QVERIFY((*store)->flush());
        QCOMPARE(*(*store)->count(), std::int64_t(2));
        QCOMPARE(QString::fromStdString(pragma(path, "SELECT count(*) FROM sqlite_master WHERE type='index' AND name='events_ts'")),
                 QStringLiteral("1"));
    }

    void templatesRoundTrip()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("t.sqlite")).toStdString();
        std::vector<LogAnalyzer::SavedTemplate> saved = {{"order", 0, "GET <*> 200", 10, 1, 2}, {"order", 1, "Lock wait timeout <*>", 3, 5, 6},
                                                         {"web", 0, "user=<*> 'quoted' \"x\"", 1, 7, 8}};
        {
            auto store = EventStore::open(path);
            QVERIFY(store);
            QVERIFY((*store)->saveTemplates(saved));
            saved.pop_back();
            QVERIFY((*store)->saveTemplates(saved)); // replaces, does not append
        }
        auto store = EventStore::open(path);
        auto loaded = (*store)->loadTemplates();
        QVERIFY(loaded);
        QCOMPARE(loaded->size(), std::size_t(2));
        QCOMPARE(QString::fromStdString((*loaded)[1].text), QStringLiteral("Lock wait timeout <*>"));
        QCOMPARE((*loaded)[1].count, std::uint64_t(3));
    }

    // The alert book survives a restart: alerts with their history, incidents with their reasons, silences, learnt
    // affinities; the engine restores it on start.
    void alertBookRoundTrip()
    {
        auto options = [](const std::string &file) {
            Engine::Options o;
            o.eventDatabase = file;
            o.detection = false;
            return o;
        };
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("alerts.db")).toStdString();
        constexpr Timestamp t0 = 1'700'000'000 * kSecond;
        {
            Engine engine(options(path));
            AlertInput in;
            in.source = "alertmanager";
            in.name = "HighErrors";
            in.entity = "payment";
            in.labels = {{"service", "payment"}, {"weird", "a:b\n\"quoted\"\x1f"}};
            in.annotations = {{"summary", "5xx above 2%"}, {"runbook_url", "https://runbooks/payment"}};
            in.severity = AlertSeverity::Critical;
            in.ts = t0;
            engine.ingestAlerts(std::span(&in, 1));
            QVERIFY(engine.acknowledgeAlert(1, "ann", "on it").has_value());
            QVERIFY(engine.addSilence("{service=\"cart\"}", kHour, "ann", "deploy window", "CHG-1").has_value());
        } // destructor saves
        Engine restarted(options(path));
        const auto alert = restarted.alert(1);
        QVERIFY(alert.has_value());
        QCOMPARE(alert->name, std::string("HighErrors"));
        QCOMPARE(alert->state, AlertState::Acknowledged);
        QCOMPARE(alert->history.back().who, std::string("ann"));
        QCOMPARE(alert->history.back().comment, std::string("on it"));
        QCOMPARE(alert->annotations.size(), std::size_t(2));
        bool weird = false;
        for (const Label &l : alert->labels)
            weird = weird || l.value == "a:b\n\"quoted\"\x1f";
        QVERIFY(weird);
        QVERIFY(alert->incidentId != 0);
        QVERIFY(restarted.incident(alert->incidentId).has_value());
        QCOMPARE(restarted.incident(alert->incidentId)->explanations.size(), std::size_t(1));
        auto preview = restarted.previewSilence("{service=\"payment\"}");
        QVERIFY(preview.has_value());
        QCOMPARE(preview->size(), std::size_t(1));
        // A re-notification after the restart is de-duplicated onto the restored alert.
        AlertInput again;
        again.source = "alertmanager";
        again.name = "HighErrors";
        again.entity = "payment";
        again.labels = {{"service", "payment"}, {"weird", "a:b\n\"quoted\"\x1f"}};
        again.ts = t0 + kMinute;
        restarted.ingestAlerts(std::span(&again, 1));
        QCOMPARE(restarted.alert(1)->occurrences, 2u);
        QVERIFY(!restarted.alert(2).has_value());
    }

    // v7 adds the incidents' lifecycle (owner, who acknowledged and resolved, re-opens, history): a v6 database opens
    // with its incidents intact and empty lifecycle fields, and the new fields survive a save and a reopen.
    void migratesVersion6Incidents()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("v6.sqlite")).toStdString();
        std::string v6;
        for (int v = 1; v <= 6; ++v)
            v6 += eventStoreMigrationSql(v);
        execRaw(path, v6 + "PRAGMA user_version=6;"
                           "INSERT INTO alerts VALUES(1, 'fp', 'alertmanager', 'HighErrors', '', '', 0, 2, 'payment', 100, 300, 300, 1, 1, '');"
                           "INSERT INTO incidents VALUES(1, 'payment: HighErrors', 0, 100, 200, 300, 400, 1, '1:1', '7:payment', '3:why');");
        {
            auto store = EventStore::open(path);
            QVERIFY2(store, store ? "" : store.error().toString().c_str());
            QCOMPARE((*store)->schemaVersion(), EventStore::kSchemaVersion);
            auto book = (*store)->loadAlerts();
            QVERIFY2(book, book ? "" : book.error().toString().c_str());
            QCOMPARE(book->incidents.size(), std::size_t(1));
            Incident &old = book->incidents.front();
            QCOMPARE(old.title, std::string("payment: HighErrors"));
            QCOMPARE(old.end, Timestamp(300));
            QVERIFY(old.acknowledged);
            QCOMPARE(old.alerts, std::vector<std::int64_t>{1});
            QCOMPARE(old.explanations, std::vector<std::string>{"why"});
            QVERIFY(old.owner.empty() && old.acknowledgedBy.empty() && old.resolvedBy.empty());
            QCOMPARE(old.reopenCount, 0);
            QVERIFY(old.history.empty());
            // The same state, now with a lifecycle (hostile text included), saved and read back.
            old.owner = "bob";
            old.acknowledgedBy = "ann";
            old.acknowledgedAt = 150;
            old.resolvedBy = "carl";
            old.reopenCount = 2;
            old.lastReopened = 250;
            old.history = {{150, IncidentAction::Acknowledged, "ann", "on it: 3:abc\n'); DROP TABLE incidents; --"},
                           {160, IncidentAction::OwnerSet, "ann", "bob"},
                           {250, IncidentAction::Reopened, "system", "alert 1 fired again"},
                           {300, IncidentAction::Resolved, "carl", ""}};
            QVERIFY((*store)->saveAlerts(*book, 0).has_value());
        }
        auto store = EventStore::open(path);
        QVERIFY(store);
        auto book = (*store)->loadAlerts();
        QVERIFY(book);
        QCOMPARE(book->incidents.size(), std::size_t(1));
        const Incident &i = book->incidents.front();
        QCOMPARE(i.owner, std::string("bob"));
        QCOMPARE(i.acknowledgedBy, std::string("ann"));
        QCOMPARE(i.acknowledgedAt, Timestamp(150));
        QCOMPARE(i.resolvedBy, std::string("carl"));
        QCOMPARE(i.reopenCount, 2);
        QCOMPARE(i.lastReopened, Timestamp(250));
        QCOMPARE(i.history.size(), std::size_t(4));
        QCOMPARE(i.history[0].comment, std::string("on it: 3:abc\n'); DROP TABLE incidents; --"));
        QCOMPARE(i.history[1].action, IncidentAction::OwnerSet);
        QCOMPARE(i.history[2].who, std::string("system"));
        QCOMPARE(i.history[3].ts, Timestamp(300));
        QVERIFY(i.history[3].comment.empty());
        QCOMPARE(i.explanations, std::vector<std::string>{"why"});
    }

    // Incident actions through the engine survive its restart.
    void incidentLifecycleSurvivesRestart()
    {
        Engine::Options options;
        options.detection = false;
        QTemporaryDir dir;
        options.eventDatabase = dir.filePath(QStringLiteral("lifecycle.db")).toStdString();
        // Recent times: the engine's retention (a year of wall-clock time) must not strip the incident on restore.
        const Timestamp t0 = SystemClock().now();
        std::int64_t incidentId = 0;
        {
            Engine engine(options);
            engine.simulationClock().set(t0);
            AlertInput in;
            in.source = "alertmanager";
            in.name = "HighErrors";
            in.entity = "payment";
            in.labels = {{"service", "payment"}};
            in.severity = AlertSeverity::Critical;
            in.ts = t0;
            engine.ingestAlerts(std::span(&in, 1));
            incidentId = engine.alert(1)->incidentId;
            QVERIFY(incidentId != 0);
            QVERIFY(!engine.acknowledgeIncident(incidentId, "", "nobody"));
            QVERIFY(!engine.resolveIncident(incidentId + 100, "ann", "no such incident"));
            engine.simulationClock().set(t0 + kMinute);
            QVERIFY(engine.acknowledgeIncident(incidentId, "ann", "on it").has_value());
            QVERIFY(engine.assignIncident(incidentId, "bob", "ann").has_value());
            engine.simulationClock().set(t0 + 5 * kMinute);
            QVERIFY(engine.resolveIncident(incidentId, "bob", "rolled back").has_value());
            QCOMPARE(engine.alert(1)->state, AlertState::Resolved);
            // The snapshot shows the change at once (the version moved).
            const auto snapshot = engine.publishNow();
            QVERIFY(snapshot->incidents && !snapshot->incidents->empty());
            QCOMPARE(snapshot->incidents->back().resolvedBy, std::string("bob"));
        } // destructor saves
        Engine restarted(options);
        const auto incident = restarted.incident(incidentId);
        QVERIFY(incident.has_value());
        QVERIFY(!incident->open());
        QCOMPARE(incident->end, t0 + 5 * kMinute);
        QCOMPARE(incident->owner, std::string("bob"));
        QCOMPARE(incident->acknowledgedBy, std::string("ann"));
        QCOMPARE(incident->acknowledgedAt, t0 + kMinute);
        QCOMPARE(incident->resolvedBy, std::string("bob"));
        QCOMPARE(incident->history.size(), std::size_t(3));
        QCOMPARE(incident->history.back().action, IncidentAction::Resolved);
        QCOMPARE(incident->history.back().comment, std::string("rolled back"));
        // The same alert returning after the restart re-opens it.
        AlertInput again;
        again.source = "alertmanager";
        again.name = "HighErrors";
        again.entity = "payment";
        again.labels = {{"service", "payment"}};
        again.severity = AlertSeverity::Critical;
        again.ts = t0 + 10 * kMinute;
        restarted.ingestAlerts(std::span(&again, 1));
        QCOMPARE(restarted.alert(2)->incidentId, incidentId);
        QCOMPARE(restarted.incident(incidentId)->reopenCount, 1);
    }

    // v8: a closed incident's ranking is kept with it, replaced by a re-rank, and survives a restart.
    void frozenDiagnosisRoundTrip()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("frozen.sqlite")).toStdString();
        const auto ranking = frozenRanking();
        {
            auto store = EventStore::open(path);
            QVERIFY(store);
            QVERIFY((*store)->saveIncidentDiagnosis(7, 1000, "system", ranking).has_value());
            QVERIFY((*store)->saveIncidentDiagnosis(9, 1500, "system", {}).has_value());
            // A re-rank replaces the incident's row, it does not add one.
            auto reranked = ranking;
            std::swap(reranked[0], reranked[1]);
            QVERIFY((*store)->saveIncidentDiagnosis(7, 2000, "ann", reranked).has_value());
        }
        auto store = EventStore::open(path);
        QVERIFY(store);
        std::vector<Error> skipped;
        auto loaded = (*store)->loadIncidentDiagnoses(&skipped);
        QVERIFY2(loaded, loaded ? "" : loaded.error().toString().c_str());
        QVERIFY(skipped.empty());
        QCOMPARE(loaded->size(), std::size_t(2));
        const FrozenDiagnosis &seven = loaded->at(7);
        QCOMPARE(seven.frozenAt, Timestamp(2000));
        QCOMPARE(seven.frozenBy, std::string("ann"));
        auto expected = ranking;
        std::swap(expected[0], expected[1]);
        verifySameRanking(seven.candidates, expected);
        QCOMPARE(loaded->at(9).frozenBy, std::string("system"));
        QVERIFY(loaded->at(9).candidates.empty());
        // One incident's alone; none saved is no error; a removed one is gone.
        auto one = (*store)->loadIncidentDiagnosis(7);
        QVERIFY(one && one->has_value());
        verifySameRanking((*one)->candidates, expected);
        auto none = (*store)->loadIncidentDiagnosis(8);
        QVERIFY(none && !none->has_value());
        QVERIFY((*store)->removeIncidentDiagnosis(7).has_value());
        QVERIFY((*store)->removeIncidentDiagnosis(8).has_value());
        QVERIFY(!(*(*store)->loadIncidentDiagnosis(7)).has_value());
        QCOMPARE((*store)->loadIncidentDiagnoses()->size(), std::size_t(1));
    }

    // What the decoder would refuse is never written (the row would be lost on the next start).
    void refusesUnreadableDiagnosis()
    {
        QTemporaryDir dir;
        auto store = EventStore::open(dir.filePath(QStringLiteral("big.sqlite")).toStdString());
        QVERIFY(store);
        std::vector<RcaCandidate> tooMany(kMaxDiagnosisCandidates + 1);
        auto status = (*store)->saveIncidentDiagnosis(1, 1, "system", tooMany);
        QVERIFY(!status);
        QCOMPARE(status.error().code, ErrorCode::LimitExceeded);
        std::vector<RcaCandidate> tooMuchEvidence(1);
        tooMuchEvidence.front().evidence.resize(kMaxDiagnosisEvidence + 1);
        status = (*store)->saveIncidentDiagnosis(1, 1, "system", tooMuchEvidence);
        QVERIFY(!status);
        QCOMPARE(status.error().code, ErrorCode::LimitExceeded);
        std::vector<RcaCandidate> tooLarge(1);
        tooLarge.front().entity = std::string(kMaxDiagnosisJsonBytes, 'x');
        status = (*store)->saveIncidentDiagnosis(1, 1, "system", tooLarge);
        QVERIFY(!status);
        QCOMPARE(status.error().code, ErrorCode::LimitExceeded);
        QVERIFY((*store)->loadIncidentDiagnoses()->empty());
    }

    // A v7 database (incident lifecycle, no frozen diagnoses) upgrades in place: its incidents stay, the new table
    // starts empty and takes diagnoses.
    void migratesVersion7Database()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("v7.sqlite")).toStdString();
        std::string v7;
        for (int v = 1; v <= 7; ++v)
            v7 += eventStoreMigrationSql(v);
        execRaw(path, v7 + "PRAGMA user_version=7;"
                           "INSERT INTO incidents(id, title, severity, start, last_activity, end, sla, acknowledged, alerts,"
                           " entities, explanations, owner, resolved_by) VALUES(3, 'carts: HighLatency', 1, 100, 200, 300,"
                           " 400, 1, '', '5:carts', '', 'bob', 'bob');");
        QCOMPARE(QString::fromStdString(pragma(path, "SELECT count(*) FROM sqlite_master WHERE name='incident_diagnoses'")),
                 QStringLiteral("0"));
        {
            auto store = EventStore::open(path);
            QVERIFY2(store, store ? "" : store.error().toString().c_str());
            QCOMPARE((*store)->schemaVersion(), 8);
            auto book = (*store)->loadAlerts();
            QVERIFY(book);
            QCOMPARE(book->incidents.size(), std::size_t(1));
            QCOMPARE(book->incidents.front().owner, std::string("bob"));
            auto none = (*store)->loadIncidentDiagnoses();
            QVERIFY(none && none->empty());
            QVERIFY((*store)->saveIncidentDiagnosis(3, 300, "system", frozenRanking()).has_value());
        }
        QCOMPARE(QString::fromStdString(pragma(path, "PRAGMA user_version")), QStringLiteral("8"));
        auto store = EventStore::open(path);
        QVERIFY(store);
        auto loaded = (*store)->loadIncidentDiagnoses();
        QVERIFY(loaded);
        QCOMPARE(loaded->size(), std::size_t(1));
        QCOMPARE(loaded->at(3).frozenAt, Timestamp(300));
        verifySameRanking(loaded->at(3).candidates, frozenRanking());
    }

    // A row that does not decode (truncated, wrong types, not JSON) costs that incident its frozen ranking only.
    void corruptDiagnosisRowIsSkipped()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("corrupt.sqlite")).toStdString();
        {
            auto store = EventStore::open(path);
            QVERIFY(store);
            for (std::int64_t id : {1, 2, 3, 4, 5})
                QVERIFY((*store)->saveIncidentDiagnosis(id, id * 100, "system", frozenRanking()).has_value());
        }
        const std::string good = encodeDiagnosis(frozenRanking());
        std::string truncated = good.substr(0, good.size() / 2);
        for (std::size_t quote = truncated.find('\''); quote != std::string::npos; quote = truncated.find('\'', quote + 2))
            truncated.insert(quote, 1, '\''); // SQL quoting
        execRaw(path, "UPDATE incident_diagnoses SET candidates = '" + truncated +
                          "' WHERE incident_id = 2;"
                          "UPDATE incident_diagnoses SET candidates = '{\"version\":1,\"candidates\":[{\"entity\":\"a\",\"score\":\"high\"}]}'"
                          " WHERE incident_id = 4;"
                          "UPDATE incident_diagnoses SET candidates = x'00ff' WHERE incident_id = 5;");
        auto store = EventStore::open(path);
        QVERIFY(store);
        std::vector<Error> skipped;
        auto loaded = (*store)->loadIncidentDiagnoses(&skipped);
        QVERIFY2(loaded, loaded ? "" : loaded.error().toString().c_str());
        QCOMPARE(loaded->size(), std::size_t(2));
        QVERIFY(loaded->count(1) && loaded->count(3));
        verifySameRanking(loaded->at(3).candidates, frozenRanking());
        QCOMPARE(skipped.size(), std::size_t(3));
        QCOMPARE(QString::fromStdString(skipped[0].context), QStringLiteral("incident_diagnoses incident 2"));
        QCOMPARE(skipped[0].code, ErrorCode::ParseError);
        QCOMPARE(QString::fromStdString(skipped[1].context), QStringLiteral("incident_diagnoses incident 4"));
        QVERIFY2(QString::fromStdString(skipped[1].message).contains(QStringLiteral("candidates[0].score")),
                 skipped[1].message.c_str());
        QCOMPARE(QString::fromStdString(skipped[2].context), QStringLiteral("incident_diagnoses incident 5"));
        // Without a place for the warnings it still loads the good rows; one corrupt row alone is an error.
        QCOMPARE((*store)->loadIncidentDiagnoses()->size(), std::size_t(2));
        auto corrupt = (*store)->loadIncidentDiagnosis(4);
        QVERIFY(!corrupt);
        QCOMPARE(corrupt.error().code, ErrorCode::ParseError);
    }

    void refusesNewerSchema()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("future.sqlite")).toStdString();
        execRaw(path, "CREATE TABLE t(x); PRAGMA user_version=99;");
        auto store = EventStore::open(path);
        QVERIFY(!store);
        QCOMPARE(store.error().code, ErrorCode::SchemaError);
        QCOMPARE(QString::fromStdString(store.error().context), QString::fromStdString(path));
    }

    void reportsUnopenablePath()
    {
        auto store = EventStore::open("/nonexistent-dir/x/events.sqlite");
        QVERIFY(!store);
        QCOMPARE(store.error().code, ErrorCode::DatabaseError);
        QVERIFY(!EventStore::open(":memory:"));
        QVERIFY(!EventStore::open(""));
    }

    void notADatabase()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("junk.sqlite"));
        QFile junk(path);
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write(QByteArray(4096, 'x'));
        junk.close();
        auto store = EventStore::open(path.toStdString());
        QVERIFY(!store);
        QVERIFY(!store.error().message.empty());
    }
};

QTEST_GUILESS_MAIN(TestEventStore)
#include "tst_event_store.moc"
