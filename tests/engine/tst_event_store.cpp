#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include "storage/event_store.h"
#include "runtime/engine.h"

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
