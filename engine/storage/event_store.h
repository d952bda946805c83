#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "alerts/alert_book.h"
#include "diagnose/diagnosis.h"
#include "diagnose/root_cause.h"
#include "logs/error_classifier.h"
#include "logs/log_analyzer.h"
#include "model/records.h"

struct sqlite3;
struct sqlite3_stmt;

namespace Nocturne::Engine {

// A closed incident's ranked causes as they stood when it closed (frozenBy "system") or when an operator last
// re-ranked them (frozenBy = that person).
struct FrozenDiagnosis {
    Timestamp frozenAt = 0;
    std::string frozenBy;
    std::vector<RcaCandidate> candidates;
};

// Discrete records (deploys, alerts, notes, later audit) in SQLite. One writer thread owns the write connection and
// commits queued records in batches; readers use their own connection (WAL lets them run while the writer commits).
// The schema is versioned with PRAGMA user_version and upgraded in place by ordered migrations.
class EventStore
{
public:
    static constexpr int kSchemaVersion = 8;

    struct Query {
        Timestamp from = 0;
        Timestamp to = INT64_MAX;
        std::string kind;   // empty: any
        std::string entity; // empty: any
        std::size_t limit = 1000;
    };

    ~EventStore();
    EventStore(const EventStore &) = delete;
    EventStore &operator=(const EventStore &) = delete;

    // Opens (creating or migrating) the database at `path`. ":memory:" is not supported (two connections).
    static Result<std::unique_ptr<EventStore>> open(const std::string &path);
    // Where the console keeps its database unless told otherwise: QStandardPaths' AppDataLocation/events.sqlite.
    static std::string defaultPath();

    // Queues a record for the writer thread; never blocks on disk.
    void append(EventRecord record);
    // Blocks until everything queued before this call is committed; returns the writer's last error, if any.
    Status flush();

    Result<std::vector<EventRecord>> query(const Query &query) const;

    // Log templates, so template ids survive restarts: replaces everything saved before, in one transaction on the
    // writer thread (blocks until committed).
    Status saveTemplates(const std::vector<LogAnalyzer::SavedTemplate> &templates);
    Result<std::vector<LogAnalyzer::SavedTemplate>> loadTemplates() const;
    Result<std::int64_t> count() const;
    // The alert book (alerts with history, incidents, silences, learnt affinities): saved in one transaction,
    // loaded back on start. Alerts resolved before `keepAfter` keep their row but lose history and annotations.
    Status saveAlerts(const AlertBook::State &state, Timestamp keepAfter);
    Result<AlertBook::State> loadAlerts() const;
    // Learnt association of log templates with confirmed incident classes (class "" = overall counts).
    Status saveTemplateAssociation(const std::vector<TemplateIncidentAssociation::Row> &rows);
    Result<std::vector<TemplateIncidentAssociation::Row>> loadTemplateAssociation() const;
    // Operators' verdicts on root-cause candidates (counts per entity and fault class): replaced whole.
    Status saveRcaFeedback(const std::vector<RcaFeedback::Row> &rows);
    Result<std::vector<RcaFeedback::Row>> loadRcaFeedback() const;
    // Attributed, timestamped notes on incidents (war room); appended, never edited.
    Status appendIncidentNote(const IncidentNote &note);
    Result<std::vector<IncidentNote>> loadIncidentNotes() const;
    // Frozen diagnoses of closed incidents (one per incident, JSON, see diagnosis_codec.h): a save replaces the
    // incident's earlier one, on the writer thread (blocks until committed). A ranking the decoder would refuse (over
    // kMaxDiagnosisCandidates / kMaxDiagnosisEvidence / kMaxDiagnosisJsonBytes) is refused here, not written.
    Status saveIncidentDiagnosis(std::int64_t incident, Timestamp frozenAt, const std::string &frozenBy,
                                 const std::vector<RcaCandidate> &candidates);
    // Drops an incident's frozen diagnosis (it re-opened); no row is not an error.
    Status removeIncidentDiagnosis(std::int64_t incident);
    // Every frozen diagnosis by incident id. A row that does not decode is skipped, never fatal: each is counted in
    // `skipped` (when given) as an Error whose context names the incident.
    Result<std::map<std::int64_t, FrozenDiagnosis>> loadIncidentDiagnoses(std::vector<Error> *skipped = nullptr) const;
    // One incident's (nullopt: none saved). A row that does not decode is an error here.
    Result<std::optional<FrozenDiagnosis>> loadIncidentDiagnosis(std::int64_t incident) const;
    int schemaVersion() const { return m_schemaVersion; }
    const std::string &path() const { return m_path; }

private:
    explicit EventStore(std::string path);
    Status openConnections();
    Status runOnWriter(const std::function<Status(sqlite3 *)> &work);
    // Replaces every row of `table` with `rows` rows bound by `bind`, in one transaction on the writer thread.
    Status replaceRows(const char *table, const char *insertSql, std::size_t rows,
                       const std::function<void(sqlite3_stmt *, std::size_t)> &bind);
    void writerLoop(std::stop_token stop);
    Status writeBatch(std::vector<EventRecord> &batch);

    std::string m_path;
    int m_schemaVersion = 0;
    sqlite3 *m_writeDb = nullptr; // used by the writer thread only (and by open before it starts)
    sqlite3 *m_readDb = nullptr;  // guarded by m_readMutex
    mutable std::mutex m_readMutex;

    std::mutex m_queueMutex;
    std::condition_variable_any m_queueChanged;
    std::deque<EventRecord> m_queue; // guarded by m_queueMutex
    std::uint64_t m_enqueued = 0;    // guarded by m_queueMutex
    std::uint64_t m_committed = 0;   // guarded by m_queueMutex
    std::optional<Error> m_lastError; // guarded by m_queueMutex
    std::deque<std::function<void(sqlite3 *)>> m_tasks; // guarded by m_queueMutex; run by the writer thread
    std::jthread m_writer;
};

// The ordered schema migrations; exposed so tests can build an old database and upgrade it.
// migrationSql(v) upgrades from version v-1 to v.
const char *eventStoreMigrationSql(int version);

} // namespace Nocturne::Engine
