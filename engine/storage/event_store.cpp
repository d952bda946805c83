#include "event_store.h"

#include "diagnosis_codec.h"

#include <QDir>
#include <QStandardPaths>
#include <sqlite3.h>

namespace Nocturne::Engine {

namespace {

Error sqliteError(sqlite3 *db, const std::string &what, const std::string &path) {
    return Error{ErrorCode::DatabaseError, what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"), path};
}

// Finalises a prepared statement on scope exit.
struct Statement {
    sqlite3_stmt *stmt = nullptr;
    ~Statement() { sqlite3_finalize(stmt); }
};

Status exec(sqlite3 *db, const char *sql, const std::string &path) {
    char *message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        std::string text = message ? message : "unknown error";
        sqlite3_free(message);
        return tl::unexpected(Error{ErrorCode::DatabaseError, text, path});
    }
    return {};
}

std::string columnText(sqlite3_stmt *stmt, int column) {
    const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(stmt, column));
    return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, column))) : std::string();
}

} // namespace

const char *eventStoreMigrationSql(int version) {
    switch (version) {
    case 1:
        return "CREATE TABLE events(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL,"
               " entity TEXT NOT NULL DEFAULT '', title TEXT NOT NULL DEFAULT '');";
    case 2:
        // v2: severity, structured attributes and provenance; queries by time and by entity.
        return "ALTER TABLE events ADD COLUMN severity TEXT NOT NULL DEFAULT 'info';"
               "ALTER TABLE events ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';"
               "ALTER TABLE events ADD COLUMN source TEXT NOT NULL DEFAULT '';"
               "CREATE INDEX events_ts ON events(ts);"
               "CREATE INDEX events_entity_ts ON events(entity, ts);";
    case 3:
        // v3: mined log templates, so their ids are stable across restarts.
        return "CREATE TABLE log_templates(source TEXT NOT NULL, id INTEGER NOT NULL, template TEXT NOT NULL,"
               " count INTEGER NOT NULL DEFAULT 0, first_seen INTEGER NOT NULL DEFAULT 0, last_seen INTEGER NOT NULL "
               "DEFAULT 0,"
               " PRIMARY KEY(source, id));";
    case 4:
        // v4: alerts with their history, incidents with their grouping reasons, silences and learnt affinities.
        // Nested lists are length-prefixed strings ("5:hello3:abc"), see encodeList().
        return "CREATE TABLE alerts(id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL, source TEXT NOT NULL, name TEXT "
               "NOT NULL,"
               " labels TEXT NOT NULL, annotations TEXT NOT NULL, severity INTEGER NOT NULL, state INTEGER NOT NULL,"
               " entity TEXT NOT NULL, starts INTEGER NOT NULL, ends INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
               " occurrences INTEGER NOT NULL, incident INTEGER NOT NULL, history TEXT NOT NULL);"
               "CREATE INDEX alerts_ends ON alerts(ends);"
               "CREATE TABLE incidents(id INTEGER PRIMARY KEY, title TEXT NOT NULL, severity INTEGER NOT NULL, start "
               "INTEGER NOT NULL,"
               " last_activity INTEGER NOT NULL, end INTEGER NOT NULL, sla INTEGER NOT NULL, acknowledged INTEGER NOT "
               "NULL,"
               " alerts TEXT NOT NULL, entities TEXT NOT NULL, explanations TEXT NOT NULL);"
               "CREATE TABLE silences(id INTEGER PRIMARY KEY, matchers TEXT NOT NULL, starts INTEGER NOT NULL, ends "
               "INTEGER NOT NULL,"
               " created_by TEXT NOT NULL, comment TEXT NOT NULL, ticket TEXT NOT NULL, maintenance INTEGER NOT NULL);"
               "CREATE TABLE alert_affinity(a TEXT NOT NULL, b TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY(a, b));";
    case 5:
        // v5: which log templates showed up in incidents whose cause an operator confirmed (class '' = overall).
        return "CREATE TABLE template_association(class TEXT NOT NULL, template INTEGER NOT NULL, count INTEGER NOT NULL,"
               " PRIMARY KEY(class, template));";
    case 6:
        // v6: operators' verdicts on root-cause candidates, and the war room's notes on incidents.
        return "CREATE TABLE rca_feedback(entity TEXT NOT NULL, class TEXT NOT NULL, confirmed INTEGER NOT NULL,"
               " rejected INTEGER NOT NULL, PRIMARY KEY(entity, class));"
               "CREATE TABLE incident_notes(id INTEGER PRIMARY KEY, incident INTEGER NOT NULL, ts INTEGER NOT NULL,"
               " who TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL);"
               "CREATE INDEX incident_notes_incident ON incident_notes(incident);";
    case 7:
        // v7: incidents live like incidents: owner, who acknowledged and resolved them, re-opens, and their own
        // history (length-prefixed entries of ts, action, who, comment).
        return "ALTER TABLE incidents ADD COLUMN owner TEXT NOT NULL DEFAULT '';"
               "ALTER TABLE incidents ADD COLUMN acknowledged_by TEXT NOT NULL DEFAULT '';"
               "ALTER TABLE incidents ADD COLUMN acknowledged_at INTEGER NOT NULL DEFAULT 0;"
               "ALTER TABLE incidents ADD COLUMN resolved_by TEXT NOT NULL DEFAULT '';"
               "ALTER TABLE incidents ADD COLUMN reopen_count INTEGER NOT NULL DEFAULT 0;"
               "ALTER TABLE incidents ADD COLUMN last_reopened INTEGER NOT NULL DEFAULT 0;"
               "ALTER TABLE incidents ADD COLUMN history TEXT NOT NULL DEFAULT '';";
    case 8:
        // v8: a closed incident's diagnosis is frozen with it: the ranked causes as JSON (diagnosis_codec.h), when
        // and by whom ("system" when it closed, else the operator who re-ranked).
        return "CREATE TABLE incident_diagnoses(incident_id INTEGER PRIMARY KEY, frozen_at INTEGER NOT NULL,"
               " frozen_by TEXT NOT NULL, candidates TEXT NOT NULL);";
    default:
        return nullptr;
    }
}

