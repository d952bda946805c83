#include "remediation_store.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPasswordDigestor>
#include <QRandomGenerator>

#include <sqlite3.h>

namespace Nocturne::Engine {

namespace {
struct Statement {
    sqlite3_stmt *stmt = nullptr;
    Statement(sqlite3 *db, const char *sql) { sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr); }
    ~Statement() { sqlite3_finalize(stmt); }
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;
    void text(int i, const std::string &s) { sqlite3_bind_text(stmt, i, s.data(), int(s.size()), SQLITE_TRANSIENT); }
    void blob(int i, const QByteArray &b) { sqlite3_bind_blob(stmt, i, b.constData(), int(b.size()), SQLITE_TRANSIENT); }
    void integer(int i, std::int64_t v) { sqlite3_bind_int64(stmt, i, v); }
    std::string column(int i) const
    {
        const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(stmt, i));
        return p ? std::string(p, std::size_t(sqlite3_column_bytes(stmt, i))) : std::string();
    }
    QByteArray columnBlob(int i) const
    {
        return QByteArray(static_cast<const char *>(sqlite3_column_blob(stmt, i)), sqlite3_column_bytes(stmt, i));
    }
};

const char *kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL,
  detail TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, role TEXT NOT NULL, salt BLOB NOT NULL, hash BLOB NOT NULL,
  iterations INTEGER NOT NULL, created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (token_hash TEXT PRIMARY KEY, id TEXT NOT NULL, user TEXT NOT NULL,
  created INTEGER NOT NULL, expires INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS proposals (id INTEGER PRIMARY KEY, state TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS starts (gate TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
)SQL";

QByteArray derive(const std::string &password, const QByteArray &salt, int iterations)
{
    return QPasswordDigestor::deriveKeyPbkdf2(QCryptographicHash::Sha256, QByteArray::fromStdString(password), salt, iterations, 32);
}

std::string randomHex(int bytes)
{
    QByteArray b(bytes, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(b.data()), bytes / 4);
    return b.toHex().toStdString();
}

QJsonObject toJson(const Proposal &p)
{
    QJsonArray decisions;
    for (const Decision &d : p.decisions)
        decisions.append(QJsonObject{{QStringLiteral("user"), QString::fromStdString(d.user)},
                                     {QStringLiteral("session"), QString::fromStdString(d.session)},
                                     {QStringLiteral("approve"), d.approve},
                                     {QStringLiteral("reason"), QString::fromStdString(d.reason)},
                                     {QStringLiteral("at"), qint64(d.at)}});
    QJsonArray roles, blast;
    for (Role r : p.approverRoles)
        roles.append(QString::fromLatin1(roleName(r)));
    for (const std::string &b : p.blastRadius)
        blast.append(QString::fromStdString(b));
    auto s = [](const std::string &v) { return QString::fromStdString(v); };
    return QJsonObject{{QStringLiteral("id"), qint64(p.id)}, {QStringLiteral("policy"), s(p.policy)},
                       {QStringLiteral("plugin"), s(p.plugin)}, {QStringLiteral("action"), s(p.action)},
                       {QStringLiteral("target"), s(p.target)}, {QStringLiteral("entity"), s(p.entity)},
                       {QStringLiteral("parameters"), s(p.parametersJson)},
                       {QStringLiteral("proposer"), s(p.proposer)}, {QStringLiteral("reason"), s(p.reason)},
                       {QStringLiteral("incident"), qint64(p.incidentId)}, {QStringLiteral("risk"), s(p.risk)},
                       {QStringLiteral("blast"), blast}, {QStringLiteral("rule"), QString::fromLatin1(approvalRuleName(p.rule))},
                       {QStringLiteral("roles"), roles}, {QStringLiteral("excludeProposer"), p.excludeProposer},
                       {QStringLiteral("state"), QString::fromLatin1(proposalStateName(p.state))},
                       {QStringLiteral("created"), qint64(p.created)}, {QStringLiteral("expires"), qint64(p.expires)},
                       {QStringLiteral("updated"), qint64(p.updated)}, {QStringLiteral("decisions"), decisions},
                       {QStringLiteral("plan"), s(p.planJson)}, {QStringLiteral("dryRun"), s(p.dryRunOutput)},
                       {QStringLiteral("outcome"), s(p.outcomeJson)}, {QStringLiteral("message"), s(p.message)},
                       {QStringLiteral("canary"), p.canary}};
}

Proposal fromJson(const QJsonObject &o)
{
    Proposal p;
    auto s = [&](const char *k) { return o.value(QLatin1String(k)).toString().toStdString(); };
    p.id = o.value(QLatin1String("id")).toInteger();
    p.policy = s("policy");
    p.plugin = s("plugin");
    p.action = s("action");
    p.target = s("target");
    p.entity = s("entity");
    p.parametersJson = s("parameters");
    p.proposer = s("proposer");
    p.reason = s("reason");
    p.incidentId = o.value(QLatin1String("incident")).toInteger();
    p.risk = s("risk");
    for (const QJsonValue &b : o.value(QLatin1String("blast")).toArray())
        p.blastRadius.push_back(b.toString().toStdString());
    const std::string rule = s("rule");
    p.rule = rule == "none" ? ApprovalRule::None : rule == "two" ? ApprovalRule::Two : ApprovalRule::One;
    p.approverRoles.clear();
    for (const QJsonValue &r : o.value(QLatin1String("roles")).toArray())
        if (auto role = roleFromName(r.toString().toStdString()))
            p.approverRoles.push_back(*role);
    p.excludeProposer = o.value(QLatin1String("excludeProposer")).toBool(true);
    p.state = proposalStateFromName(s("state")).value_or(ProposalState::Failed);
    p.created = o.value(QLatin1String("created")).toInteger();
    p.expires = o.value(QLatin1String("expires")).toInteger();
    p.updated = o.value(QLatin1String("updated")).toInteger();
    for (const QJsonValue &v : o.value(QLatin1String("decisions")).toArray()) {
        const QJsonObject d = v.toObject();
        p.decisions.push_back(Decision{d.value(QLatin1String("user")).toString().toStdString(),
                                       d.value(QLatin1String("session")).toString().toStdString(),
                                       d.value(QLatin1String("approve")).toBool(), d.value(QLatin1String("reason")).toString().toStdString(),
                                       d.value(QLatin1String("at")).toInteger()});
    }
    p.planJson = s("plan");
    p.dryRunOutput = s("dryRun");
    p.outcomeJson = s("outcome");
    p.message = s("message");
    p.canary = o.value(QLatin1String("canary")).toBool();
    return p;
}

AuditVerification verifyOn(sqlite3 *db)
{
    AuditVerification v;
    Statement q(db, "SELECT seq, ts, actor, kind, subject, detail, prev, hash FROM audit ORDER BY seq");
    std::string prev = std::string(64, '0');
    std::int64_t expected = 1;
    while (sqlite3_step(q.stmt) == SQLITE_ROW) {
        AuditRecord r;
        r.seq = sqlite3_column_int64(q.stmt, 0);
        r.ts = sqlite3_column_int64(q.stmt, 1);
        r.actor = q.column(2);
        r.kind = q.column(3);
        r.subject = q.column(4);
        r.detail = q.column(5);
        r.prev = q.column(6);
        r.hash = q.column(7);
        ++v.records;
        auto bad = [&](std::int64_t seq, std::string why) {
            v.ok = false;
            v.firstBad = seq;
            v.reason = std::move(why);
        };
        if (r.seq != expected) {
            bad(expected, "record " + std::to_string(expected) + " is missing (next is " + std::to_string(r.seq) + ")");
            return v;
        }
        if (r.prev != prev) {
            bad(r.seq, "record " + std::to_string(r.seq) + " does not chain to the record before it");
            return v;
        }
        if (sha256Hex(prev + canonicalAuditRecord(r)) != r.hash) {
            bad(r.seq, "record " + std::to_string(r.seq) + " was modified (its hash does not match its content)");
            return v;
        }
        prev = r.hash;
        ++expected;
    }
    Statement head(db, "SELECT seq, hash FROM audit_head WHERE id = 1");
    if (sqlite3_step(head.stmt) == SQLITE_ROW) {
        const std::int64_t seq = sqlite3_column_int64(head.stmt, 0);
        if (seq != expected - 1 || head.column(1) != prev) {
            v.ok = false;
            v.firstBad = std::min(seq, expected);
            v.reason = "the chain ends at record " + std::to_string(expected - 1) + " but its head says " + std::to_string(seq) +
                       " (records were removed from the end)";
        }
    } else if (v.records > 0) {
        v.ok = false;
        v.firstBad = 1;
        v.reason = "the audit head is missing";
    }
    return v;
}
} // namespace

std::string sha256Hex(const std::string &bytes)
{
    return QCryptographicHash::hash(QByteArray::fromStdString(bytes), QCryptographicHash::Sha256).toHex().toStdString();
}

std::string canonicalAuditRecord(const AuditRecord &r)
{
    // Length-prefixed fields: no separator inside a field can make two different records hash the same.
    std::string out;
    for (const std::string &field : {std::to_string(r.seq), std::to_string(r.ts), r.actor, r.kind, r.subject, r.detail})
        out += std::to_string(field.size()) + ":" + field + ";";
    return out;
}

Result<std::unique_ptr<RemediationStore>> RemediationStore::open(const std::string &path, Options options)
{
    std::unique_ptr<RemediationStore> store(new RemediationStore());
    store->m_path = path;
    store->m_options = options;
    if (sqlite3_open_v2(path.c_str(), &store->m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK)
        return makeError(ErrorCode::DatabaseError, store->m_db ? sqlite3_errmsg(store->m_db) : "cannot open", path);
    sqlite3_busy_timeout(store->m_db, 5000);
    if (auto s = store->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"); !s)
        return tl::unexpected(s.error());
    if (auto s = store->exec(kSchema); !s)
        return tl::unexpected(s.error());
    return store;
}

RemediationStore::~RemediationStore()
{
    sqlite3_close(m_db);
}

Status RemediationStore::exec(const std::string &sql) const
{
    char *error = nullptr;
    if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : "SQLite error";
        sqlite3_free(error);
        return makeError(ErrorCode::DatabaseError, message, m_path);
    }
    return {};
}

Result<AuditRecord> RemediationStore::audit(const std::string &actor, const std::string &kind, const std::string &subject,
                                            const std::string &detail, Timestamp ts)
{
    std::lock_guard lock(m_mutex);
    if (auto s = exec("BEGIN IMMEDIATE"); !s)
        return tl::unexpected(s.error());
    AuditRecord r;
    r.prev = std::string(64, '0');
    {
        Statement head(m_db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
        if (sqlite3_step(head.stmt) == SQLITE_ROW) {
            r.seq = sqlite3_column_int64(head.stmt, 0);
            r.prev = head.column(1);
        }
    }
    ++r.seq;
    r.ts = ts;
    r.actor = actor;
    r.kind = kind;
    r.subject = subject;
    r.detail = detail;
    r.hash = sha256Hex(r.prev + canonicalAuditRecord(r));
    Statement ins(m_db, "INSERT INTO audit (seq, ts, actor, kind, subject, detail, prev, hash) VALUES (?,?,?,?,?,?,?,?)");
    ins.integer(1, r.seq);
    ins.integer(2, r.ts);
    ins.text(3, r.actor);
    ins.text(4, r.kind);
    ins.text(5, r.subject);
    ins.text(6, r.detail);
    ins.text(7, r.prev);
    ins.text(8, r.hash);
    Statement head(m_db, "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash");
    head.integer(1, r.seq);
    head.text(2, r.hash);
    if (sqlite3_step(ins.stmt) != SQLITE_DONE || sqlite3_step(head.stmt) != SQLITE_DONE) {
        const std::string message = sqlite3_errmsg(m_db);
        (void)exec("ROLLBACK");
        return makeError(ErrorCode::DatabaseError, message, m_path);
    }
    if (auto s = exec("COMMIT"); !s)
        return tl::unexpected(s.error());
    return r;
}

std::vector<AuditRecord> RemediationStore::auditRecords(std::int64_t afterSeq, std::size_t limit) const
{
    std::lock_guard lock(m_mutex);
    std::vector<AuditRecord> out;
    Statement q(m_db, "SELECT seq, ts, actor, kind, subject, detail, prev, hash FROM audit WHERE seq > ? ORDER BY seq LIMIT ?");
    q.integer(1, afterSeq);
    q.integer(2, std::int64_t(limit));
    while (sqlite3_step(q.stmt) == SQLITE_ROW)
        out.push_back(AuditRecord{sqlite3_column_int64(q.stmt, 0), sqlite3_column_int64(q.stmt, 1), q.column(2), q.column(3),
                                  q.column(4), q.column(5), q.column(6), q.column(7)});
    return out;
}

std::vector<AuditRecord> RemediationStore::latestAuditRecords(std::size_t limit) const
{
    std::lock_guard lock(m_mutex);
    std::vector<AuditRecord> out;
    Statement q(m_db, "SELECT seq, ts, actor, kind, subject, detail, prev, hash FROM audit ORDER BY seq DESC LIMIT ?");
    q.integer(1, std::int64_t(limit));
    while (sqlite3_step(q.stmt) == SQLITE_ROW)
        out.push_back(AuditRecord{sqlite3_column_int64(q.stmt, 0), sqlite3_column_int64(q.stmt, 1), q.column(2), q.column(3),
                                  q.column(4), q.column(5), q.column(6), q.column(7)});
    return out;
}

AuditVerification RemediationStore::verifyAudit() const
{
    std::lock_guard lock(m_mutex);
    return verifyOn(m_db);
}

AuditVerification RemediationStore::verifyAuditFile(const std::string &path)
{
    sqlite3 *db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        AuditVerification v{false, 0, 0, std::string("cannot open: ") + (db ? sqlite3_errmsg(db) : path.c_str())};
        sqlite3_close(db);
        return v;
    }
    sqlite3_busy_timeout(db, 5000);
    bool isAudit = false;
    {
        Statement check(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit'");
        isAudit = check.stmt && sqlite3_step(check.stmt) == SQLITE_ROW && sqlite3_column_int(check.stmt, 0) == 1;
    }
    AuditVerification v = isAudit ? verifyOn(db) : AuditVerification{false, 0, 0, "not a Nocturne remediation database (no audit table)"};
    sqlite3_close(db);
    return v;
}

Status RemediationStore::addUser(const std::string &name, Role role, const std::string &password, const std::string &by, Timestamp now)
{
    if (name.empty() || name.find_first_of(" \t\r\n\"'") != std::string::npos)
        return makeError(ErrorCode::InvalidArgument, "user names have no spaces or quotes", name);
    if (password.size() < 12)
        return makeError(ErrorCode::InvalidArgument, "passwords need at least 12 characters", "user " + name);
    QByteArray salt(16, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(salt.data()), 4);
    const QByteArray hash = derive(password, salt, m_options.pbkdf2Iterations);
    {
        std::lock_guard lock(m_mutex);
        Statement ins(m_db, "INSERT INTO users (name, role, salt, hash, iterations, created) VALUES (?,?,?,?,?,?) "
                            "ON CONFLICT(name) DO UPDATE SET role = excluded.role, salt = excluded.salt, hash = excluded.hash, "
                            "iterations = excluded.iterations");
        ins.text(1, name);
        ins.text(2, roleName(role));
        ins.blob(3, salt);
        ins.blob(4, hash);
        ins.integer(5, m_options.pbkdf2Iterations);
        ins.integer(6, now);
        if (sqlite3_step(ins.stmt) != SQLITE_DONE)
            return makeError(ErrorCode::DatabaseError, sqlite3_errmsg(m_db), m_path);
    }
    if (auto r = audit(by, "user_added", "user " + name, std::string("role ") + roleName(role), now); !r)
        return tl::unexpected(r.error());
    return {};
}

std::vector<std::pair<std::string, Role>> RemediationStore::users() const
{
    std::lock_guard lock(m_mutex);
    std::vector<std::pair<std::string, Role>> out;
    Statement q(m_db, "SELECT name, role FROM users ORDER BY name");
    while (sqlite3_step(q.stmt) == SQLITE_ROW)
        out.emplace_back(q.column(0), roleFromName(q.column(1)).value_or(Role::Viewer));
    return out;
}

Result<std::string> RemediationStore::login(const std::string &name, const std::string &password, Timestamp now)
{
    // Guessing is slowed twice: PBKDF2 per attempt, and a lock after repeated failures (counted from the audit log,
    // since the last successful sign-in, within the window).
    if (m_options.lockoutFailures > 0) {
        std::int64_t failures = 0;
        {
            std::lock_guard lock(m_mutex);
            Statement q(m_db, "SELECT count(*) FROM audit WHERE subject = ? AND kind = 'login_failed' AND ts > ? AND ts > "
                              "coalesce((SELECT max(ts) FROM audit WHERE subject = ? AND kind = 'login'), 0)");
            q.text(1, "user " + name);
            q.integer(2, now - m_options.lockoutWindow);
            q.text(3, "user " + name);
            if (sqlite3_step(q.stmt) == SQLITE_ROW)
                failures = sqlite3_column_int64(q.stmt, 0);
        }
        if (failures >= m_options.lockoutFailures) {
            (void)audit(name, "login_locked", "user " + name, std::to_string(failures) + " failed sign-ins in the window", now);
            return makeError(ErrorCode::InvalidArgument, "too many failed sign-ins for this name; try again later", "login");
        }
    }
    QByteArray salt, hash;
    int iterations = 0;
    bool found = false;
    {
        std::lock_guard lock(m_mutex);
        Statement q(m_db, "SELECT salt, hash, iterations FROM users WHERE name = ?");
        q.text(1, name);
        if (sqlite3_step(q.stmt) == SQLITE_ROW) {
            salt = q.columnBlob(0);
            hash = q.columnBlob(1);
            iterations = sqlite3_column_int(q.stmt, 2);
            found = true;
        }
    }
    // Derive even for unknown users so timing does not tell which names exist.
    const QByteArray derived = derive(password, found ? salt : QByteArray(16, '\0'), found ? iterations : m_options.pbkdf2Iterations);
    bool match = found && derived.size() == hash.size();
    unsigned char diff = 0;
    for (qsizetype i = 0; match && i < derived.size(); ++i)
        diff |= static_cast<unsigned char>(derived[i] ^ hash[i]);
    match = match && diff == 0;
    if (!match) {
        (void)audit(name, "login_failed", "user " + name, "wrong name or password", now);
        return makeError(ErrorCode::InvalidArgument, "wrong name or password", "login");
    }
    const std::string token = randomHex(32);
    const std::string id = randomHex(8);
    {
        std::lock_guard lock(m_mutex);
        Statement ins(m_db, "INSERT INTO sessions (token_hash, id, user, created, expires) VALUES (?,?,?,?,?)");
        ins.text(1, sha256Hex(token));
        ins.text(2, id);
        ins.text(3, name);
        ins.integer(4, now);
        ins.integer(5, now + m_options.sessionLifetime);
        if (sqlite3_step(ins.stmt) != SQLITE_DONE)
            return makeError(ErrorCode::DatabaseError, sqlite3_errmsg(m_db), m_path);
    }
    (void)audit(name, "login", "user " + name, "session " + id, now);
    return token;
}

Result<Session> RemediationStore::authenticate(const std::string &token, Timestamp now) const
{
    std::lock_guard lock(m_mutex);
    Statement q(m_db, "SELECT s.id, s.user, u.role, s.expires FROM sessions s JOIN users u ON u.name = s.user WHERE s.token_hash = ?");
    q.text(1, sha256Hex(token));
    if (sqlite3_step(q.stmt) != SQLITE_ROW)
        return makeError(ErrorCode::InvalidArgument, "not signed in", "session");
    if (sqlite3_column_int64(q.stmt, 3) < now)
        return makeError(ErrorCode::InvalidArgument, "session expired", "session");
    return Session{q.column(1), roleFromName(q.column(2)).value_or(Role::Viewer), q.column(0)};
}

void RemediationStore::logout(const std::string &token, Timestamp now)
{
    std::string user;
    {
        std::lock_guard lock(m_mutex);
        Statement q(m_db, "SELECT user FROM sessions WHERE token_hash = ?");
        q.text(1, sha256Hex(token));
        if (sqlite3_step(q.stmt) == SQLITE_ROW)
            user = q.column(0);
        Statement del(m_db, "DELETE FROM sessions WHERE token_hash = ?");
        del.text(1, sha256Hex(token));
        sqlite3_step(del.stmt);
    }
    if (!user.empty())
        (void)audit(user, "logout", "user " + user, {}, now);
}

Status RemediationStore::saveProposal(const Proposal &proposal)
{
    std::lock_guard lock(m_mutex);
    Statement ins(m_db, "INSERT INTO proposals (id, state, body) VALUES (?,?,?) ON CONFLICT(id) DO UPDATE SET state = excluded.state, body = excluded.body");
    ins.integer(1, proposal.id);
    ins.text(2, proposalStateName(proposal.state));
    ins.text(3, QJsonDocument(toJson(proposal)).toJson(QJsonDocument::Compact).toStdString());
    if (sqlite3_step(ins.stmt) != SQLITE_DONE)
        return makeError(ErrorCode::DatabaseError, sqlite3_errmsg(m_db), m_path);
    return {};
}

std::vector<Proposal> RemediationStore::loadProposals() const
{
    std::lock_guard lock(m_mutex);
    std::vector<Proposal> out;
    Statement q(m_db, "SELECT body FROM proposals ORDER BY id");
    while (sqlite3_step(q.stmt) == SQLITE_ROW)
        out.push_back(fromJson(QJsonDocument::fromJson(QByteArray::fromStdString(q.column(0))).object()));
    return out;
}

Status RemediationStore::recordStart(const std::string &gateKey, Timestamp at)
{
    std::lock_guard lock(m_mutex);
    Statement ins(m_db, "INSERT INTO starts (gate, at) VALUES (?, ?)");
    ins.text(1, gateKey);
    ins.integer(2, at);
    if (sqlite3_step(ins.stmt) != SQLITE_DONE)
        return makeError(ErrorCode::DatabaseError, sqlite3_errmsg(m_db), m_path);
    return {};
}

std::vector<std::pair<std::string, Timestamp>> RemediationStore::starts() const
{
    std::lock_guard lock(m_mutex);
    std::vector<std::pair<std::string, Timestamp>> out;
    Statement q(m_db, "SELECT gate, at FROM starts ORDER BY at");
    while (sqlite3_step(q.stmt) == SQLITE_ROW)
        out.emplace_back(q.column(0), sqlite3_column_int64(q.stmt, 1));
    return out;
}

Status RemediationStore::setSetting(const std::string &key, const std::string &value)
{
    std::lock_guard lock(m_mutex);
    Statement ins(m_db, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    ins.text(1, key);
    ins.text(2, value);
    if (sqlite3_step(ins.stmt) != SQLITE_DONE)
        return makeError(ErrorCode::DatabaseError, sqlite3_errmsg(m_db), m_path);
    return {};
}

std::string RemediationStore::setting(const std::string &key) const
{
    std::lock_guard lock(m_mutex);
    Statement q(m_db, "SELECT value FROM settings WHERE key = ?");
    q.text(1, key);
    return sqlite3_step(q.stmt) == SQLITE_ROW ? q.column(0) : std::string();
}

} // namespace Nocturne::Engine
