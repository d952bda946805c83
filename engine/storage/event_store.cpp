#include "event_store.h"

#include <QDir>
#include <QStandardPaths>

#include <sqlite3.h>

namespace Nocturne::Engine {

namespace {

Error sqliteError(sqlite3 *db, const std::string &what, const std::string &path)
{
    return Error{ErrorCode::DatabaseError, what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"), path};
}

// Finalises a prepared statement on scope exit.
struct Statement {
    sqlite3_stmt *stmt = nullptr;
    ~Statement() { sqlite3_finalize(stmt); }
};

Status exec(sqlite3 *db, const char *sql, const std::string &path)
{
    char *message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        std::string text = message ? message : "unknown error";
        sqlite3_free(message);
        return tl::unexpected(Error{ErrorCode::DatabaseError, text, path});
    }
    return {};
}

std::string columnText(sqlite3_stmt *stmt, int column)
{
    const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(stmt, column));
    return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, column))) : std::string();
}

} // namespace

const char *eventStoreMigrationSql(int version)
{
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
               " count INTEGER NOT NULL DEFAULT 0, first_seen INTEGER NOT NULL DEFAULT 0, last_seen INTEGER NOT NULL DEFAULT 0,"
               " PRIMARY KEY(source, id));";
    default: return nullptr;
    }
}

EventStore::EventStore(std::string path)
    : m_path(std::move(path))
{
}

EventStore::~EventStore()
{
    if (m_writer.joinable()) {
        m_writer.request_stop();
        m_queueChanged.notify_all();
        m_writer.join();
    }
    sqlite3_close(m_writeDb);
    sqlite3_close(m_readDb);
}

std::string EventStore::defaultPath()
{
    QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (dir.isEmpty())
        dir = QDir::homePath() + QStringLiteral("/.local/share/nocturne");
    QDir().mkpath(dir);
    return QString(dir + QStringLiteral("/events.sqlite")).toStdString();
}

Result<std::unique_ptr<EventStore>> EventStore::open(const std::string &path)
{
    if (path.empty() || path == ":memory:")
        return makeError(ErrorCode::InvalidArgument, "the event store needs a file path", path);
    std::unique_ptr<EventStore> store(new EventStore(path));
    if (auto status = store->openConnections(); !status)
        return tl::unexpected(status.error());
    store->m_writer = std::jthread([s = store.get()](std::stop_token stop) { s->writerLoop(stop); });
    return store;
}

