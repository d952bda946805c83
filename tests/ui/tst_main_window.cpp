#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QDockWidget>
#include <QImage>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include "models/entity_health_model.h"
#include "models/series_list_model.h"
#include "runtime/engine.h"
#include "scenario/scenario_library.h"
#include "shell/main_window.h"
#include "shell/snapshot_hub.h"
#include "shell/view_registry.h"
#include "theme/theme.h"
#include "models/log_table_model.h"
#include "views/logs/log_panel.h"
#include "views/metrics/metrics_explorer.h"
#include "views/overview/estate_overview.h"
#include "config/feeds_config.h"
#include "feeds/feed_manager.h"
#include "models/feed_table_model.h"
#include "views/feeds/feed_config_dialog.h"
#include "views/feeds/feeds_view.h"
#include "views/alerts/alerts_view.h"
#include "wall/wall_window.h"
#include "models/alert_group_model.h"
#include "models/alert_table_model.h"
#include <QSortFilterProxyModel>

#include <QLabel>
#include <QPushButton>
#include <QTableWidget>

using namespace Nocturne;

class TestMainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        Engine::Engine::Options options;
        options.eventDatabase = m_dir.filePath(QStringLiteral("events.sqlite")).toStdString();
        m_engine = std::make_unique<Engine::Engine>(options);
        auto scenario = Engine::loadScenario("shop");
        QVERIFY(scenario);
        QVERIFY(m_engine->loadScenario(std::move(*scenario)));
        Engine::Engine::ReplayOptions replay;
        replay.speed = 60;
        replay.history = 20 * Engine::kMinute;
        QVERIFY(m_engine->startReplay(replay));
        Ui::Theme::apply(Ui::Theme::Kind::Dark);
    }

    void rendersOverviewAndCharts()
    {
        Ui::SnapshotHub hub(*m_engine);
        Ui::ViewRegistry registry;
        Ui::registerBuiltinViews(registry);
        QVERIFY(registry.find(QStringLiteral("overview")));
        QVERIFY(registry.find(QStringLiteral("metrics")));
        Ui::MainWindow window(hub, registry);
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        auto *overview = qobject_cast<Ui::EstateOverview *>(window.view(QStringLiteral("overview")));
        auto *metrics = qobject_cast<Ui::MetricsExplorer *>(window.view(QStringLiteral("metrics")));
        QVERIFY(overview && metrics);
        QAbstractItemModelTester healthTester(overview->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester seriesTester(metrics->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);

        // Tiles for every service, cache, database, queue and host of the shop estate.
        QTRY_VERIFY_WITH_TIMEOUT(overview->model()->rowCount() >= 51, 10000);
        // The series list fills from the engine off the GUI thread, and the default series get plotted.
        // (detector band series are not listed: they are drawn with the series they belong to)
        auto sourceSeries = [this] {
            int n = 0;
            for (Engine::SeriesId id : m_engine->store().allSeries())
                n += !Engine::DetectionService::isDerived(*m_engine->store().key(id));
            return n;
        };
        QTRY_VERIFY_WITH_TIMEOUT(metrics->model()->rowCount() == sourceSeries(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(metrics->plottedPoints() > 100, 10000);
        const auto selected = metrics->selectedSeries();
        QVERIFY(!selected.empty());
        // Decimation: never more than ~2 points per horizontal pixel per series.
        QVERIFY(metrics->plottedPoints() <= 2 * int(selected.size()) * std::max(50, metrics->width()));

        const QImage image = window.grab().toImage();
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(), QSize(1400, 900));
        // Not blank: many distinct colours, and the state colours of the tiles are present.
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 3) {
            for (int x = 0; x < image.width(); x += 3)
                colours.insert(image.pixel(x, y));
        }
        QVERIFY2(colours.size() > 200, qPrintable(QString::number(colours.size())));
        QVERIFY(colours.contains(Ui::Theme::current().stateColor(Engine::HealthState::Ok).rgb()));
        image.save(m_dir.filePath(QStringLiteral("main_window.png")));

        // The detector's expected band is stored next to the data and drawn behind it.
        QVERIFY(m_engine->detection());
        const auto bands = m_engine->detection()->bandsOf(selected.front());
        QVERIFY(bands.lower.isValid() && bands.upper.isValid() && bands.score.isValid());
        QTRY_VERIFY_WITH_TIMEOUT(m_engine->store().last(bands.upper).has_value(), 10000);

        // Forecast toggle: a Holt–Winters forecast with its interval appears to the right of now.
        auto *toggle = metrics->findChild<QCheckBox *>(QStringLiteral("forecastToggle"));
        QVERIFY(toggle);
        toggle->setChecked(true);
        QTRY_VERIFY_WITH_TIMEOUT(metrics->property("forecastPoints").toInt() > 10, 10000);
        const QString shot = qEnvironmentVariable("NOCTURNE_TEST_SCREENSHOT_DIR");
        if (!shot.isEmpty())
            window.grab().save(shot + QStringLiteral("/main_window_forecast.png"));
    }

    void logPanel()
    {
        Ui::SnapshotHub hub(*m_engine);
        Ui::ViewRegistry registry;
        Ui::registerBuiltinViews(registry);
        Ui::MainWindow window(hub, registry);
        window.resize(1400, 900);
        window.show();
        auto *panel = qobject_cast<Ui::LogPanel *>(window.view(QStringLiteral("logs")));
        QVERIFY(panel);
        window.findChild<QDockWidget *>(QStringLiteral("logsDock"))->raise();
        QAbstractItemModelTester logTester(panel->logModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester templateTester(panel->templateModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        panel->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(panel->logModel()->rowCount() > 100 && panel->templateModel()->rowCount() > 5, 10000);
        // Filtering by a template shows only its lines.
        const Engine::TemplateStats *t = panel->templateModel()->at(0);
        QVERIFY(t);
        const std::uint32_t id = t->id.value;
        const QString source = QString::fromStdString(t->source);
        const std::uint64_t seen = t->count; // (t points into the model, which the next refresh replaces)
        panel->filterByTemplate(source, id);
        auto onlyThatTemplate = [&] {
            if (panel->logModel()->rowCount() == 0)
                return false;
            for (int row = 0; row < panel->logModel()->rowCount(); ++row) {
                const auto &r = panel->logModel()->at(row)->record;
                if (r.templateId != id || QString::fromStdString(r.source) != source)
                    return false;
            }
            return true;
        };
        QTRY_VERIFY_WITH_TIMEOUT(onlyThatTemplate(), 10000);
        QVERIFY(panel->logModel()->rowCount() > 0);
        QVERIFY(seen > 0);
        panel->clearTemplateFilter();
        QTRY_VERIFY_WITH_TIMEOUT(panel->logModel()->rowCount() > 100, 10000);
        const QString shot = qEnvironmentVariable("NOCTURNE_TEST_SCREENSHOT_DIR");
        if (!shot.isEmpty())
            window.grab().save(shot + QStringLiteral("/main_window_logs.png"));
    }

    void themeToggleRepaintsLight()
    {
        Ui::Theme::apply(Ui::Theme::Kind::Light);
        QCOMPARE(Ui::Theme::current().kind(), Ui::Theme::Kind::Light);
        QVERIFY(Ui::Theme::current().window().lightness() > 200);
        QCOMPARE(qApp->palette().color(QPalette::Window), Ui::Theme::current().window());
        Ui::Theme::apply(Ui::Theme::Kind::Dark);
        QVERIFY(Ui::Theme::current().window().lightness() < 60);
        // States are never told by colour alone.
        QVERIFY(Ui::Theme::stateGlyph(Engine::HealthState::Critical) != Ui::Theme::stateGlyph(Engine::HealthState::Warning));
        QVERIFY(Ui::Theme::stateWord(Engine::HealthState::Critical) != Ui::Theme::stateWord(Engine::HealthState::Ok));
    }

    // The Feeds dock shows each feed's state and the dead letters of the selected one; the configuration editor refuses
    // invalid YAML with its position and accepts a valid one.
    void feedsDockAndConfigEditor()
    {
        Ui::SnapshotHub hub(*m_engine);
        Engine::FeedManager feeds(*m_engine);
        QTemporaryDir logs;
        const std::string config = "engine: {metrics_listen: 'off'}\nfeeds:\n  - {name: app, type: log_file, path: '"
                                 + logs.filePath(QStringLiteral("app.log")).toStdString() + "'}\n";
        auto parsed = Engine::parseConfig(config, "test.yaml");
        QVERIFY(parsed.has_value());
        QVERIFY(feeds.apply(*parsed, config).empty());
        const Engine::Reject reject{Engine::RejectReason::MalformedJson, "line 3: not JSON", "{\"name\":"};
        m_engine->recordRejects("log-file:app", std::span(&reject, 1), "otlp_metrics[2]@41");
        Ui::ViewRegistry registry;
        Ui::registerBuiltinViews(registry);
        Ui::MainWindow window(hub, registry, &feeds);
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *view = qobject_cast<Ui::FeedsView *>(window.view(QStringLiteral("feeds")));
        QVERIFY(view);
        qobject_cast<QDockWidget *>(view->parentWidget())->raise();
        QAbstractItemModelTester tester(view->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        m_engine->publishNow();
        hub.pollNow();
        const int row = view->model()->rowOf(QStringLiteral("log-file:app"));
        QVERIFY(row >= 0);
        QCOMPARE(view->model()->index(row, Ui::FeedTableModel::Rejected).data().toString(), QStringLiteral("1"));
        QVERIFY(view->model()->index(row, Ui::FeedTableModel::LastProblem).data().toString().contains(QStringLiteral("otlp_metrics[2]@41")));
        auto *table = view->findChild<QTableView *>();
        table->selectRow(row);
        QTRY_VERIFY(view->findChild<QTableWidget *>()->rowCount() >= 1);
        QCOMPARE(view->findChild<QTableWidget *>()->item(0, 2)->text(), QStringLiteral("otlp_metrics[2]@41"));
        const QImage image = window.grab().toImage();
        QVERIFY(image.save(m_dir.filePath(QStringLiteral("feeds.png"))));

        Ui::FeedConfigDialog dialog(QStringLiteral("feeds:\n  - name: a\n    type: kafka\n"));
        QVERIFY(dialog.validate().contains(QStringLiteral("configuration:2:5: feeds[0]: 'brokers' is required")));
        Ui::FeedConfigDialog good(QString::fromStdString(config));
        QVERIFY(good.validate().isEmpty());
        QCOMPARE(good.config().feeds.size(), std::size_t(1));
        feeds.stopAll();
    }

    void wallModeRotatesAndFlagsStaleData()
    {
        Ui::SnapshotHub hub(*m_engine);
        Ui::WallWindow wall(hub, 5);
        wall.resize(1920, 1080);
        wall.show();
        QVERIFY(QTest::qWaitForWindowExposed(&wall));
        QCOMPARE(wall.pageCount(), 3);
        QVERIFY(wall.primaryPixelSize() >= 28);
        for (int page = 0; page < wall.pageCount(); ++page) {
            wall.showPage(page);
            QCOMPARE(wall.currentPage(), page);
            QVERIFY(wall.grab().toImage().save(m_dir.filePath(QStringLiteral("wall-%1.png").arg(page))));
        }
        QVERIFY(!wall.staleBannerVisible());
        m_engine->setFeedState("kafka:test", Engine::FeedState::Down, "all brokers down");
        m_engine->publishNow();
        hub.pollNow();
        QVERIFY(wall.staleBannerVisible());
        m_engine->removeFeed("kafka:test");
        m_engine->publishNow();
        hub.pollNow();
        QVERIFY(!wall.staleBannerVisible());
    }

    void alertsDockShowsIncidents()
    {
        Ui::SnapshotHub hub(*m_engine);
        // Alerts from a webhook-like source join the engine's alert book and show up with their incident.
        Engine::AlertInput in;
        in.source = "alertmanager";
        in.name = "PaymentErrors";
        in.entity = "payment";
        in.labels = {{"service", "payment"}, {"severity", "critical"}};
        in.severity = Engine::AlertSeverity::Critical;
        in.ts = m_engine->clock().now();
        m_engine->ingestAlerts(std::span(&in, 1));
        m_engine->publishNow();
        hub.pollNow();
        Ui::AlertsView view(hub);
        QAbstractItemModelTester alertTester(view.alertModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester incidentTester(view.incidentModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        view.setFilterText(QStringLiteral("PaymentErrors"));
        QCOMPARE(view.alertProxy()->rowCount(), 1);
        // Grouped by entity: one group holding the alert; back to the flat table.
        view.setGroupColumn(Ui::AlertTableModel::Entity);
        view.groupModel()->rebuildNow();
        QCOMPARE(view.groupModel()->rowCount(), 1);
        QCOMPARE(view.groupModel()->rowCount(view.groupModel()->index(0, 0)), 1);
        view.setGroupColumn(-1);
        QCOMPARE(view.groupModel()->rowCount(), 0);
        // The timeline's brush narrows the alerts to a time range; an empty range hides it, clearing restores it.
        view.setTimeRange(in.ts - Engine::kHour, in.ts - Engine::kMinute);
        QCOMPARE(view.alertProxy()->rowCount(), 0);
        view.setTimeRange(in.ts - Engine::kMinute, in.ts + Engine::kMinute);
        QCOMPARE(view.alertProxy()->rowCount(), 1);
        view.setTimeRange(1, 0);
        const qlonglong id = view.alertProxy()->index(0, 0).data(Ui::AlertTableModel::IdRole).toLongLong();
        QVERIFY(m_engine->acknowledgeAlert(id, "test-operator", "looking into it").has_value());
        QCOMPARE(m_engine->alert(id)->state, Engine::AlertState::Acknowledged);
        QCOMPARE(m_engine->alert(id)->history.back().who, std::string("test-operator"));
        QVERIFY(view.incidentModel()->rowCount() >= 1);
        // Grouping corrections through the engine: split the alert out, merge it back.
        const std::int64_t incident = m_engine->alert(id)->incidentId;
        auto split = m_engine->splitAlerts(incident, {id}, "test-operator");
        QVERIFY(split.has_value());
        QCOMPARE(m_engine->alert(id)->incidentId, *split);
        QVERIFY(m_engine->mergeIncidents(incident, *split, "test-operator").has_value());
        QCOMPARE(m_engine->alert(id)->incidentId, incident);
        // Incident-level actions from the view: take ownership of the selected incident; once resolved, the list
        // shows its owner and state.
        qputenv("NOCTURNE_USER", "test-operator");
        m_engine->publishNow();
        hub.pollNow();
        view.selectIncident(incident);
        QCOMPARE(view.selectedIncident(), incident);
        auto *take = view.findChild<QPushButton *>(QStringLiteral("takeIncident"));
        QVERIFY(take && take->isEnabled());
        take->click();
        QCOMPARE(m_engine->incident(incident)->owner, std::string("test-operator"));
        QVERIFY(m_engine->resolveIncident(incident, "test-operator", "fixed").has_value());
        m_engine->publishNow();
        hub.pollNow();
        bool listed = false;
        for (int r = 0; r < view.incidentModel()->rowCount(); ++r) {
            const Engine::Incident *shown = view.incidentModel()->incident(r);
            if (!shown || shown->id != incident)
                continue;
            listed = true;
            QCOMPARE(view.incidentModel()->index(r, Ui::IncidentTableModel::Owner).data().toString(), QStringLiteral("test-operator"));
            QVERIFY(view.incidentModel()->index(r, Ui::IncidentTableModel::Status).data().toString().contains(QStringLiteral("resolved")));
        }
        QVERIFY(listed);
    }

    void crossViewLinksAreWired()
    {
        // Views open each other through signal and slot names only: a typo would fail silently at run time.
        Ui::SnapshotHub hub(*m_engine);
        Ui::ViewRegistry registry;
        Ui::registerBuiltinViews(registry);
        Ui::MainWindow window(hub, registry);
        auto *alerts = qobject_cast<Ui::AlertsView *>(window.view(QStringLiteral("alerts")));
        auto *logs = qobject_cast<Ui::LogPanel *>(window.view(QStringLiteral("logs")));
        QVERIFY(alerts && logs);
        // A log evidence link of an incident opens that template's lines in the log panel.
        Q_EMIT alerts->logTemplateRequested(QStringLiteral("order"), 7);
        QCOMPARE(logs->templateFilter(), QStringLiteral("order#7"));
    }

    void cleanupTestCase() { m_engine.reset(); }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Engine::Engine> m_engine;
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
