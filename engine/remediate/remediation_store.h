#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "remediate/proposal_book.h"

struct sqlite3;

namespace Nocturne::Engine {

struct AuditRecord {
    std::int64_t seq = 0;
    Timestamp ts = 0;
    std::string actor;   // a person, "policy:<name>", "plugin:<name>" or "system"
    std::string kind;    // login, login_failed, user_added, config, proposal, approve, reject, expire, execute, plugin_output,
                         // verify, rollback, kill_switch, interrupted
    std::string subject; // "proposal 12", "user alice", "policies.yaml"
    std::string detail;  // free text / JSON; never a secret
    std::string prev, hash;
};

struct AuditVerification {
    bool ok = true;
    std::int64_t records = 0;
    std::int64_t firstBad = 0; // seq of the first record that does not verify (0: none)
    std::string reason;
};

struct Session {
    std::string user;
    Role role = Role::Viewer;
    std::string id; // public session id (not the token)
};

// One SQLite file for remediation: the append-only audit chain, users with PBKDF2-SHA256 password hashes, sessions
// (tokens stored hashed), proposals and the execution history that cooldowns are rebuilt from. Thread-safe (one
// connection, one mutex; every write is a transaction, WAL).
//
// Audit chain: hash = SHA-256(prev hash ‖ canonical record), canonical = length-prefixed seq, ts, actor, kind,
// subject, detail. Triggers refuse UPDATE and DELETE on the table; the head (last seq and hash) is kept in a second
// table so a truncated tail is caught too. verifyAudit() recomputes everything and names the first bad record.
class RemediationStore
{
public:
    struct Options {
        int pbkdf2Iterations = 310'000; // OWASP's figure for PBKDF2-HMAC-SHA256
        Duration sessionLifetime = 12 * kHour;
        int lockoutFailures = 5;             // this many failed sign-ins for a name within …
        Duration lockoutWindow = 15 * kMinute; // … this window lock it for the rest of the window
    };
    static Result<std::unique_ptr<RemediationStore>> open(const std::string &path, Options options);
    static Result<std::unique_ptr<RemediationStore>> open(const std::string &path) { return open(path, Options{}); }
    ~RemediationStore();

    const std::string &path() const { return m_path; }

    Result<AuditRecord> audit(const std::string &actor, const std::string &kind, const std::string &subject,
                              const std::string &detail, Timestamp ts);
    std::vector<AuditRecord> auditRecords(std::int64_t afterSeq = 0, std::size_t limit = 10'000) const;
    // The newest `limit` records, newest first (the audit viewer's page).
    std::vector<AuditRecord> latestAuditRecords(std::size_t limit) const;
    AuditVerification verifyAudit() const;
    // The same check on a file, read-only (nocturne-engine audit verify).
    static AuditVerification verifyAuditFile(const std::string &path);

    // Users. addUser audits as `by`; passwords are never stored or logged, only salt + PBKDF2 hash.
    Status addUser(const std::string &name, Role role, const std::string &password, const std::string &by, Timestamp now);
    std::vector<std::pair<std::string, Role>> users() const;
    // A new session token for the person, or an error (audited either way, without the password).
    Result<std::string> login(const std::string &name, const std::string &password, Timestamp now);
    Result<Session> authenticate(const std::string &token, Timestamp now) const;
    void logout(const std::string &token, Timestamp now);

    Status saveProposal(const Proposal &proposal);
    std::vector<Proposal> loadProposals() const;
    Status recordStart(const std::string &gateKey, Timestamp at);
    std::vector<std::pair<std::string, Timestamp>> starts() const;
    Status setSetting(const std::string &key, const std::string &value);
    std::string setting(const std::string &key) const;

private:
    RemediationStore() = default;
    Status exec(const std::string &sql) const;
    std::string m_path;
    Options m_options;
    mutable std::mutex m_mutex;
    sqlite3 *m_db = nullptr; // guarded by m_mutex
};

std::string sha256Hex(const std::string &bytes);
std::string canonicalAuditRecord(const AuditRecord &record);

} // namespace Nocturne::Engine