Status EventStore::openConnections()
{
    if (sqlite3_open_v2(m_path.c_str(), &m_writeDb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr)
        != SQLITE_OK)
        return tl::unexpected(sqliteError(m_writeDb, "cannot open", m_path));
    sqlite3_busy_timeout(m_writeDb, 5000);
    if (auto s = exec(m_writeDb, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", m_path); !s)
        return s;

    Statement version;
    sqlite3_prepare_v2(m_writeDb, "PRAGMA user_version", -1, &version.stmt, nullptr);
    if (sqlite3_step(version.stmt) != SQLITE_ROW)
        return tl::unexpected(sqliteError(m_writeDb, "cannot read schema version", m_path));
    int current = sqlite3_column_int(version.stmt, 0);
    if (current > kSchemaVersion)
        return makeError(ErrorCode::SchemaError,
                         "database schema version " + std::to_string(current) + " is newer than this build understands ("
                             + std::to_string(kSchemaVersion) + ")",
                         m_path);
    // Each migration runs in its own transaction together with the version bump, so a crash leaves a valid version.
    for (int next = current + 1; next <= kSchemaVersion; ++next) {
        const std::string sql = std::string("BEGIN IMMEDIATE;") + eventStoreMigrationSql(next) + "PRAGMA user_version="
                                + std::to_string(next) + ";COMMIT;";
        if (auto s = exec(m_writeDb, sql.c_str(), m_path); !s) {
            (void)exec(m_writeDb, "ROLLBACK;", m_path);
            return makeError(ErrorCode::SchemaError, "migration to v" + std::to_string(next) + " failed: " + s.error().message, m_path);
        }
        current = next;
    }
    m_schemaVersion = current;

    if (sqlite3_open_v2(m_path.c_str(), &m_readDb, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
        return tl::unexpected(sqliteError(m_readDb, "cannot open for reading", m_path));
    sqlite3_busy_timeout(m_readDb, 5000);
    return {};
}

void EventStore::append(EventRecord record)
{
    {
        std::lock_guard lock(m_queueMutex);
        m_queue.push_back(std::move(record));
        ++m_enqueued;
    }
    m_queueChanged.notify_all();
}

Status EventStore::flush()
{
    std::unique_lock lock(m_queueMutex);
    const std::uint64_t target = m_enqueued;
    m_queueChanged.notify_all();
    m_queueChanged.wait(lock, [&] { return m_committed >= target || !m_writer.joinable(); });
    if (m_lastError)
        return tl::unexpected(*m_lastError);
    return {};
}

void EventStore::writerLoop(std::stop_token stop)
{
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

Status EventStore::writeBatch(std::vector<EventRecord> &batch)
{
    if (auto s = exec(m_writeDb, "BEGIN", m_path); !s)
        return s;
    Statement insert;
    if (sqlite3_prepare_v2(m_writeDb,
                           "INSERT INTO events(ts, kind, entity, title, severity, attributes, source) VALUES(?,?,?,?,?,?,?)", -1,
                           &insert.stmt, nullptr)
        != SQLITE_OK)
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

Result<std::vector<EventRecord>> EventStore::query(const Query &q) const
{
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

Status EventStore::saveTemplates(const std::vector<LogAnalyzer::SavedTemplate> &templates)
{
    std::promise<Status> done;
    auto result = done.get_future();
    {
        std::lock_guard lock(m_queueMutex);
        m_tasks.push_back([this, &templates, &done](sqlite3 *db) {
            auto run = [&]() -> Status {
                if (auto s = exec(db, "BEGIN; DELETE FROM log_templates;", m_path); !s) {
                    (void)exec(db, "ROLLBACK", m_path);
                    return s;
                }
                Statement insert;
                if (sqlite3_prepare_v2(db, "INSERT INTO log_templates(source, id, template, count, first_seen, last_seen) VALUES(?,?,?,?,?,?)",
                                       -1, &insert.stmt, nullptr)
                    != SQLITE_OK) {
                    (void)exec(db, "ROLLBACK", m_path);
                    return tl::unexpected(sqliteError(db, "prepare template insert", m_path));
                }
                for (const auto &t : templates) {
                    sqlite3_bind_text(insert.stmt, 1, t.source.data(), int(t.source.size()), SQLITE_STATIC);
                    sqlite3_bind_int64(insert.stmt, 2, t.id);
                    sqlite3_bind_text(insert.stmt, 3, t.text.data(), int(t.text.size()), SQLITE_STATIC);
                    sqlite3_bind_int64(insert.stmt, 4, sqlite3_int64(t.count));
                    sqlite3_bind_int64(insert.stmt, 5, t.firstSeen);
                    sqlite3_bind_int64(insert.stmt, 6, t.lastSeen);
                    if (sqlite3_step(insert.stmt) != SQLITE_DONE) {
                        Error error = sqliteError(db, "insert template", m_path);
                        (void)exec(db, "ROLLBACK", m_path);
                        return tl::unexpected(error);
                    }
                    sqlite3_reset(insert.stmt);
                }
                return exec(db, "COMMIT", m_path);
            };
            done.set_value(run());
        });
    }
    m_queueChanged.notify_all();
    return result.get();
}

Result<std::vector<LogAnalyzer::SavedTemplate>> EventStore::loadTemplates() const
{
    std::lock_guard lock(m_readMutex);
    Statement select;
    if (sqlite3_prepare_v2(m_readDb, "SELECT source, id, template, count, first_seen, last_seen FROM log_templates ORDER BY source, id",
                           -1, &select.stmt, nullptr)
        != SQLITE_OK)
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

Result<std::int64_t> EventStore::count() const
{
    std::lock_guard lock(m_readMutex);
    Statement stmt;
    if (sqlite3_prepare_v2(m_readDb, "SELECT count(*) FROM events", -1, &stmt.stmt, nullptr) != SQLITE_OK
        || sqlite3_step(stmt.stmt) != SQLITE_ROW)
        return tl::unexpected(sqliteError(m_readDb, "count events", m_path));
    return sqlite3_column_int64(stmt.stmt, 0);
}

} // namespace Nocturne::Engine
