// Remediation with consent: randomised state-machine runs (no execution without its approvals, viewers never approve,
// one person with two sessions is one person, expired proposals never run), cooldowns and rate limits under
// concurrent triggers, policies, the audit chain and `audit verify` catching edits and deletions, users and sessions,
// the service end to end with the good fixture plugin (approve → run → verify; failed verification → rollback; kill
// switch; manual triggers under policy), and kill -9 in the middle of an execution.
#include <QFile>
#include <QJsonArray>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <random>
#include <set>
#include <thread>

#include <sqlite3.h>

#include "remediate/policy.h"
#include "runtime/engine.h"
#include "runtime/remediation_driver.h"
#include "scenario/scenario_library.h"
#include "remediate/proposal_book.h"
#include "remediate/remediation_service.h"
#include "remediate/remediation_store.h"

using namespace Nocturne::Engine;

namespace {
class FakeContext : public PolicyContext
{
public:
    std::map<std::string, double> metrics; // selector text → value
    std::map<std::pair<std::string, std::string>, double> hotspot; // (service, function) → percent
    std::optional<double> metric(const std::string &selector) const override
    {
        auto it = metrics.find(selector);
        return it == metrics.end() ? std::nullopt : std::optional<double>(it->second);
    }
    double anomalyScore(const std::string &) const override { return 0; }
    std::optional<double> hotspotPercent(const std::string &service, const std::string &function) const override
    {
        auto it = hotspot.find({service, function});
        return it == hotspot.end() ? std::nullopt : std::optional<double>(it->second);
    }
};

QString readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

std::unique_ptr<RemediationService> openService(const QString &db, const QString &journal, Timestamp now)
{
    RemediationService::Options options;
    options.databasePath = db.toStdString();
    options.store.pbkdf2Iterations = 1000; // tests only: the default is 310,000
    options.plugins.directories = {QStringLiteral(NOCTURNE_GOOD_PLUGIN_DIR)};
    options.plugins.config["fixture-good"] = QJsonObject{{QStringLiteral("journal"), journal}};
    options.plugins.timeoutMs = 10'000;
    auto s = RemediationService::open(options, now);
    if (!s)
        qFatal("%s", s.error().toString().c_str());
    return std::move(*s);
}

const char *kPolicies = R"(policies:
  - name: restart-order-on-pool-wait
    condition: 'db_pool_wait_seconds{entity="order"} > 0.5 for 2m'
    plugin: fixture-good
    action: noop
    target: deployment/order
    parameters: {note: "pool exhausted"}
    cooldown: 10m
    max_executions: {count: 3, window: 1h}
    approval: {required: two, roles: [operator, admin], exclude_proposer: true, ttl: 30m}
    verify: {condition: 'db_pool_wait_seconds{entity="order"} < 0.1', within: 5m}
  - name: fix-by-hand
    on_incident: {class: row_lock, min_confidence: 0.5}
    plugin: fixture-good
    action: risky
    target: '{entity}'
    approval: {required: one}
)";
const char *kHotspotAndCanary = R"(policies:
  - name: scale-payment-on-encrypt-hotspot
    condition: 'hotspot("encrypt") > 30%'
    plugin: fixture-good
    action: noop
    target: payment
    approval: {required: none}
  - name: drain-nodes-one-first
    on_suggestion: drain_node
    plugin: fixture-good
    action: noop
    target: '{entity}'
    canary: true
    approval: {required: none}
)";
} // namespace