EventStore::EventStore(std::string path)
    : m_path(std::move(path)) {
}

EventStore::~EventStore() {
    if (m_writer.joinable()) {
        m_writer.request_stop();
        m_queueChanged.notify_all();
        m_writer.join();
    }
    sqlite3_close(m_writeDb);
    sqlite3_close(m_readDb);
}

std::string EventStore::defaultPath() {
    QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (dir.isEmpty())
        dir = QDir::homePath() + QStringLiteral("/.local/share/nocturne");
    QDir().mkpath(dir);
    return QString(dir + QStringLiteral("/events.sqlite")).toStdString();
}

Result<std::unique_ptr<EventStore>> EventStore::open(const std::string &path) {
    if (path.empty() || path == ":memory:")
        return makeError(ErrorCode::InvalidArgument, "the event store needs a file path", path);
    std::unique_ptr<EventStore> store(new EventStore(path));
    if (auto status = store->openConnections(); !status)
        return tl::unexpected(status.error());
    store->m_writer = std::jthread([s = store.get()](std::stop_token stop) { s->writerLoop(stop); });
    return store;
}

Status EventStore::openConnections() {
    if (sqlite3_open_v2(m_path.c_str(), &m_writeDb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK)
        return tl::unexpected(sqliteError(m_writeDb, "cannot open", m_path));
    sqlite3_busy_timeout(m_writeDb, 5000);
    if (auto s = exec(m_writeDb, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", m_path);
        !s)
        return s;

    Statement version;
    sqlite3_prepare_v2(m_writeDb, "PRAGMA user_version", -1, &version.stmt, nullptr);
    if (sqlite3_step(version.stmt) != SQLITE_ROW)
        return tl::unexpected(sqliteError(m_writeDb, "cannot read schema version", m_path));
    int current = sqlite3_column_int(version.stmt, 0);
    if (current > kSchemaVersion)
        return makeError(ErrorCode::SchemaError,
                         "database schema version " + std::to_string(current) +
                             " is newer than this build understands (" + std::to_string(kSchemaVersion) + ")",
                         m_path);
    // Each migration runs in its own transaction together with the version bump, so a crash leaves a valid version.
    for (int next = current + 1; next <= kSchemaVersion; ++next) {
        const std::string sql = std::string("BEGIN IMMEDIATE;") + eventStoreMigrationSql(next) +
                                "PRAGMA user_version=" + std::to_string(next) + ";COMMIT;";
        if (auto s = exec(m_writeDb, sql.c_str(), m_path); !s) {
            (void)exec(m_writeDb, "ROLLBACK;", m_path);
            return makeError(ErrorCode::SchemaError,
                             "migration to v" + std::to_string(next) + " failed: " + s.error().message, m_path);
        }
        current = next;
    }
    m_schemaVersion = current;

    if (sqlite3_open_v2(m_path.c_str(), &m_readDb, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
        return tl::unexpected(sqliteError(m_readDb, "cannot open for reading", m_path));
    sqlite3_busy_timeout(m_readDb, 5000);
    return {};
}

void EventStore::append(EventRecord record) {
    {
        std::lock_guard lock(m_queueMutex);
        m_queue.push_back(std::move(record));
        ++m_enqueued;
    }
    m_queueChanged.notify_all();
}

Status EventStore::flush() {
    std::unique_lock lock(m_queueMutex);
    const std::uint64_t target = m_enqueued;
    m_queueChanged.notify_all();
    m_queueChanged.wait(lock, [&] { return m_committed >= target || !m_writer.joinable(); });
    if (m_lastError)
        return tl::unexpected(*m_lastError);
    return {};
}

void EventStore::writerLoop(std::stop_token stop) {
    std::vector<EventRecord> batch;
    for (;;) {
        {
            std::unique_lock lock(m_queueMutex);
            m_queueChanged.wait(lock, stop, [&] { return !m_queue.empty() || !m_tasks.empty(); });
            if (m_queue.empty() && m_tasks.empty() && stop.stop_requested())
                return;
            while (!m_tasks.empty()) {
                auto task = std::move(m_tasks.front());
                m_tasks.pop_front();
                lock.unlock();
                task(m_writeDb);
                lock.lock();
            }
            if (m_queue.empty())
                continue;
            // Batches of up to 4096 per transaction: one fsync amortised over many records.
            while (!m_queue.empty() && batch.size() < 4096) {
                batch.push_back(std::move(m_queue.front()));
                m_queue.pop_front();
            }
        }
        const std::size_t n = batch.size();
        Status status = writeBatch(batch);
        batch.clear();
        {
            std::lock_guard lock(m_queueMutex);
            m_committed += n;
            if (!status)
                m_lastError = status.error();
        }
        m_queueChanged.notify_all();
    }
}

Status EventStore::writeBatch(std::vector<EventRecord> &batch) {
    if (auto s = exec(m_writeDb, "BEGIN", m_path); !s)
        return s;
    Statement insert;
    if (sqlite3_prepare_v2(
            m_writeDb,
            "INSERT INTO events(ts, kind, entity, title, severity, attributes, source) VALUES(?,?,?,?,?,?,?)", -1,
            &insert.stmt, nullptr) != SQLITE_OK)
        return tl::unexpected(sqliteError(m_writeDb, "prepare insert", m_path));
    for (const EventRecord &r : batch) {
        sqlite3_bind_int64(insert.stmt, 1, r.ts);
        sqlite3_bind_text(insert.stmt, 2, r.kind.data(), static_cast<int>(r.kind.size()), SQLITE_STATIC);
        sqlite3_bind_text(insert.stmt, 3, r.entity.data(), static_cast<int>(r.entity.size()), SQLITE_STATIC);
        sqlite3_bind_text(insert.stmt, 4, r.title.data(), static_cast<int>(r.title.size()), SQLITE_STATIC);
        const std::string severity = r.severity.empty() ? "info" : r.severity;
        sqlite3_bind_text(insert.stmt, 5, severity.data(), static_cast<int>(severity.size()), SQLITE_TRANSIENT);
        const std::string attributes = r.attributes.empty() ? "{}" : r.attributes;
        sqlite3_bind_text(insert.stmt, 6, attributes.data(), static_cast<int>(attributes.size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(insert.stmt, 7, r.source.data(), static_cast<int>(r.source.size()), SQLITE_STATIC);
        if (sqlite3_step(insert.stmt) != SQLITE_DONE) {
            Error error = sqliteError(m_writeDb, "insert event", m_path);
            (void)exec(m_writeDb, "ROLLBACK", m_path);
            return tl::unexpected(error);
        }
        sqlite3_reset(insert.stmt);
    }
    return exec(m_writeDb, "COMMIT", m_path);
}

Result<std::vector<EventRecord>> EventStore::query(const Query &q) const {
    std::lock_guard lock(m_readMutex);
    Statement select;
    const char *sql = "SELECT id, ts, kind, entity, title, severity, attributes, source FROM events"
                      " WHERE ts >= ?1 AND ts <= ?2 AND (?3 = '' OR kind = ?3) AND (?4 = '' OR entity = ?4)"
                      " ORDER BY ts, id LIMIT ?5";
    if (sqlite3_prepare_v2(m_readDb, sql, -1, &select.stmt, nullptr) != SQLITE_OK)
        return tl::unexpected(sqliteError(m_readDb, "prepare query", m_path));
    sqlite3_bind_int64(select.stmt, 1, q.from);
    sqlite3_bind_int64(select.stmt, 2, q.to);
    sqlite3_bind_text(select.stmt, 3, q.kind.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(select.stmt, 4, q.entity.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_int64(select.stmt, 5, static_cast<sqlite3_int64>(q.limit));
    std::vector<EventRecord> out;
    int rc;
    while ((rc = sqlite3_step(select.stmt)) == SQLITE_ROW) {
        EventRecord r;
        r.id = sqlite3_column_int64(select.stmt, 0);
        r.ts = sqlite3_column_int64(select.stmt, 1);
        r.kind = columnText(select.stmt, 2);
        r.entity = columnText(select.stmt, 3);
        r.title = columnText(select.stmt, 4);
        r.severity = columnText(select.stmt, 5);
        r.attributes = columnText(select.stmt, 6);
        r.source = columnText(select.stmt, 7);
        out.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE)
        return tl::unexpected(sqliteError(m_readDb, "query events", m_path));
    return out;
}

Status EventStore::runOnWriter(const std::function<Status(sqlite3 *)> &work) {
    // Writes happen on the writer thread's connection only; the caller waits for the result.
    std::promise<Status> done;
    auto result = done.get_future();
    {
        std::lock_guard lock(m_queueMutex);
        m_tasks.push_back([&work, &done](sqlite3 *db) { done.set_value(work(db)); });
    }
    m_queueChanged.notify_all();
    return result.get();
}

Status EventStore::replaceRows(const char *table, const char *insertSql, std::size_t rows,
                               const std::function<void(sqlite3_stmt *, std::size_t)> &bind) {
    return runOnWriter([&](sqlite3 *db) -> Status {
        const std::string begin = std::string("BEGIN; DELETE FROM ") + table + ";";
        if (auto s = exec(db, begin.c_str(), m_path); !s) {
            (void)exec(db, "ROLLBACK", m_path);
            return s;
        }
        Statement insert;
        if (sqlite3_prepare_v2(db, insertSql, -1, &insert.stmt, nullptr) != SQLITE_OK) {
            Error error = sqliteError(db, std::string("prepare insert into ") + table, m_path);
            (void)exec(db, "ROLLBACK", m_path);
            return tl::unexpected(error);
        }
        for (std::size_t i = 0; i < rows; ++i) {
            bind(insert.stmt, i);
            if (sqlite3_step(insert.stmt) != SQLITE_DONE) {
                Error error = sqliteError(db, std::string("insert into ") + table, m_path);
                (void)exec(db, "ROLLBACK", m_path);
                return tl::unexpected(error);
            }
            sqlite3_reset(insert.stmt);
        }
        return exec(db, "COMMIT", m_path);
    });
}

Status EventStore::saveTemplates(const std::vector<LogAnalyzer::SavedTemplate> &templates) {
    return replaceRows("log_templates",
                       "INSERT INTO log_templates(source, id, template, count, first_seen, last_seen) VALUES(?,?,?,?,?,?)",
                       templates.size(), [&](sqlite3_stmt *st, std::size_t i) {
                           const auto &t = templates[i];
                           sqlite3_bind_text(st, 1, t.source.data(), int(t.source.size()), SQLITE_STATIC);
                           sqlite3_bind_int64(st, 2, t.id);
                           sqlite3_bind_text(st, 3, t.text.data(), int(t.text.size()), SQLITE_STATIC);
                           sqlite3_bind_int64(st, 4, sqlite3_int64(t.count));
                           sqlite3_bind_int64(st, 5, t.firstSeen);
                           sqlite3_bind_int64(st, 6, t.lastSeen);
                       });
}

Result<std::vector<LogAnalyzer::SavedTemplate>> EventStore::loadTemplates() const {
    std::lock_guard lock(m_readMutex);
    Statement select;
    if (sqlite3_prepare_v2(
            m_readDb,
            "SELECT source, id, template, count, first_seen, last_seen FROM log_templates ORDER BY source, id", -1,
            &select.stmt, nullptr) != SQLITE_OK)
        return tl::unexpected(sqliteError(m_readDb, "prepare template query", m_path));
    std::vector<LogAnalyzer::SavedTemplate> out;
    int rc;
    while ((rc = sqlite3_step(select.stmt)) == SQLITE_ROW) {
        LogAnalyzer::SavedTemplate t;
        t.source = columnText(select.stmt, 0);
        t.id = std::uint32_t(sqlite3_column_int64(select.stmt, 1));
        t.text = columnText(select.stmt, 2);
        t.count = std::uint64_t(sqlite3_column_int64(select.stmt, 3));
        t.firstSeen = sqlite3_column_int64(select.stmt, 4);
        t.lastSeen = sqlite3_column_int64(select.stmt, 5);
        out.push_back(std::move(t));
    }
    if (rc != SQLITE_DONE)
        return tl::unexpected(sqliteError(m_readDb, "query templates", m_path));
    return out;
}

Status EventStore::saveTemplateAssociation(const std::vector<TemplateIncidentAssociation::Row> &rows) {
    return replaceRows("template_association", "INSERT INTO template_association(class, template, count) VALUES(?,?,?)", rows.size(),
                       [&](sqlite3_stmt *st, std::size_t i) {
                           const auto &r = rows[i];
                           sqlite3_bind_text(st, 1, r.incidentClass.data(), int(r.incidentClass.size()), SQLITE_STATIC);
                           sqlite3_bind_int64(st, 2, r.templateId);
                           sqlite3_bind_int64(st, 3, sqlite3_int64(r.count));
                       });
}

Result<std::vector<TemplateIncidentAssociation::Row>> EventStore::loadTemplateAssociation() const {
    std::lock_guard lock(m_readMutex);
    Statement select;
    if (sqlite3_prepare_v2(m_readDb, "SELECT class, template, count FROM template_association", -1, &select.stmt, nullptr) != SQLITE_OK)
        return tl::unexpected(sqliteError(m_readDb, "prepare association query", m_path));
    std::vector<TemplateIncidentAssociation::Row> out;
    int rc;
    while ((rc = sqlite3_step(select.stmt)) == SQLITE_ROW)
        out.push_back({columnText(select.stmt, 0), std::uint32_t(sqlite3_column_int64(select.stmt, 1)), std::uint64_t(sqlite3_column_int64(select.stmt, 2))});
    if (rc != SQLITE_DONE)
        return tl::unexpected(sqliteError(m_readDb, "query association", m_path));
    return out;
}

Status EventStore::saveRcaFeedback(const std::vector<RcaFeedback::Row> &rows) {
    return replaceRows("rca_feedback", "INSERT INTO rca_feedback(entity, class, confirmed, rejected) VALUES(?,?,?,?)", rows.size(),
                       [&](sqlite3_stmt *st, std::size_t i) {
                           const auto &r = rows[i];
                           sqlite3_bind_text(st, 1, r.entity.data(), int(r.entity.size()), SQLITE_STATIC);
                           sqlite3_bind_text(st, 2, r.faultClass.data(), int(r.faultClass.size()), SQLITE_STATIC);
                           sqlite3_bind_int(st, 3, r.confirmed);
                           sqlite3_bind_int(st, 4, r.rejected);
                       });
}

Result<std::vector<RcaFeedback::Row>> EventStore::loadRcaFeedback() const {
    std::lock_guard lock(m_readMutex);
    Statement select;
    if (sqlite3_prepare_v2(m_readDb, "SELECT entity, class, confirmed, rejected FROM rca_feedback", -1, &select.stmt, nullptr) != SQLITE_OK)
        return tl::unexpected(sqliteError(m_readDb, "prepare feedback query", m_path));
    std::vector<RcaFeedback::Row> out;
    int rc;
    while ((rc = sqlite3_step(select.stmt)) == SQLITE_ROW)
        out.push_back({columnText(select.stmt, 0), columnText(select.stmt, 1), sqlite3_column_int(select.stmt, 2),
                       sqlite3_column_int(select.stmt, 3)});
    if (rc != SQLITE_DONE)
        return tl::unexpected(sqliteError(m_readDb, "query feedback", m_path));
    return out;
}

Status EventStore::appendIncidentNote(const IncidentNote &note) {
    return runOnWriter([&](sqlite3 *db) -> Status {
        Statement insert;
        if (sqlite3_prepare_v2(db, "INSERT INTO incident_notes(incident, ts, who, kind, text) VALUES(?,?,?,?,?)", -1, &insert.stmt,
                               nullptr) != SQLITE_OK)
            return tl::unexpected(sqliteError(db, "prepare note insert", m_path));
        sqlite3_bind_int64(insert.stmt, 1, note.incident);
        sqlite3_bind_int64(insert.stmt, 2, note.ts);
        sqlite3_bind_text(insert.stmt, 3, note.who.data(), int(note.who.size()), SQLITE_STATIC);
        sqlite3_bind_text(insert.stmt, 4, note.kind.data(), int(note.kind.size()), SQLITE_STATIC);
        sqlite3_bind_text(insert.stmt, 5, note.text.data(), int(note.text.size()), SQLITE_STATIC);
        if (sqlite3_step(insert.stmt) != SQLITE_DONE)
            return tl::unexpected(sqliteError(db, "insert note", m_path));
        return {};
    });
}

Result<std::vector<IncidentNote>> EventStore::loadIncidentNotes() const {
    std::lock_guard lock(m_readMutex);
    Statement select;
    if (sqlite3_prepare_v2(m_readDb, "SELECT incident, ts, who, kind, text FROM incident_notes ORDER BY id", -1, &select.stmt,
                           nullptr) != SQLITE_OK)
        return tl::unexpected(sqliteError(m_readDb, "prepare note query", m_path));
    std::vector<IncidentNote> out;
    int rc;
    while ((rc = sqlite3_step(select.stmt)) == SQLITE_ROW)
        out.push_back({sqlite3_column_int64(select.stmt, 0), sqlite3_column_int64(select.stmt, 1), columnText(select.stmt, 2),
                       columnText(select.stmt, 3), columnText(select.stmt, 4)});
    if (rc != SQLITE_DONE)
        return tl::unexpected(sqliteError(m_readDb, "query notes", m_path));
    return out;
}

Status EventStore::saveIncidentDiagnosis(std::int64_t incident, Timestamp frozenAt, const std::string &frozenBy,
                                         const std::vector<RcaCandidate> &candidates) {
    const std::string context = "incident_diagnoses incident " + std::to_string(incident);
    // Never write what decodeDiagnosis would refuse to read back.
    if (candidates.size() > kMaxDiagnosisCandidates)
        return makeError(ErrorCode::LimitExceeded,
                         std::to_string(candidates.size()) + " candidates, at most " +
                             std::to_string(kMaxDiagnosisCandidates) + " can be kept",
                         context);
    for (const RcaCandidate &c : candidates)
        if (c.evidence.size() > kMaxDiagnosisEvidence)
            return makeError(ErrorCode::LimitExceeded,
                             c.entity + ": " + std::to_string(c.evidence.size()) + " pieces of evidence, at most " +
                                 std::to_string(kMaxDiagnosisEvidence) + " can be kept",
                             context);
    const std::string json = encodeDiagnosis(candidates); // encoded here, so the writer thread only writes
    if (json.size() > kMaxDiagnosisJsonBytes)
        return makeError(ErrorCode::LimitExceeded,
                         "diagnosis of " + std::to_string(json.size()) + " bytes, at most " +
                             std::to_string(kMaxDiagnosisJsonBytes) + " can be kept",
                         context);
    return runOnWriter([&](sqlite3 *db) -> Status {
        Statement insert;
        if (sqlite3_prepare_v2(db,
                               "INSERT OR REPLACE INTO incident_diagnoses(incident_id, frozen_at, frozen_by, candidates)"
                               " VALUES(?,?,?,?)",
                               -1, &insert.stmt, nullptr) != SQLITE_OK)
            return tl::unexpected(sqliteError(db, "prepare diagnosis insert", m_path));
        sqlite3_bind_int64(insert.stmt, 1, incident);
        sqlite3_bind_int64(insert.stmt, 2, frozenAt);
        sqlite3_bind_text(insert.stmt, 3, frozenBy.data(), int(frozenBy.size()), SQLITE_STATIC);
        sqlite3_bind_text(insert.stmt, 4, json.data(), int(json.size()), SQLITE_STATIC);
        if (sqlite3_step(insert.stmt) != SQLITE_DONE)
            return tl::unexpected(sqliteError(db, "save diagnosis of incident " + std::to_string(incident), m_path));
        return {};
    });
}

Status EventStore::removeIncidentDiagnosis(std::int64_t incident) {
    return runOnWriter([&](sqlite3 *db) -> Status {
        Statement remove;
        if (sqlite3_prepare_v2(db, "DELETE FROM incident_diagnoses WHERE incident_id = ?", -1, &remove.stmt,
                               nullptr) != SQLITE_OK)
            return tl::unexpected(sqliteError(db, "prepare diagnosis delete", m_path));
        sqlite3_bind_int64(remove.stmt, 1, incident);
        if (sqlite3_step(remove.stmt) != SQLITE_DONE)
            return tl::unexpected(sqliteError(db, "remove diagnosis of incident " + std::to_string(incident), m_path));
        return {};
    });
}

namespace {
// One row of incident_diagnoses (incident_id, frozen_at, frozen_by, candidates), decoded.
Result<FrozenDiagnosis> frozenDiagnosisOf(sqlite3_stmt *st) {
    const std::string json = columnText(st, 3);
    auto candidates = decodeDiagnosis(json);
    if (!candidates)
        return makeError(candidates.error().code, candidates.error().message,
                         "incident_diagnoses incident " + std::to_string(sqlite3_column_int64(st, 0)));
    return FrozenDiagnosis{sqlite3_column_int64(st, 1), columnText(st, 2), std::move(*candidates)};
}
} // namespace

Result<std::map<std::int64_t, FrozenDiagnosis>> EventStore::loadIncidentDiagnoses(std::vector<Error> *skipped) const {
    std::lock_guard lock(m_readMutex);
    Statement select;
    if (sqlite3_prepare_v2(m_readDb,
                           "SELECT incident_id, frozen_at, frozen_by, candidates FROM incident_diagnoses"
                           " ORDER BY incident_id",
                           -1, &select.stmt, nullptr) != SQLITE_OK)
        return tl::unexpected(sqliteError(m_readDb, "prepare diagnosis query", m_path));
    std::map<std::int64_t, FrozenDiagnosis> out;
    int rc;
    while ((rc = sqlite3_step(select.stmt)) == SQLITE_ROW) {
        // A corrupt row costs that incident its frozen ranking (it can be re-ranked), not every other incident's.
        auto frozen = frozenDiagnosisOf(select.stmt);
        if (!frozen) {
            if (skipped)
                skipped->push_back(frozen.error());
            continue;
        }
        out.emplace(sqlite3_column_int64(select.stmt, 0), std::move(*frozen));
    }
    if (rc != SQLITE_DONE)
        return tl::unexpected(sqliteError(m_readDb, "query diagnoses", m_path));
    return out;
}

Result<std::optional<FrozenDiagnosis>> EventStore::loadIncidentDiagnosis(std::int64_t incident) const {
    std::lock_guard lock(m_readMutex);
    Statement select;
    if (sqlite3_prepare_v2(m_readDb,
                           "SELECT incident_id, frozen_at, frozen_by, candidates FROM incident_diagnoses"
                           " WHERE incident_id = ?",
                           -1, &select.stmt, nullptr) != SQLITE_OK)
        return tl::unexpected(sqliteError(m_readDb, "prepare diagnosis query", m_path));
    sqlite3_bind_int64(select.stmt, 1, incident);
    const int rc = sqlite3_step(select.stmt);
    if (rc == SQLITE_DONE)
        return std::optional<FrozenDiagnosis>();
    if (rc != SQLITE_ROW)
        return tl::unexpected(sqliteError(m_readDb, "query diagnosis", m_path));
    auto frozen = frozenDiagnosisOf(select.stmt);
    if (!frozen)
        return tl::unexpected(frozen.error());
    return std::optional<FrozenDiagnosis>(std::move(*frozen));
}

namespace {
std::string encodeList(const std::vector<std::string> &items) {
    std::string out;
    for (const std::string &item : items)
        out += std::to_string(item.size()) + ':' + item;
    return out;
}

std::vector<std::string> decodeList(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const std::size_t colon = text.find(':');
        if (colon == std::string_view::npos)
            break;
        std::size_t n = 0;
        for (char c : text.substr(0, colon)) {
            if (c < '0' || c > '9')
                return out;
            n = n * 10 + std::size_t(c - '0');
        }
        if (colon + 1 + n > text.size())
            break;
        out.emplace_back(text.substr(colon + 1, n));
        text.remove_prefix(colon + 1 + n);
    }
    return out;
}

std::vector<std::string> flatten(const std::vector<std::pair<std::string, std::string>> &pairs) {
    std::vector<std::string> out;
    for (const auto &[k, v] : pairs) {
        out.push_back(k);
        out.push_back(v);
    }
    return out;
}

void bindText(sqlite3_stmt *stmt, int index, const std::string &text) {
    sqlite3_bind_text(stmt, index, text.data(), int(text.size()), SQLITE_TRANSIENT);
}
} // namespace

Status EventStore::saveAlerts(const AlertBook::State &state, Timestamp keepAfter) {
    return runOnWriter([&](sqlite3 *db) -> Status {
        if (auto s = exec(db, "BEGIN;", m_path); !s)
            return s;
        auto fail = [&](const char *what) -> Status {
            Error error = sqliteError(db, what, m_path);
            (void)exec(db, "ROLLBACK", m_path);
            return tl::unexpected(error);
        };
        Statement alert, incident, silence, affinity;
        if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO alerts VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1,
                               &alert.stmt, nullptr) != SQLITE_OK ||
            sqlite3_prepare_v2(db,
                               "INSERT OR REPLACE INTO incidents(id, title, severity, start, last_activity, end, sla,"
                               " acknowledged, alerts, entities, explanations, owner, acknowledged_by, acknowledged_at,"
                               " resolved_by, reopen_count, last_reopened, history)"
                               " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                               -1, &incident.stmt, nullptr) != SQLITE_OK ||
            sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO silences VALUES(?,?,?,?,?,?,?,?)", -1, &silence.stmt,
                               nullptr) != SQLITE_OK ||
            sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO alert_affinity VALUES(?,?,?)", -1, &affinity.stmt,
                               nullptr) != SQLITE_OK)
            return fail("prepare alert statements");
        for (const Alert &a : state.alerts) {
            std::vector<std::pair<std::string, std::string>> labels;
            for (const Label &l : a.labels)
                labels.emplace_back(l.name, l.value);
            std::vector<std::string> history;
            for (const AlertChange &h : a.history) {
                history.push_back(encodeList(
                    {std::to_string(h.ts), std::to_string(int(h.from)), std::to_string(int(h.to)), h.who, h.comment}));
            }
            sqlite3_bind_int64(alert.stmt, 1, a.id);
            bindText(alert.stmt, 2, a.fingerprint);
            bindText(alert.stmt, 3, a.source);
            bindText(alert.stmt, 4, a.name);
            bindText(alert.stmt, 5, encodeList(flatten(labels)));
            bindText(alert.stmt, 6, encodeList(flatten(a.annotations)));
            sqlite3_bind_int(alert.stmt, 7, int(a.severity));
            sqlite3_bind_int(alert.stmt, 8, int(a.state));
            bindText(alert.stmt, 9, a.entity);
            sqlite3_bind_int64(alert.stmt, 10, a.startsAt);
            sqlite3_bind_int64(alert.stmt, 11, a.endsAt);
            sqlite3_bind_int64(alert.stmt, 12, a.lastSeen);
            sqlite3_bind_int64(alert.stmt, 13, a.occurrences);
            sqlite3_bind_int64(alert.stmt, 14, a.incidentId);
            bindText(alert.stmt, 15, encodeList(history));
            if (sqlite3_step(alert.stmt) != SQLITE_DONE)
                return fail("save alert");
            sqlite3_reset(alert.stmt);
        }
        for (const Incident &i : state.incidents) {
            std::vector<std::string> ids;
            for (std::int64_t id : i.alerts)
                ids.push_back(std::to_string(id));
            sqlite3_bind_int64(incident.stmt, 1, i.id);
            bindText(incident.stmt, 2, i.title);
            sqlite3_bind_int(incident.stmt, 3, int(i.severity));
            sqlite3_bind_int64(incident.stmt, 4, i.start);
            sqlite3_bind_int64(incident.stmt, 5, i.lastActivity);
            sqlite3_bind_int64(incident.stmt, 6, i.end);
            sqlite3_bind_int64(incident.stmt, 7, i.slaDeadline);
            sqlite3_bind_int(incident.stmt, 8, i.acknowledged);
            bindText(incident.stmt, 9, encodeList(ids));
            bindText(incident.stmt, 10, encodeList(std::vector<std::string>(i.entities.begin(), i.entities.end())));
            bindText(incident.stmt, 11, encodeList(i.explanations));
            std::vector<std::string> history;
            for (const IncidentChange &h : i.history)
                history.push_back(encodeList({std::to_string(h.ts), std::to_string(int(h.action)), h.who, h.comment}));
            bindText(incident.stmt, 12, i.owner);
            bindText(incident.stmt, 13, i.acknowledgedBy);
            sqlite3_bind_int64(incident.stmt, 14, i.acknowledgedAt);
            bindText(incident.stmt, 15, i.resolvedBy);
            sqlite3_bind_int(incident.stmt, 16, i.reopenCount);
            sqlite3_bind_int64(incident.stmt, 17, i.lastReopened);
            bindText(incident.stmt, 18, encodeList(history));
            if (sqlite3_step(incident.stmt) != SQLITE_DONE)
                return fail("save incident");
            sqlite3_reset(incident.stmt);
        }
        for (const Silence &x : state.silences) {
            sqlite3_bind_int64(silence.stmt, 1, x.id);
            bindText(silence.stmt, 2, x.matchersText);
            sqlite3_bind_int64(silence.stmt, 3, x.startsAt);
            sqlite3_bind_int64(silence.stmt, 4, x.endsAt);
            bindText(silence.stmt, 5, x.createdBy);
            bindText(silence.stmt, 6, x.comment);
            bindText(silence.stmt, 7, x.ticket);
            sqlite3_bind_int(silence.stmt, 8, x.maintenance);
            if (sqlite3_step(silence.stmt) != SQLITE_DONE)
                return fail("save silence");
            sqlite3_reset(silence.stmt);
        }
        for (const auto &[pair, value] : state.affinity) {
            bindText(affinity.stmt, 1, pair.first);
            bindText(affinity.stmt, 2, pair.second);
            sqlite3_bind_double(affinity.stmt, 3, value);
            if (sqlite3_step(affinity.stmt) != SQLITE_DONE)
                return fail("save affinity");
            sqlite3_reset(affinity.stmt);
        }
        // Retention: what ended before keepAfter loses its details (ids stay dense for references).
        Statement expire;
        if (sqlite3_prepare_v2(db, "UPDATE alerts SET history='', annotations='' WHERE state=2 AND ends<?", -1,
                               &expire.stmt, nullptr) != SQLITE_OK)
            return fail("prepare retention");
        sqlite3_bind_int64(expire.stmt, 1, keepAfter);
        if (sqlite3_step(expire.stmt) != SQLITE_DONE)
            return fail("apply retention");
        return exec(db, "COMMIT", m_path);
    });
}

Result<AlertBook::State> EventStore::loadAlerts() const {
    std::lock_guard lock(m_readMutex);
    AlertBook::State state;
    auto query = [&](const char *sql, const std::function<void(sqlite3_stmt *)> &row) -> Status {
        Statement stmt;
        if (sqlite3_prepare_v2(m_readDb, sql, -1, &stmt.stmt, nullptr) != SQLITE_OK)
            return tl::unexpected(sqliteError(m_readDb, "prepare alert query", m_path));
        int rc;
        while ((rc = sqlite3_step(stmt.stmt)) == SQLITE_ROW)
            row(stmt.stmt);
        if (rc != SQLITE_DONE)
            return tl::unexpected(sqliteError(m_readDb, "query alerts", m_path));
        return {};
    };
    auto pairs = [](const std::string &text) {
        std::vector<std::pair<std::string, std::string>> out;
        const auto flat = decodeList(text);
        for (std::size_t i = 0; i + 1 < flat.size(); i += 2)
            out.emplace_back(flat[i], flat[i + 1]);
        return out;
    };
    if (auto s = query("SELECT * FROM alerts ORDER BY id",
                       [&](sqlite3_stmt *st) {
                           Alert a;
                           a.id = sqlite3_column_int64(st, 0);
                           a.fingerprint = columnText(st, 1);
                           a.source = columnText(st, 2);
                           a.name = columnText(st, 3);
                           for (auto &[k, v] : pairs(columnText(st, 4)))
                               a.labels.push_back({k, v});
                           a.annotations = pairs(columnText(st, 5));
                           a.severity = AlertSeverity(std::clamp(sqlite3_column_int(st, 6), 0, 4));
                           a.state = AlertState(std::clamp(sqlite3_column_int(st, 7), 0, 4));
                           a.entity = columnText(st, 8);
                           a.startsAt = sqlite3_column_int64(st, 9);
                           a.endsAt = sqlite3_column_int64(st, 10);
                           a.lastSeen = sqlite3_column_int64(st, 11);
                           a.occurrences = std::uint32_t(sqlite3_column_int64(st, 12));
                           a.incidentId = sqlite3_column_int64(st, 13);
                           for (const std::string &h : decodeList(columnText(st, 14))) {
                               const auto f = decodeList(h);
                               if (f.size() == 5)
                                   a.history.push_back({std::stoll(f[0]), AlertState(std::stoi(f[1])),
                                                        AlertState(std::stoi(f[2])), f[3], f[4]});
                           }
                           state.alerts.push_back(std::move(a));
                       });
        !s)
        return tl::unexpected(s.error());
    if (auto s = query("SELECT id, title, severity, start, last_activity, end, sla, acknowledged, alerts, entities, explanations,"
                       " owner, acknowledged_by, acknowledged_at, resolved_by, reopen_count, last_reopened, history"
                       " FROM incidents ORDER BY id",
                       [&](sqlite3_stmt *st) {
                           Incident i;
                           i.id = sqlite3_column_int64(st, 0);
                           i.title = columnText(st, 1);
                           i.severity = AlertSeverity(std::clamp(sqlite3_column_int(st, 2), 0, 4));
                           i.start = sqlite3_column_int64(st, 3);
                           i.lastActivity = sqlite3_column_int64(st, 4);
                           i.end = sqlite3_column_int64(st, 5);
                           i.slaDeadline = sqlite3_column_int64(st, 6);
                           i.acknowledged = sqlite3_column_int(st, 7) != 0;
                           for (const std::string &id : decodeList(columnText(st, 8)))
                               i.alerts.push_back(std::stoll(id));
                           for (const std::string &e : decodeList(columnText(st, 9)))
                               i.entities.insert(e);
                           i.explanations = decodeList(columnText(st, 10));
                           i.owner = columnText(st, 11);
                           i.acknowledgedBy = columnText(st, 12);
                           i.acknowledgedAt = sqlite3_column_int64(st, 13);
                           i.resolvedBy = columnText(st, 14);
                           i.reopenCount = sqlite3_column_int(st, 15);
                           i.lastReopened = sqlite3_column_int64(st, 16);
                           for (const std::string &h : decodeList(columnText(st, 17))) {
                               const auto f = decodeList(h);
                               if (f.size() == 4)
                                   i.history.push_back({std::stoll(f[0]), IncidentAction(std::clamp(std::stoi(f[1]), 0, 4)), f[2], f[3]});
                           }
                           state.incidents.push_back(std::move(i));
                       });
        !s)
        return tl::unexpected(s.error());
    if (auto s = query("SELECT * FROM silences ORDER BY id",
                       [&](sqlite3_stmt *st) {
                           Silence x;
                           x.id = sqlite3_column_int64(st, 0);
                           x.matchersText = columnText(st, 1);
                           x.startsAt = sqlite3_column_int64(st, 2);
                           x.endsAt = sqlite3_column_int64(st, 3);
                           x.createdBy = columnText(st, 4);
                           x.comment = columnText(st, 5);
                           x.ticket = columnText(st, 6);
                           x.maintenance = sqlite3_column_int(st, 7) != 0;
                           state.silences.push_back(std::move(x));
                       });
        !s)
        return tl::unexpected(s.error());
    if (auto s =
            query("SELECT a, b, value FROM alert_affinity",
                  [&](sqlite3_stmt *st) {
                      state.affinity.push_back({{columnText(st, 0), columnText(st, 1)}, sqlite3_column_double(st, 2)});
                  });
        !s)
        return tl::unexpected(s.error());
    return state;
}

Result<std::int64_t> EventStore::count() const {
    std::lock_guard lock(m_readMutex);
    Statement stmt;
    if (sqlite3_prepare_v2(m_readDb, "SELECT count(*) FROM events", -1, &stmt.stmt, nullptr) != SQLITE_OK ||
        sqlite3_step(stmt.stmt) != SQLITE_ROW)
        return tl::unexpected(sqliteError(m_readDb, "count events", m_path));
    return sqlite3_column_int64(stmt.stmt, 0);
}

} // namespace Nocturne::Engine
