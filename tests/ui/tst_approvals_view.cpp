// Approvals desk: the queue (pending first), the detail pane (what, where, why, dry run, blast radius, decisions),
// approve/reject through a signed-in session with reasons, the two-person rule from the console, the audit tab's
// verification state, and the kill switch in the main window's toolbar. NOCTURNE_SCREENSHOT_DIR saves the frames.
#include <QAction>
#include <QApplication>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QPushButton>
#include <QTimer>
#include <QDir>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include "remediate/remediation_service.h"
#include "runtime/engine.h"
#include "shell/console_session.h"
#include "shell/main_window.h"
#include "shell/snapshot_hub.h"
#include "shell/view_registry.h"
#include "theme/theme.h"
#include "screenshot_support.h"
#include "views/approvals/approvals_view.h"

using namespace Nocturne;
using namespace Nocturne::Engine;

namespace {
class Context : public PolicyContext
{
public:
    double wait = 0.9;
    std::optional<double> metric(const std::string &) const override { return wait; }
    double anomalyScore(const std::string &) const override { return 0; }
    std::optional<double> hotspotPercent(const std::string &, const std::string &) const override { return std::nullopt; }
};

const char *kPolicies = R"(policies:
  - name: restart-payment-on-pool-exhaustion
    description: payment's DB pool is exhausted
    condition: 'db_pool_wait_seconds{entity="payment"} > 0.5'
    plugin: fixture-good
    action: noop
    target: deployment/payment
    approval: {required: two, ttl: 20m}
  - name: risky-by-hand
    on_incident: true
    plugin: fixture-good
    action: risky
    target: '{entity}'
)";
} // namespace