class TestRemediation : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void randomisedStateMachine()
    {
        std::mt19937 rng(2026);
        const std::vector<Actor> people{{"vera", Role::Viewer, "v1"},  {"otto", Role::Operator, "o1"}, {"otto", Role::Operator, "o2"},
                                        {"olga", Role::Operator, "g1"}, {"ada", Role::Admin, "a1"},     {"ada", Role::Admin, "a2"},
                                        {"", Role::Operator, "anon"}};
        int runs = 0, refusedStarts = 0;
        for (int round = 0; round < 300; ++round) {
            ProposalBook book;
            Timestamp now = 0;
            std::vector<std::int64_t> ids;
            for (int i = 0; i < 4; ++i) {
                Proposal p;
                p.proposer = i % 2 ? "otto" : "policy:x";
                p.rule = ApprovalRule(std::uniform_int_distribution<int>(0, 2)(rng));
                p.approverRoles = i == 3 ? std::vector<Role>{Role::Admin} : std::vector<Role>{Role::Operator, Role::Admin};
                ids.push_back(book.add(p, now, 10 * kMinute).id);
            }
            for (int step = 0; step < 40; ++step) {
                now += std::uniform_int_distribution<Duration>(0, 2 * kMinute)(rng);
                const std::int64_t id = ids[std::uniform_int_distribution<std::size_t>(0, ids.size() - 1)(rng)];
                const Actor &who = people[std::uniform_int_distribution<std::size_t>(0, people.size() - 1)(rng)];
                switch (std::uniform_int_distribution<int>(0, 5)(rng)) {
                case 0:
                case 1: (void)book.approve(id, who, rng() % 8 ? "looks right" : "  ", now); break;
                case 2: (void)book.reject(id, who, "no", now); break;
                case 3: (void)book.expire(now); break;
                case 4: book.setKillSwitch(rng() % 4 == 0); break;
                default: {
                    const Proposal before = *book.get(id);
                    const bool killed = book.killSwitch();
                    if (book.start(id, now)) {
                        ++runs;
                        // Invariants at the moment of execution.
                        QVERIFY(!killed);
                        QVERIFY(now <= before.expires);
                        std::set<std::string> approvers;
                        for (const Decision &d : before.decisions) {
                            QVERIFY(d.approve);
                            QVERIFY(!d.user.empty());
                            QVERIFY(d.user != "vera");
                            if (before.excludeProposer)
                                QVERIFY(d.user != before.proposer);
                            approvers.insert(d.user);
                        }
                        QCOMPARE(int(approvers.size()), int(before.decisions.size())); // one person, one vote
                        QVERIFY(int(approvers.size()) >= before.approvalsNeeded());
                        if (before.approverRoles == std::vector<Role>{Role::Admin})
                            for (const std::string &u : approvers)
                                QCOMPARE(u, std::string("ada"));
                    } else {
                        ++refusedStarts;
                    }
                }
                }
            }
            for (const Proposal &p : book.all())
                if (p.state == ProposalState::Expired)
                    QVERIFY(book.start(p.id, now + kHour).has_value() == false);
        }
        QVERIFY(runs > 50);
        QVERIFY(refusedStarts > 50);
        // The two-person rule by name, not by session.
        ProposalBook book;
        Proposal p;
        p.proposer = "policy:x";
        p.rule = ApprovalRule::Two;
        const auto id = book.add(p, 0, kHour).id;
        QVERIFY(book.approve(id, {"otto", Role::Operator, "o1"}, "ok", 1).has_value());
        QVERIFY(!book.approve(id, {"otto", Role::Operator, "o2"}, "ok again", 2).has_value());
        QVERIFY(!book.start(id, 3).has_value());
        QVERIFY(!book.approve(id, {"vera", Role::Viewer, "v"}, "me too", 4).has_value());
        QVERIFY(book.approve(id, {"olga", Role::Operator, "g"}, "ok", 5).has_value());
        QVERIFY(book.start(id, 6).has_value());
    }

    void cooldownAndRateLimitUnderConcurrency()
    {
        RateGate gate;
        std::atomic<int> passed{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t)
            threads.emplace_back([&] {
                for (int i = 0; i < 200; ++i)
                    if (gate.acquire("restart@order", {10 * kMinute, 0, 0}, kHour).empty())
                        ++passed;
            });
        for (auto &t : threads)
            t.join();
        QCOMPARE(passed.load(), 1);
        std::atomic<int> limited{0};
        threads.clear();
        for (int t = 0; t < 8; ++t)
            threads.emplace_back([&, t] {
                for (int i = 0; i < 50; ++i)
                    if (gate.acquire("scale@web", {0, 3, kHour}, kHour + (t * 50 + i) * kSecond).empty())
                        ++limited;
            });
        for (auto &t : threads)
            t.join();
        QCOMPARE(limited.load(), 3);
        QVERIFY(gate.acquire("scale@web", {0, 3, kHour}, 3 * kHour).empty()); // the window moved on
    }

    void policies()
    {
        auto parsed = parsePolicies(kPolicies, "policies.yaml");
        QVERIFY2(parsed.has_value(), parsed ? "" : parsed.error().toString().c_str());
        QCOMPARE(parsed->size(), std::size_t(2));
        const Policy &p = parsed->front();
        QCOMPARE(p.condition.terms.size(), std::size_t(1));
        QCOMPARE(p.condition.terms[0].forDuration, 2 * kMinute);
        QCOMPARE(p.approval, ApprovalRule::Two);
        QCOMPARE(p.limits.maxExecutions, 3);
        QVERIFY(!p.verify.empty());
        QVERIFY(parsed->back().onIncident);
        // Errors name file, line and column.
        auto bad = parsePolicies("policies:\n  - name: a\n    plugin: p\n    action: x\n    condition: 'cpu >> 3'\n", "p.yaml");
        QVERIFY(!bad.has_value());
        QVERIFY2(bad.error().context.rfind("p.yaml:5:", 0) == 0, bad.error().context.c_str());
        QVERIFY(!parsePolicies("policies:\n  - {name: a, plugin: p, action: x, condition: 'm > 1', colour: red}\n", "p.yaml").has_value());
        QVERIFY(!parsePolicies("policies:\n  - {name: a, plugin: p, action: x, condition: 'm > 1', risk: high, approval: {required: none}}\n", "p.yaml")
                     .has_value());
        QVERIFY(!parsePolicies("policies:\n  - {name: a, plugin: p, action: x, condition: 'm > 1', approval: {roles: [viewer]}}\n", "p.yaml")
                     .has_value());
        // `for` durations.
        FakeContext ctx;
        PolicyEvaluator eval;
        const std::string sel = "db_pool_wait_seconds{entity=\"order\"}";
        ctx.metrics[sel] = 0.9;
        QVERIFY(eval.evaluate(*parsed, ctx, {}, 0).empty());
        QVERIFY(eval.evaluate(*parsed, ctx, {}, kMinute).empty());
        QCOMPARE(eval.evaluate(*parsed, ctx, {}, 2 * kMinute).size(), std::size_t(1));
        ctx.metrics[sel] = 0.2; // the streak breaks
        QVERIFY(eval.evaluate(*parsed, ctx, {}, 3 * kMinute).empty());
        ctx.metrics[sel] = 0.9;
        QVERIFY(eval.evaluate(*parsed, ctx, {}, 4 * kMinute).empty());
        // Incident policies: the top cause's class and confidence decide; the target is the cause.
        const auto fired = eval.evaluate(*parsed, ctx, {IncidentView{7, "mysql", "row_lock", 0.8, ""}, IncidentView{8, "cart", "cpu", 0.9, ""}}, 5 * kMinute);
        QCOMPARE(fired.size(), std::size_t(1));
        QCOMPARE(fired[0].target, std::string("mysql"));
        QCOMPARE(fired[0].incidentId, std::int64_t(7));
    }

    void auditChainCatchesTampering()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("r.db"));
        {
            auto store = RemediationStore::open(db.toStdString(), RemediationStore::Options{1000, 12 * kHour, 5, 15 * kMinute});
            QVERIFY(store.has_value());
            for (int i = 1; i <= 50; ++i)
                QVERIFY((*store)->audit("alice", "approve", "proposal " + std::to_string(i), "reason | with ; separators " + std::to_string(i), i).has_value());
            QVERIFY((*store)->verifyAudit().ok);
            // The table refuses edits through SQL.
            sqlite3 *raw = nullptr;
            sqlite3_open(db.toUtf8().constData(), &raw);
            QVERIFY(sqlite3_exec(raw, "UPDATE audit SET actor = 'mallory' WHERE seq = 7", nullptr, nullptr, nullptr) != SQLITE_OK);
            QVERIFY(sqlite3_exec(raw, "DELETE FROM audit WHERE seq = 7", nullptr, nullptr, nullptr) != SQLITE_OK);
            sqlite3_close(raw);
        }
        const auto cli = [&](const QString &file) {
            QProcess p;
            p.start(QStringLiteral(NOCTURNE_ENGINE_CLI), {QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--db"), file});
            p.waitForFinished(30000);
            return std::make_pair(p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()));
        };
        QCOMPARE(cli(db).first, 0);
        auto tamper = [&](const char *sql) {
            const QString copy = dir.filePath(QStringLiteral("t%1.db").arg(qHash(QByteArray(sql))));
            QFile::remove(copy);
            if (!QFile::copy(db, copy))
                qFatal("cannot copy the database");
            sqlite3 *raw = nullptr;
            sqlite3_open(copy.toUtf8().constData(), &raw);
            // Someone with the file drops the triggers first.
            if (sqlite3_exec(raw, "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;", nullptr, nullptr, nullptr) != SQLITE_OK
                || sqlite3_exec(raw, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
                qFatal("tampering failed: %s", sqlite3_errmsg(raw));
            sqlite3_close(raw);
            return copy;
        };
        const QString edited = tamper("UPDATE audit SET actor = 'mallory' WHERE seq = 17");
        auto v = RemediationStore::verifyAuditFile(edited.toStdString());
        QVERIFY(!v.ok);
        QCOMPARE(v.firstBad, std::int64_t(17));
        const auto [code, text] = cli(edited);
        QCOMPARE(code, 1);
        QVERIFY2(text.contains(QStringLiteral("first bad record 17")), qPrintable(text));
        QCOMPARE(RemediationStore::verifyAuditFile(tamper("DELETE FROM audit WHERE seq = 30").toStdString()).firstBad, std::int64_t(30));
        // Rehashing the edited record does not help: the next record's link breaks.
        const QString rehashed = tamper("UPDATE audit SET detail = 'nothing to see', hash = 'x' WHERE seq = 20");
        QVERIFY(RemediationStore::verifyAuditFile(rehashed.toStdString()).firstBad <= 21);
        // Cutting the tail is caught by the head.
        const QString cut = tamper("DELETE FROM audit WHERE seq > 45");
        QVERIFY(!RemediationStore::verifyAuditFile(cut.toStdString()).ok);
        QCOMPARE(cli(dir.filePath(QStringLiteral("missing.db"))).first, 1);
    }

    void usersAndSessions()
    {
        QTemporaryDir dir;
        auto store = RemediationStore::open(dir.filePath(QStringLiteral("u.db")).toStdString(), RemediationStore::Options{1000, kHour, 5, 15 * kMinute});
        QVERIFY(store.has_value());
        RemediationStore &s = **store;
        QVERIFY(!s.addUser("bob", Role::Operator, "short", "admin", 0).has_value());
        QVERIFY(s.addUser("bob", Role::Operator, "correct horse battery", "admin", 0).has_value());
        QVERIFY(!s.login("bob", "wrong horse battery", 1).has_value());
        QVERIFY(!s.login("nobody", "correct horse battery", 1).has_value());
        auto token = s.login("bob", "correct horse battery", 2);
        QVERIFY(token.has_value());
        auto session = s.authenticate(*token, 3);
        QVERIFY(session.has_value());
        QCOMPARE(session->user, std::string("bob"));
        QCOMPARE(session->role, Role::Operator);
        QVERIFY(!s.authenticate(*token, 2 + 2 * kHour).has_value()); // expired
        QVERIFY(!s.authenticate("forged", 3).has_value());
        for (const AuditRecord &r : s.auditRecords())
            QVERIFY2(r.detail.find("horse") == std::string::npos, r.detail.c_str()); // passwords are never logged
        s.logout(*token, 4);
        QVERIFY(!s.authenticate(*token, 5).has_value());
        // Guessing: after 5 failures in 15 minutes the name is locked, even for the right password, until the
        // window passes.
        for (int i = 0; i < 5; ++i)
            QVERIFY(!s.login("bob", "guess " + std::to_string(i), 10 + i).has_value());
        auto locked = s.login("bob", "correct horse battery", 20);
        QVERIFY(!locked.has_value());
        QVERIFY(locked.error().message.find("too many") != std::string::npos);
        QVERIFY(s.login("bob", "correct horse battery", 20 + 16 * kMinute).has_value());
        QVERIFY(s.verifyAudit().ok);
    }

    void serviceEndToEnd()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("svc.db")), journal = dir.filePath(QStringLiteral("journal.txt"));
        Timestamp now = 1'000 * kSecond;
        auto service = openService(db, journal, now);
        RemediationService &s = *service;
        QVERIFY(s.loadPolicies(kPolicies, "policies.yaml", "ada", now).has_value());
        QVERIFY(!s.loadPolicies("policies:\n  - {name: a, plugin: nope, action: x, condition: 'm > 1'}\n", "bad.yaml", "ada", now).has_value());
        for (auto [name, role] : {std::pair{"vera", Role::Viewer}, std::pair{"otto", Role::Operator}, std::pair{"olga", Role::Operator},
                                  std::pair{"ada", Role::Admin}})
            QVERIFY(s.store().addUser(name, role, std::string(name) + "-password-123", "setup", now).has_value());
        auto token = [&](const std::string &name) { return *s.login(name, name + "-password-123", now); };
        const std::string vera = token("vera"), otto1 = token("otto"), otto2 = token("otto"), olga = token("olga"), ada = token("ada");

        FakeContext ctx;
        const std::string sel = "db_pool_wait_seconds{entity=\"order\"}";
        ctx.metrics[sel] = 0.9;
        s.tick(ctx, {}, now);
        now += 2 * kMinute;
        s.tick(ctx, {}, now);
        QCOMPARE(s.proposals().size(), std::size_t(1));
        Proposal p = s.proposals().front();
        QCOMPARE(p.state, ProposalState::AwaitingApproval);
        QCOMPARE(p.proposer, std::string("policy:restart-order-on-pool-wait"));
        QVERIFY(p.dryRunOutput.find("dry run of noop") != std::string::npos);
        QVERIFY(p.reason.find("now 0.9") != std::string::npos);
        QCOMPARE(p.blastRadius, std::vector<std::string>{"deployment/order"});
        s.tick(ctx, {}, now + kSecond); // the same condition does not propose twice
        QCOMPARE(s.proposals().size(), std::size_t(1));

        QVERIFY(!s.approve(vera, p.id, "I am only a viewer", now).has_value());
        QVERIFY(!s.approve(otto1, p.id, "", now).has_value()); // a reason is mandatory
        QVERIFY(s.approve(otto1, p.id, "pool wait is real", now).has_value());
        QVERIFY(!s.approve(otto2, p.id, "same person, other session", now).has_value());
        QVERIFY(!readAll(journal).contains(QStringLiteral("execute")));
        QVERIFY(s.approve(olga, p.id, "agreed", now).has_value());
        QVERIFY(readAll(journal).contains(QStringLiteral("execute deployment/order")));
        QCOMPARE(s.proposal(p.id)->state, ProposalState::Verifying);
        ctx.metrics[sel] = 0.05; // the fix worked
        now += kMinute;
        s.tick(ctx, {}, now);
        QCOMPARE(s.proposal(p.id)->state, ProposalState::Succeeded);

        // The condition returns: the policy does not propose the same action again at once (settle window) …
        ctx.metrics[sel] = 0.9;
        s.tick(ctx, {}, now);
        now += 2 * kMinute;
        s.tick(ctx, {}, now);
        QCOMPARE(s.proposals().size(), std::size_t(1));
        // … and when a person asks for it by hand, the cooldown holds the execution even with two approvals.
        auto again = s.trigger(otto1, "fixture-good", "noop", "deployment/order", {}, "pool wait is back", 0, now);
        QVERIFY(again.has_value());
        const auto second = *s.proposal(*again);
        QVERIFY(second.id != p.id);
        QVERIFY(s.approve(olga, second.id, "again", now).has_value());
        QVERIFY(s.approve(ada, second.id, "again", now).has_value());
        QCOMPARE(s.proposal(second.id)->state, ProposalState::Approved);
        QVERIFY(s.proposal(second.id)->message.find("cooldown") != std::string::npos);
        // … and a verification that never comes true fails and is rolled back after its window.
        now += 10 * kMinute;
        s.tick(ctx, {}, now);
        QCOMPARE(s.proposal(second.id)->state, ProposalState::Verifying);
        now += 6 * kMinute;
        s.tick(ctx, {}, now);
        QCOMPARE(s.proposal(second.id)->state, ProposalState::RolledBack);
        QVERIFY(readAll(journal).contains(QStringLiteral("rollback deployment/order")));

        // Manual triggers run only under a policy, and keep its rules.
        QVERIFY(!s.trigger(vera, "fixture-good", "risky", "mysql", {}, "viewer", 7, now).has_value());
        QVERIFY(!s.trigger(otto1, "fixture-good", "nope", "mysql", {}, "no policy", 7, now).has_value());
        auto manual = s.trigger(otto1, "fixture-good", "risky", "mysql", {}, "INC-7: row lock on mysql", 7, now);
        QVERIFY(manual.has_value());
        QCOMPARE(s.proposal(*manual)->state, ProposalState::AwaitingApproval); // high risk: approval even when asked by hand
        QVERIFY(!s.approve(otto2, *manual, "I asked for it", now).has_value()); // the proposer may not approve
        // Kill switch: nothing runs; only an admin resumes.
        QVERIFY(s.setKillSwitch(olga, true, "investigating a bad rollout", now).has_value());
        QVERIFY(s.approve(ada, *manual, "fine", now).has_value());
        QCOMPARE(s.proposal(*manual)->state, ProposalState::Approved);
        QVERIFY(!s.setKillSwitch(olga, false, "done", now).has_value());
        QVERIFY(s.setKillSwitch(ada, false, "done", now).has_value());
        s.tick(ctx, {}, now);
        QVERIFY(s.proposal(*manual)->state == ProposalState::Succeeded);

        // Expired proposals never run.
        auto late = s.trigger(otto1, "fixture-good", "risky", "redis", {}, "late", 8, now);
        QVERIFY(late.has_value());
        now += 31 * kMinute;
        s.tick(ctx, {}, now);
        QCOMPARE(s.proposal(*late)->state, ProposalState::Expired);
        QVERIFY(!s.approve(ada, *late, "too late", now).has_value());
        QVERIFY(!readAll(journal).contains(QStringLiteral("execute redis")));

        // Everything is in the chain, attributable.
        QVERIFY(s.store().verifyAudit().ok);
        std::set<std::string> kinds;
        for (const AuditRecord &r : s.store().auditRecords())
            kinds.insert(r.kind);
        for (const char *k : {"config", "login", "proposal", "approve", "approve_refused", "execute", "plugin_output", "verified",
                              "verify_failed", "rollback", "kill_switch", "expire", "refused", "held"})
            QVERIFY2(kinds.count(k), k);
    }

    void hotspotCanaryAndFabricSuggestions()
    {
        QTemporaryDir dir;
        const QString journal = dir.filePath(QStringLiteral("journal.txt"));
        Timestamp now = 1'000 * kSecond;
        auto service = openService(dir.filePath(QStringLiteral("h.db")), journal, now);
        QVERIFY(service->loadPolicies(kHotspotAndCanary, "p.yaml", "ada", now).has_value());
        FakeContext ctx;
        ctx.hotspot[{"payment", "encrypt"}] = 12;
        service->tick(ctx, {}, now);
        QVERIFY(service->proposals().empty());
        ctx.hotspot[{"payment", "encrypt"}] = 34; // a profile says encrypt takes 34 % of payment's CPU
        service->tick(ctx, {}, now);
        QCOMPARE(service->proposals().size(), std::size_t(1));
        QVERIFY(service->proposals().front().reason.find("hotspot(\"encrypt\") > 30%") != std::string::npos);
        // Canary: of two suggested drains, the first runs alone; the second is proposed only after it succeeded.
        const std::vector<ActionSuggestion> drains{{"drain_node", "gpu-node21", "XID 79", {"host gpu-node21", "job llm"}},
                                                   {"drain_node", "gpu-node22", "XID 79", {"host gpu-node22", "job llm"}}};
        ctx.hotspot.clear();
        now += kMinute;
        service->tick(ctx, {}, now, drains);
        std::vector<Proposal> drainsProposed;
        for (const Proposal &p : service->proposals())
            if (p.policy == "drain-nodes-one-first")
                drainsProposed.push_back(p);
        QCOMPARE(drainsProposed.size(), std::size_t(1));
        QVERIFY(drainsProposed[0].canary);
        QCOMPARE(drainsProposed[0].target, std::string("gpu-node21"));
        QCOMPARE(drainsProposed[0].state, ProposalState::Succeeded); // no approval needed: ran in the same tick
        QVERIFY(std::find(drainsProposed[0].blastRadius.begin(), drainsProposed[0].blastRadius.end(), "job llm") != drainsProposed[0].blastRadius.end());
        now += kMinute;
        service->tick(ctx, {}, now, drains);
        int drainsNow = 0;
        for (const Proposal &p : service->proposals())
            drainsNow += p.policy == "drain-nodes-one-first";
        QCOMPARE(drainsNow, 2);
    }

    void fabricProposalsReachTheFabricPlugin()
    {
        // The gpu-cluster engine's fabric monitor suggests draining the node of a GPU with XID 79; a fabric policy
        // turns it into a proposal for the fabric plugin, with the monitor's blast radius, waiting for two people.
        QTemporaryDir dir;
        Engine::Options engineOptions;
        engineOptions.detection = false;
        Engine engine(engineOptions);
        QVERIFY(engine.loadScenario(*loadScenario("gpu-cluster")));
        const SeriesId xid = engine.store().intern(SeriesKey::make("DCGM_FI_DEV_XID_ERRORS", {{"entity", "gpu-node21/gpu5"}}));
        const Timestamp t0 = engine.scenario()->start;
        for (int i = 0; i < 3; ++i) {
            engine.ingestSamples(std::vector<SampleRef>{{xid, t0 + i * 5 * kSecond, 79.0}}, "test");
            engine.advanceTo(t0 + i * 5 * kSecond + 2 * kSecond);
        }
        RemediationService::Options options;
        options.databasePath = dir.filePath(QStringLiteral("f.db")).toStdString();
        options.store.pbkdf2Iterations = 1000;
        options.plugins.directories = {QStringLiteral(NOCTURNE_BUNDLED_PLUGINS)};
        options.plugins.config["fabric"] = QJsonObject{
            {QStringLiteral("commands"),
             QJsonObject{{QStringLiteral("drain_node"), QJsonObject{{QStringLiteral("argv"), QJsonArray{QStringLiteral(ARGV_ECHO), QStringLiteral("drain"), QStringLiteral("{target}")}}}}}}};
        auto service = RemediationService::open(options, t0);
        QVERIFY(service.has_value());
        QVERIFY((*service)->loadPolicies("policies:\n  - {name: drain-on-xid, on_suggestion: drain_node, plugin: fabric, action: drain_node, "
                                         "target: '{entity}', approval: {required: two}}\n",
                                         "fabric.yaml", "ada", t0).has_value());
        engine.simulationClock().set(t0 + 20 * kSecond);
        RemediationDriver driver(engine, **service, 3'600'000);
        driver.tickNow();
        const auto proposals = (*service)->proposals();
        QCOMPARE(proposals.size(), std::size_t(1));
        const Proposal &p = proposals.front();
        QCOMPARE(p.target, std::string("gpu-node21"));
        QCOMPARE(p.risk, std::string("high"));
        QCOMPARE(p.state, ProposalState::AwaitingApproval);
        QVERIFY(p.reason.find("XID 79") != std::string::npos);
        QVERIFY(std::find(p.blastRadius.begin(), p.blastRadius.end(), "job llm-pretrain-70b") != p.blastRadius.end());
    }

    void killMinus9MidExecution()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("k.db")), journal = dir.filePath(QStringLiteral("journal.txt"));
        QProcess child;
        child.start(QStringLiteral(REMEDIATION_CHILD), {db, journal});
        QVERIFY(child.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(readAll(journal).contains(QStringLiteral("execute order")), 20000);
        child.kill(); // SIGKILL
        child.waitForFinished(5000);
        const Timestamp now = SystemClock().now();
        auto service = openService(db, journal, now);
        const auto proposals = service->proposals();
        QCOMPARE(proposals.size(), std::size_t(1));
        QCOMPARE(proposals.front().state, ProposalState::Failed);
        QVERIFY(proposals.front().message.find("interrupted") != std::string::npos);
        QVERIFY(service->store().verifyAudit().ok);
        const auto records = service->store().auditRecords();
        QVERIFY(std::any_of(records.begin(), records.end(), [](const AuditRecord &r) { return r.kind == "interrupted"; }));
        QVERIFY(std::any_of(records.begin(), records.end(), [](const AuditRecord &r) { return r.kind == "execute"; }));
    }
};

QTEST_GUILESS_MAIN(TestRemediation)
#include "tst_remediation.moc"
