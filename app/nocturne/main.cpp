#include <QApplication>
#include <QCommandLineParser>
#include <QDockWidget>
#include <QFile>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QSettings>
#include <QTimer>

#include <cmath>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <cstdio>
#include <optional>

#include "config/feeds_config.h"
#include "feeds/feed_manager.h"
#include "runtime/engine.h"
#include "runtime/remediation_driver.h"
#include "runtime/scenario_actuator.h"
#include "remediate/remediation_config.h"
#include "scenario/scenario_library.h"
#include "shell/main_window.h"
#include "views/alerts/alerts_view.h"
#include "views/profiles/profiles_view.h"
#include "shell/snapshot_hub.h"
#include "shell/view_registry.h"
#include "storage/event_store.h"
#include "theme/theme.h"
#include "wall/wall_window.h"

using namespace Nocturne;

namespace {

int fail(const QString &message)
{
    std::fprintf(stderr, "nocturne: %s\n", qPrintable(message));
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
#if defined(__GLIBC__)
    // A console on a wall runs for weeks: few malloc arenas and a periodic trim keep freed log lines, spans and
    // snapshots from fragmenting the heap into ever-growing RSS (glibc keeps one arena per thread by default).
    mallopt(M_ARENA_MAX, 2);
#endif
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("nocturne"));
    QApplication::setOrganizationName(QStringLiteral("nocturne"));
    QApplication::setApplicationVersion(QStringLiteral(NOCTURNE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Nocturne operations console (embedded engine, built-in demo scenarios)."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({QStringLiteral("config"), QStringLiteral("Feeds configuration (YAML, docs/feeds.md): live Kafka, Prometheus, "
                                                               "Alertmanager and log feeds; editable from the Feeds dock."),
                      QStringLiteral("file")});
    parser.addOption({QStringLiteral("scenario"), QStringLiteral("Built-in scenario (shop, gpu-cluster), a scenario .yaml file, or 'none' "
                                                                 "(live feeds only)."),
                      QStringLiteral("name"), QStringLiteral("shop")});
    parser.addOption({QStringLiteral("speed"), QStringLiteral("Replay speed: simulated seconds per second, or 'max'."),
                      QStringLiteral("N"), QStringLiteral("20")});
    parser.addOption({QStringLiteral("history"), QStringLiteral("Simulated history to load before live replay (e.g. 30m)."),
                      QStringLiteral("duration"), QStringLiteral("30m")});
    parser.addOption({QStringLiteral("topology"), QStringLiteral("Estate graph in YAML (nodes with kinds, calls / runs_on / connects_to edges; "
                                                                 "docs/topology.md), merged with the scenario's and what traces show."),
                      QStringLiteral("file")});
    parser.addOption({QStringLiteral("seed"), QStringLiteral("Override the scenario seed."), QStringLiteral("seed")});
    parser.addOption({QStringLiteral("no-faults"), QStringLiteral("Replay without injected faults.")});
    parser.addOption({QStringLiteral("theme"), QStringLiteral("dark or light."), QStringLiteral("theme")});
    parser.addOption({QStringLiteral("events-db"), QStringLiteral("Event database file (default: the user's data directory)."),
                      QStringLiteral("file")});
    parser.addOption({QStringLiteral("screenshot"), QStringLiteral("Render the window to this PNG after --after seconds and exit."),
                      QStringLiteral("file")});
    parser.addOption({QStringLiteral("after"), QStringLiteral("Seconds of replay before --screenshot."), QStringLiteral("seconds"),
                      QStringLiteral("5")});
    parser.addOption({QStringLiteral("wall"), QStringLiteral("NOC wall mode: full screen, rotating pages, no input needed.")});
    parser.addOption({QStringLiteral("wall-page-seconds"), QStringLiteral("Seconds per wall page (default 20)."), QStringLiteral("s"),
                      QStringLiteral("20")});
    parser.addOption({QStringLiteral("wall-page"), QStringLiteral("Start the wall on this page (1-based)."), QStringLiteral("n"),
                      QStringLiteral("1")});
    parser.addOption({QStringLiteral("incident"), QStringLiteral("Open incident N (INC-N) in the Incidents and alerts dock and the War room once it is known."),
                      QStringLiteral("n")});
    parser.addOption({QStringLiteral("profile"), QStringLiteral("Open a profile file in the Profiles view (repeatable; with two, the "
                                                                "last is compared with the first)."),
                      QStringLiteral("file")});
    parser.addOption({QStringLiteral("fabric"), QStringLiteral("GPU fabric topology: ibnetdiscover or iblinkinfo output, or a YAML fabric "
                                                               "(docs/fabric.md); replaces the scenario's fabric in the GPU fabric view."),
                      QStringLiteral("file")});
    parser.addOption({QStringLiteral("remediation"), QStringLiteral("Remediation configuration (YAML, docs/remediation.md): plugins, "
                                                                    "policies and the audit database; enables the Approvals dock."),
                      QStringLiteral("file")});
    parser.addOption({QStringLiteral("jobs"), QStringLiteral("Jobs on the fabric: YAML map job → [hosts] (with --fabric)."), QStringLiteral("file")});
    parser.addOption({QStringLiteral("view"), QStringLiteral("Bring this view's dock to the front (overview, metrics, logs, feeds, alerts, timeline, profiles, topology, warroom, fabric)."),
                      QStringLiteral("id")});
    parser.addOption({QStringLiteral("size"), QStringLiteral("Window size for --screenshot, WxH."), QStringLiteral("WxH"),
                      QStringLiteral("1600x1000")});
    parser.process(app);

    // Engine first: a bad scenario or configuration is reported before any window appears.
    const bool demo = parser.value(QStringLiteral("scenario")) != QStringLiteral("none");
    auto scenario = demo ? Engine::loadScenario(parser.value(QStringLiteral("scenario")).toStdString()) : Engine::Result<Engine::Scenario>(Engine::Scenario{});
    if (!scenario)
        return fail(QString::fromStdString(scenario.error().toString()));
    std::optional<Engine::NocturneConfig> config;
    std::string configText;
    if (parser.isSet(QStringLiteral("config"))) {
        QFile file(parser.value(QStringLiteral("config")));
        if (!file.open(QIODevice::ReadOnly))
            return fail(parser.value(QStringLiteral("config")) + QStringLiteral(": cannot open"));
        configText = file.readAll().toStdString();
        auto parsed = Engine::parseConfig(configText, parser.value(QStringLiteral("config")).toStdString());
        if (!parsed)
            return fail(QString::fromStdString(parsed.error().message));
        config = std::move(*parsed);
    }
    if (parser.isSet(QStringLiteral("seed"))) {
        bool ok = false;
        scenario->seed = parser.value(QStringLiteral("seed")).toULongLong(&ok);
        if (!ok)
            return fail(QStringLiteral("--seed needs a non-negative integer"));
    }
    const auto speed = Engine::parseSpeed(parser.value(QStringLiteral("speed")).toStdString());
    if (!speed)
        return fail(QStringLiteral("--speed: ") + QString::fromStdString(speed.error().message));
    auto history = Engine::parseDuration(parser.value(QStringLiteral("history")).toStdString());
    if (!history)
        return fail(QStringLiteral("--history: ") + QString::fromStdString(history.error().message));
    const bool screenshot = parser.isSet(QStringLiteral("screenshot"));
    bool afterOk = false;
    const double after = parser.value(QStringLiteral("after")).toDouble(&afterOk);
    if (screenshot && (!afterOk || after < 0))
        return fail(QStringLiteral("--after needs a number of seconds ≥ 0"));

    Engine::Engine::Options options;
    options.eventDatabase = parser.isSet(QStringLiteral("events-db")) ? parser.value(QStringLiteral("events-db")).toStdString()
                                                                       : Engine::EventStore::defaultPath();
    if (config && !config->eventsDb.empty() && !parser.isSet(QStringLiteral("events-db")))
        options.eventDatabase = config->eventsDb;
    Engine::Engine engine(options);
    QTimer liveClock;
    if (demo) {
        if (auto s = engine.loadScenario(std::move(*scenario)); !s)
            return fail(QString::fromStdString(s.error().toString()));
        Engine::Engine::ReplayOptions replay;
        replay.speed = *speed;
        replay.history = *history;
        replay.injectFaults = !parser.isSet(QStringLiteral("no-faults"));
        if (auto s = engine.startReplay(replay); !s)
            return fail(QString::fromStdString(s.error().toString()));
    } else {
        // Live feeds only: the engine's clock is the wall clock.
        QObject::connect(&liveClock, &QTimer::timeout, &app, [&engine] {
            const Engine::Timestamp now = Engine::SystemClock().now();
            engine.simulationClock().set(now);
            engine.advanceTo(now);
        });
        liveClock.start(500);
    }
    if (parser.isSet(QStringLiteral("topology"))) {
        const QString path = parser.value(QStringLiteral("topology"));
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return fail(path + QStringLiteral(": cannot open"));
        if (auto s = engine.mergeTopologyYaml(file.readAll().toStdString(), path.toStdString()); !s)
            return fail(QString::fromStdString(s.error().context + ": " + s.error().message));
    }
    if (parser.isSet(QStringLiteral("fabric"))) {
        auto fabric = Engine::importFabricFile(parser.value(QStringLiteral("fabric")).toStdString());
        if (!fabric)
            return fail(QString::fromStdString(fabric.error().toString()));
        if (parser.isSet(QStringLiteral("jobs"))) {
            QFile file(parser.value(QStringLiteral("jobs")));
            if (!file.open(QIODevice::ReadOnly))
                return fail(file.fileName() + QStringLiteral(": cannot open"));
            if (auto s = Engine::applyJobsYaml(*fabric, file.readAll().toStdString(), file.fileName().toStdString()); !s)
                return fail(QString::fromStdString(s.error().toString()));
        }
        engine.loadFabric(std::move(*fabric));
    }
    std::unique_ptr<Engine::RemediationService> remediation;
    std::unique_ptr<Engine::RemediationDriver> remediationDriver;
    std::unique_ptr<Engine::ScenarioActuator> actuator;
    if (parser.isSet(QStringLiteral("remediation"))) {
        QFile file(parser.value(QStringLiteral("remediation")));
        if (!file.open(QIODevice::ReadOnly))
            return fail(file.fileName() + QStringLiteral(": cannot open"));
        auto rc = Engine::parseRemediationConfig(file.readAll().toStdString(), file.fileName().toStdString());
        if (!rc)
            return fail(QString::fromStdString(rc.error().toString()));
        Engine::RemediationService::Options ro;
        ro.databasePath = rc->database.empty()
                              ? QFileInfo(QString::fromStdString(options.eventDatabase)).dir().filePath(QStringLiteral("remediation.db")).toStdString()
                              : rc->database;
        ro.plugins.directories = rc->pluginDirectories;
        ro.plugins.allowlist = rc->allowlist;
        ro.plugins.config = rc->pluginConfig;
        ro.plugins.timeoutMs = rc->callTimeoutMs;
        auto service = Engine::RemediationService::open(ro, Engine::SystemClock().now());
        if (!service)
            return fail(QString::fromStdString(service.error().toString()));
        remediation = std::move(*service);
        remediation->setClock([&engine] { return engine.clock().now(); });
        if (!rc->policiesYaml.empty())
            if (auto s = remediation->loadPolicies(rc->policiesYaml, rc->policiesSource, "config", Engine::SystemClock().now()); !s)
                return fail(QString::fromStdString(s.error().toString()));
        remediationDriver = std::make_unique<Engine::RemediationDriver>(engine, *remediation);
        if (rc->actuatorPort && engine.scenario()) {
            actuator = std::make_unique<Engine::ScenarioActuator>(
                [&engine](const std::string &entity, bool undo) { return engine.mitigateScenarioFault(entity, undo); },
                QByteArray::fromStdString(rc->actuatorSecret));
            if (!actuator->listen(quint16(rc->actuatorPort)))
                std::fprintf(stderr, "nocturne: scenario actuator: cannot listen on 127.0.0.1:%d\n", rc->actuatorPort);
        }
    }
    Engine::FeedManager feeds(engine);
    if (config) {
        for (const Engine::Error &e : feeds.apply(*config, configText))
            std::fprintf(stderr, "nocturne: %s: %s\n", e.context.c_str(), e.message.c_str());
    }

    QSettings settings;
    const auto themeKind = Ui::Theme::kindFromString(
        parser.isSet(QStringLiteral("theme")) ? parser.value(QStringLiteral("theme")) : settings.value(QStringLiteral("ui/theme")).toString(),
        Ui::Theme::Kind::Dark);
    Ui::Theme::apply(themeKind);

    Ui::SnapshotHub hub(engine);
    Ui::ViewRegistry registry;
    Ui::registerBuiltinViews(registry);
    // Either the wall or the console: a hidden console would still process every snapshot in all its views.
    std::unique_ptr<Ui::WallWindow> wall;
    std::unique_ptr<Ui::MainWindow> window;
    if (parser.isSet(QStringLiteral("wall"))) {
        wall = std::make_unique<Ui::WallWindow>(hub, parser.value(QStringLiteral("wall-page-seconds")).toInt());
        wall->showPage(parser.value(QStringLiteral("wall-page")).toInt() - 1);
    } else {
        window = std::make_unique<Ui::MainWindow>(hub, registry, &feeds, remediation.get());
    }
    QWidget &shown = wall ? static_cast<QWidget &>(*wall) : static_cast<QWidget &>(*window);

    if (parser.isSet(QStringLiteral("view")) && window) {
        QWidget *view = window->view(parser.value(QStringLiteral("view")));
        if (!view)
            return fail(QStringLiteral("--view: no view '%1'").arg(parser.value(QStringLiteral("view"))));
        if (auto *dock = qobject_cast<QDockWidget *>(view->parentWidget()))
            QTimer::singleShot(0, dock, [dock] { dock->raise(); });
    }
    if (parser.isSet(QStringLiteral("incident")) && window) {
        auto *alerts = qobject_cast<Ui::AlertsView *>(window->view(QStringLiteral("alerts")));
        const qint64 wanted = parser.value(QStringLiteral("incident")).toLongLong();
        if (alerts && wanted > 0) {
            if (auto *dock = qobject_cast<QDockWidget *>(alerts->parentWidget()); dock && !parser.isSet(QStringLiteral("view")))
                QTimer::singleShot(0, dock, [dock] { dock->raise(); });
            // The incident may not exist yet (replay still loading): try after each snapshot has reached the view.
            auto connection = std::make_shared<QMetaObject::Connection>();
            QWidget *room = window->view(QStringLiteral("warroom"));
            *connection = QObject::connect(&hub, &Ui::SnapshotHub::snapshotChanged, alerts, [alerts, wanted, connection, room] {
                QTimer::singleShot(0, alerts, [alerts, wanted, connection, room] {
                    if (alerts->selectedIncident() == wanted) {
                        QObject::disconnect(*connection);
                        // The war room opens on it too (in front when --view warroom raised it).
                        if (room)
                            QMetaObject::invokeMethod(room, "showIncident", Q_ARG(qint64, wanted));
                        return;
                    }
                    alerts->selectIncident(wanted);
                });
            });
        }
    }
    if (parser.isSet(QStringLiteral("profile")) && window) {
        auto *profiles = qobject_cast<Ui::ProfilesView *>(window->view(QStringLiteral("profiles")));
        const QStringList files = parser.values(QStringLiteral("profile"));
        if (profiles) {
            if (auto *dock = qobject_cast<QDockWidget *>(profiles->parentWidget()))
                QTimer::singleShot(0, dock, [dock] { dock->raise(); });
            // One after the other (imports run on a worker), then compare the last with the first.
            auto next = std::make_shared<int>(0);
            auto openNext = std::make_shared<std::function<void()>>();
            *openNext = [profiles, files, next, openNext] {
                if (*next < files.size()) {
                    profiles->openFile(files.at((*next)++));
                    return;
                }
                if (files.size() > 1 && profiles->profileCount() >= 2)
                    profiles->setBaseline(0);
            };
            QObject::connect(profiles, &Ui::ProfilesView::imported, profiles, [openNext](int) { (*openNext)(); });
            QObject::connect(profiles, &Ui::ProfilesView::importFailed, profiles, [files](const QString &error) {
                std::fprintf(stderr, "nocturne: --profile: %s\n", error.toLocal8Bit().constData());
            });
            (*openNext)();
        }
    }
    if (screenshot) {
        const QStringList size = parser.value(QStringLiteral("size")).split(QLatin1Char('x'));
        const int width = size.value(0).toInt(), height = size.value(1).toInt();
        if (width < 320 || height < 240 || width > 8192 || height > 8192)
            return fail(QStringLiteral("--size must be WxH between 320x240 and 8192x8192"));
        shown.resize(width, height);
        shown.show();
        const QString file = parser.value(QStringLiteral("screenshot"));
        QTimer::singleShot(int(after * 1000), &shown, [&shown, &hub, file] {
            hub.pollNow();
            // Let queued chart updates land before grabbing.
            QTimer::singleShot(300, &shown, [&shown, file] {
                const QImage image = shown.grab().toImage();
                if (!image.save(file)) {
                    std::fprintf(stderr, "nocturne: cannot write screenshot to %s\n", qPrintable(file));
                    QApplication::exit(1);
                    return;
                }
                std::printf("nocturne: screenshot written to %s (%dx%d)\n", qPrintable(QFileInfo(file).absoluteFilePath()),
                            image.width(), image.height());
                QApplication::exit(0);
            });
        });
    } else if (wall) {
        wall->showFullScreen();
    } else {
        window->resize(1600, 1000);
        window->restoreLayout();
        window->show();
    }
#if defined(__GLIBC__)
    QTimer trim;
    QObject::connect(&trim, &QTimer::timeout, [] { malloc_trim(0); });
    trim.start(60'000);
#endif
    const int rc = QApplication::exec();
    feeds.stopAll(); // Kafka commits its offsets
    engine.stop();
    return rc;
}