class TestApprovalsView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { Ui::Theme::apply(Ui::Theme::Kind::Dark); }

    void queueDetailDecisionsAndAudit()
    {
        QTemporaryDir dir;
        RemediationService::Options options;
        options.databasePath = dir.filePath(QStringLiteral("r.db")).toStdString();
        options.store.pbkdf2Iterations = 1000;
        options.plugins.directories = {QStringLiteral(NOCTURNE_GOOD_PLUGIN_DIR)};
        const Timestamp now = SystemClock().now();
        auto opened = RemediationService::open(options, now);
        QVERIFY(opened.has_value());
        RemediationService &service = **opened;
        QVERIFY(service.loadPolicies(kPolicies, "policies.yaml", "admin", now).has_value());
        for (auto [name, role] : {std::pair{"alice", Role::Operator}, std::pair{"bob", Role::Operator}, std::pair{"vera", Role::Viewer}})
            QVERIFY(service.store().addUser(name, role, std::string(name) + "-long-password", "admin", now).has_value());
        Context ctx;
        service.tick(ctx, {}, now);
        QCOMPARE(service.proposals().size(), std::size_t(1));

        Ui::ConsoleSession session(&service);
        Ui::ApprovalsView view(&service, &session);
        view.resize(1400, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.refresh();
        QCOMPARE(view.queueRows(), 1);
        const QString detail = view.detailText();
        QVERIFY2(detail.contains(QStringLiteral("Why")) && detail.contains(QStringLiteral("now 0.9")), qPrintable(detail));
        QVERIFY(detail.contains(QStringLiteral("Dry run")));
        QVERIFY(detail.contains(QStringLiteral("Blast radius: deployment/payment")));
        QVERIFY(detail.contains(QStringLiteral("needs 2 approval(s)")));

        // Not signed in: nothing can be decided. A viewer cannot approve.
        QVERIFY(!view.decide(true, QStringLiteral("x")).isEmpty());
        QVERIFY(session.signIn(QStringLiteral("vera"), QStringLiteral("vera-long-password")).isEmpty());
        QVERIFY(view.decide(true, QStringLiteral("looks fine")).isEmpty());
        QVERIFY(view.waitIdle());
        QCOMPARE(service.proposals().front().approvals(), 0);
        QVERIFY2(view.statusText().contains(QStringLiteral("viewer")), qPrintable(view.statusText()));
        QVERIFY(!session.signIn(QStringLiteral("alice"), QStringLiteral("wrong")).isEmpty());
        // The sign-in dialog: name and password typed, OK pressed; the key derivation runs off the UI thread.
        QTimer::singleShot(50, this, [] {
            QWidget *dialog = QApplication::activeModalWidget();
            if (!dialog)
                return;
            const auto edits = dialog->findChildren<QLineEdit *>();
            edits[0]->setText(QStringLiteral("alice"));
            edits[1]->setText(QStringLiteral("alice-long-password"));
            dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
        });
        QVERIFY(session.promptSignIn(&view));
        QCOMPARE(session.user(), QStringLiteral("alice"));
        QVERIFY(session.signIn(QStringLiteral("alice"), QStringLiteral("alice-long-password")).isEmpty());
        QVERIFY(view.decide(true, QStringLiteral("pool wait is real")).isEmpty());
        QVERIFY(view.waitIdle());
        QCOMPARE(service.proposals().front().approvals(), 1);
        Nocturne::Test::saveScreenshot(view, "approvals-queue.png");
        QVERIFY(session.signIn(QStringLiteral("bob"), QStringLiteral("bob-long-password")).isEmpty());
        QVERIFY(view.decide(true, QStringLiteral("agreed")).isEmpty());
        QVERIFY(view.waitIdle());
        QCOMPARE(service.proposals().front().state, ProposalState::Succeeded);
        QVERIFY(view.detailText().contains(QStringLiteral("alice approved")));

        // A manual trigger from an incident, still under policy (risky: needs an approval).
        QVERIFY(view.trigger(QStringLiteral("fixture-good.risky"), QStringLiteral("mysql-primary"), QStringLiteral("INC-3: row locks"), 3,
                             QJsonObject{{QStringLiteral("note"), QStringLiteral("lock holder is txn 4711")}})
                    .isEmpty());
        QVERIFY(view.waitIdle());
        QVERIFY(service.proposals().back().parametersJson.find("txn 4711") != std::string::npos);
        // Parameters the action's schema does not know are refused before any plugin sees them.
        QVERIFY(view.trigger(QStringLiteral("fixture-good.risky"), QStringLiteral("redis"), QStringLiteral("try"), 3,
                             QJsonObject{{QStringLiteral("rm"), QStringLiteral("-rf")}})
                    .isEmpty());
        QVERIFY(view.waitIdle());
        QVERIFY2(view.statusText().contains(QStringLiteral("unknown parameter")), qPrintable(view.statusText()));
        view.refresh();
        QCOMPARE(view.queueRows(), 2);
        QVERIFY(view.detailText().contains(QStringLiteral("INC-3")));
        Nocturne::Test::saveScreenshot(view, "approvals-detail.png");

        auto *tabs = view.findChild<QTabWidget *>();
        QVERIFY(tabs);
        tabs->setCurrentIndex(1);
        QTRY_VERIFY2(view.auditState().contains(QStringLiteral("chain intact")), qPrintable(view.auditState())); // verified on a worker
        Nocturne::Test::saveScreenshot(view, "approvals-audit.png");
    }

    void killSwitchInTheToolbar()
    {
        QTemporaryDir dir;
        RemediationService::Options options;
        options.databasePath = dir.filePath(QStringLiteral("k.db")).toStdString();
        options.store.pbkdf2Iterations = 1000;
        options.plugins.directories = {QStringLiteral(NOCTURNE_GOOD_PLUGIN_DIR)};
        auto opened = RemediationService::open(options, SystemClock().now());
        QVERIFY(opened.has_value());
        Engine::Engine::Options engineOptions;
        engineOptions.detection = false;
        Engine::Engine engine(engineOptions);
        Ui::SnapshotHub hub(engine);
        Ui::ViewRegistry registry;
        Ui::registerBuiltinViews(registry);
        Ui::MainWindow window(hub, registry, nullptr, opened->get());
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QAction *kill = window.findChild<QAction *>(QStringLiteral("killSwitch"));
        QVERIFY(kill);
        QVERIFY(!kill->isChecked());
        QVERIFY(window.view(QStringLiteral("approvals")));
        QVERIFY((*opened)->store().addUser("ada", Role::Admin, "ada-long-password", "setup", SystemClock().now()).has_value());
        QVERIFY(window.session()->signIn(QStringLiteral("ada"), QStringLiteral("ada-long-password")).isEmpty());
        QVERIFY((*opened)->setKillSwitch(window.session()->token(), true, "maintenance window", SystemClock().now()).has_value());
        QTRY_VERIFY_WITH_TIMEOUT(kill->isChecked(), 3000);
        QVERIFY(kill->text().contains(QStringLiteral("paused")));
        Nocturne::Test::saveScreenshot(window, "console-kill-switch.png");
    }
};

QTEST_MAIN(TestApprovalsView)
#include "tst_approvals_view.moc"
