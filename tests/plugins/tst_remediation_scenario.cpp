// The shop scenario under remediation: the shipped shop policies propose actions for its faults from the engine's
// live series; the test approves them through the same service calls the console makes (signed-in people with
// reasons); the webhook plugin (signed) reaches the simulated orchestrator, the fault ends early, and verification
// passes. A deliberately wrong action (restarting order for a MySQL row-lock problem) fails its verification and is
// rolled back. The audit chain holds all of it.
#include <QCoreApplication>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <future>
#include <set>

#include "plugin_test_support.h"
#include "remediate/remediation_service.h"
#include "runtime/engine.h"
#include "runtime/remediation_driver.h"
#include "runtime/scenario_actuator.h"
#include "scenario/scenario_library.h"
#include "scenario/signal_generator.h"

using namespace Nocturne::Engine;
using Nocturne::Test::withEvents;

namespace {
std::string readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll().toStdString() : std::string();
}

const char *kWrongPolicy = R"(
  - name: restart-order-on-row-locks
    description: A deliberately wrong remedy — order is a victim of the row locks, not their cause
    condition: 'mysql_innodb_row_lock_waits_per_second{entity="mysql-primary"} > 10 for 30s'
    plugin: webhook
    action: post
    target: order
    parameters: {message: "restart order"}
    approval: {required: one, ttl: 20m}
    verify: {condition: 'mysql_innodb_row_lock_waits_per_second{entity="mysql-primary"} < 5', within: 90s}
)";
} // namespace

class TestRemediationScenario : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void shopFaultsRemediatedWithConsent()
    {
        QTemporaryDir dir;
        auto scenario = loadScenario("shop");
        QVERIFY(scenario.has_value());
        Engine::Options engineOptions;
        engineOptions.detection = false;
        Engine engine(engineOptions);
        QVERIFY(engine.loadScenario(*scenario));
        SignalGenerator generator(*scenario);
        std::vector<SeriesId> ids;
        for (const GeneratedSeries &s : generator.series())
            ids.push_back(engine.store().intern(s.key));

        Timestamp now = scenario->start;
        int mitigations = 0, undos = 0;
        ScenarioActuator actuator(
            [&](const std::string &entity, bool undo) {
                generator.mitigate(entity, now, undo);
                (undo ? undos : mitigations) += 1;
                return true;
            },
            "scenario-secret");
        QVERIFY(actuator.listen(0));

        RemediationService::Options options;
        options.databasePath = dir.filePath(QStringLiteral("r.db")).toStdString();
        options.store.pbkdf2Iterations = 1000;
        options.plugins.directories = {QStringLiteral(NOCTURNE_BUNDLED_PLUGINS)};
        options.plugins.config["webhook"] =
            QJsonObject{{QStringLiteral("url"), QStringLiteral("http://127.0.0.1:%1/scenario/actions").arg(actuator.port())},
                        {QStringLiteral("secret"), QStringLiteral("scenario-secret")},
                        {QStringLiteral("rollback"), true},
                        {QStringLiteral("retries"), 1}};
        auto opened = RemediationService::open(options, now);
        QVERIFY2(opened.has_value(), opened ? "" : opened.error().toString().c_str());
        RemediationService &service = **opened;
        std::string policies = readFile(QStringLiteral(NOCTURNE_SOURCE_DIR "/resources/remediation/shop-policies.yaml"));
        QVERIFY(!policies.empty());
        policies += kWrongPolicy;
        QVERIFY2(service.loadPolicies(policies, "shop-policies.yaml", "admin", now).has_value(), "policies");
        for (const char *name : {"alice", "bob"})
            QVERIFY(service.store().addUser(name, Role::Operator, std::string(name) + "-long-password", "admin", now).has_value());
        const std::string alice = *service.login("alice", "alice-long-password", now);
        const std::string bob = *service.login("bob", "bob-long-password", now);
        RemediationDriver driver(engine, service, 3'600'000); // ticked by hand below

        std::set<std::int64_t> decided;
        std::int64_t wrongId = 0, mysqlId = 0, paymentId = 0;
        double paymentWaitAt27m = -1;
        StepOutput out;
        for (; now < scenario->start + 33 * kMinute; now += scenario->step) {
            out.clear();
            generator.generate(now, out);
            std::vector<SampleRef> batch;
            batch.reserve(out.samples.size());
            for (const GeneratedSample &s : out.samples)
                batch.push_back({ids[s.series], now, s.value});
            engine.ingestSamples(batch, "scenario");
            engine.simulationClock().set(now);
            withEvents([&] { driver.tickNow(); });
            for (const Proposal &p : service.proposals()) {
                if (p.state != ProposalState::AwaitingApproval || decided.count(p.id))
                    continue;
                if (p.policy == "restart-order-on-row-locks") {
                    wrongId = p.id;
                    QVERIFY(withEvents([&] { return service.approve(alice, p.id, "try restarting order first", now); }).has_value());
                    decided.insert(p.id);
                } else if (p.policy == "kill-blocking-transaction-on-row-locks") {
                    // The right remedy waits until the wrong one has failed and been rolled back.
                    mysqlId = p.id;
                    const auto wrong = service.proposal(wrongId);
                    if (wrong && wrong->state == ProposalState::RolledBack) {
                        QVERIFY(withEvents([&] { return service.approve(alice, p.id, "the lock holder is in mysql", now); }).has_value());
                        QCOMPARE(service.proposal(p.id)->state, ProposalState::AwaitingApproval); // two people needed
                        QVERIFY(withEvents([&] { return service.approve(bob, p.id, "agreed", now); }).has_value());
                        decided.insert(p.id);
                    }
                } else if (p.policy == "restart-payment-on-pool-exhaustion") {
                    paymentId = p.id;
                    QVERIFY(withEvents([&] { return service.approve(bob, p.id, "pool exhausted, restart is safe", now); }).has_value());
                    decided.insert(p.id);
                }
            }
            if (now == scenario->start + 27 * kMinute)
                for (const GeneratedSample &s : out.samples)
                    if (generator.series()[s.series].entityId == "payment" && generator.series()[s.series].key.name == "db_pool_wait_seconds")
                        paymentWaitAt27m = s.value;
        }
        for (const Proposal &p : service.proposals())
            qInfo("P-%lld %s on %s: %s, proposed at +%llds, last change +%llds — %s", static_cast<long long>(p.id), p.policy.c_str(),
                  p.target.c_str(), proposalStateName(p.state), static_cast<long long>((p.created - scenario->start) / kSecond),
                  static_cast<long long>((p.updated - scenario->start) / kSecond), p.message.c_str());
        // The wrong remedy ran, did not help, failed verification and was rolled back (the undo reached the estate).
        QVERIFY(wrongId);
        const Proposal wrong = *service.proposal(wrongId);
        QCOMPARE(wrong.state, ProposalState::RolledBack);
        QVERIFY2(wrong.message.find("verification failed") != std::string::npos, wrong.message.c_str());
        QCOMPARE(undos, 1);
        // The right remedies fixed their faults early and verified.
        QVERIFY(mysqlId && paymentId);
        QCOMPARE(service.proposal(mysqlId)->state, ProposalState::Succeeded);
        QCOMPARE(service.proposal(paymentId)->state, ProposalState::Succeeded);
        QVERIFY2(paymentWaitAt27m >= 0 && paymentWaitAt27m < 0.5, std::to_string(paymentWaitAt27m).c_str()); // unmitigated: ~2.5 until 29m
        QVERIFY(mitigations >= 3);
        QCOMPARE(actuator.refused(), 0);
        // Every decision is attributable and the chain verifies.
        QVERIFY(service.store().verifyAudit().ok);
        int approvals = 0;
        for (const AuditRecord &r : service.store().auditRecords())
            if (r.kind == "approve") {
                ++approvals;
                QVERIFY(r.actor == "alice" || r.actor == "bob");
            }
        QCOMPARE(approvals, 4);
    }
};

QTEST_GUILESS_MAIN(TestRemediationScenario)
#include "tst_remediation_scenario.moc"
