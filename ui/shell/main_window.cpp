#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QLabel>

#include <map>
#include <QMenuBar>
#include <QMessageBox>
#include <QShowEvent>
#include <QSettings>
#include <QStatusBar>
#include <QInputDialog>
#include <QLineEdit>
#include <QTimer>
#include <QToolBar>

#include "core/clock.h"
#include "remediate/remediation_service.h"
#include "shell/console_session.h"
#include "shell/snapshot_hub.h"
#include "theme/theme.h"

namespace Nocturne::Ui {

namespace {
const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kStateKey = QStringLiteral("window/state");
const QString kThemeKey = QStringLiteral("ui/theme");
constexpr int kLayoutVersion = 1;
} // namespace

MainWindow::MainWindow(SnapshotHub &hub, const ViewRegistry &registry, Engine::FeedManager *feeds,
                       Engine::RemediationService *remediation, QWidget *parent)
    : QMainWindow(parent)
    , m_hub(hub)
    , m_remediation(remediation)
    , m_session(new ConsoleSession(remediation, this))
    , m_feedLabel(new QLabel(this))
    , m_engineLabel(new QLabel(this))
    , m_clockLabel(new QLabel(this))
{
    setWindowTitle(tr("Nocturne"));
    setObjectName(QStringLiteral("NocturneMainWindow"));
    setDockNestingEnabled(true);
    statusBar()->addWidget(m_feedLabel, 1);
    statusBar()->addPermanentWidget(m_engineLabel);
    statusBar()->addPermanentWidget(m_clockLabel);
    m_feedLabel->setTextFormat(Qt::RichText);
    buildViews(registry, feeds);
    buildMenus();
    buildToolBar();
    connect(&hub, &SnapshotHub::snapshotChanged, this, &MainWindow::applySnapshot);
    if (hub.current())
        applySnapshot(hub.current());
}

void MainWindow::buildViews(const ViewRegistry &registry, Engine::FeedManager *feeds)
{
    const ViewContext context{m_hub, feeds, m_remediation, m_session};
    bool haveCentral = false;
    std::map<Qt::DockWidgetArea, QDockWidget *> firstInArea; // later docks in an area become tabs of the first
    for (const ViewDescriptor &descriptor : registry.views()) {
        QWidget *widget = nullptr;
        if (descriptor.central && !haveCentral) {
            widget = descriptor.create(context, this);
            widget->setObjectName(descriptor.id);
            setCentralWidget(widget);
            haveCentral = true;
        } else {
            auto *dock = new QDockWidget(descriptor.title, this);
            dock->setObjectName(descriptor.id + QStringLiteral("Dock"));
            widget = descriptor.create(context, dock);
            widget->setObjectName(descriptor.id);
            dock->setWidget(widget);
            addDockWidget(descriptor.area, dock);
            auto [first, inserted] = firstInArea.try_emplace(descriptor.area, dock);
            if (!inserted) {
                tabifyDockWidget(first->second, dock);
                first->second->raise();
            }
        }
        m_views.emplace_back(descriptor.id, widget);
    }
    // Views that open things in other views talk through signal and slot names only (no view knows another's type):
    // the timeline's clicks open the alert or incident in the Incidents and alerts dock.
    QWidget *timeline = view(QStringLiteral("timeline"));
    QWidget *alerts = view(QStringLiteral("alerts"));
    if (timeline && alerts) {
        auto raise = [alerts] {
            if (auto *dock = qobject_cast<QDockWidget *>(alerts->parentWidget()))
                dock->raise();
        };
        connect(timeline, SIGNAL(alertActivated(qint64)), alerts, SLOT(selectAlert(qint64)));
        connect(timeline, SIGNAL(incidentActivated(qint64)), alerts, SLOT(selectIncident(qint64)));
        connect(timeline, SIGNAL(rangeSelected(qint64,qint64)), alerts, SLOT(setTimeRange(qint64,qint64)));
        connect(timeline, SIGNAL(rangeSelected(qint64,qint64)), this, SLOT(raiseAlertsDock()));
        connect(timeline, SIGNAL(alertActivated(qint64)), this, SLOT(raiseAlertsDock()));
        connect(timeline, SIGNAL(incidentActivated(qint64)), this, SLOT(raiseAlertsDock()));
        m_raiseAlerts = raise;
    }
    // An incident's log evidence opens the lines in the Logs dock.
    QWidget *logs = view(QStringLiteral("logs"));
    if (alerts && logs) {
        connect(alerts, SIGNAL(logTemplateRequested(QString,quint32)), logs, SLOT(filterByTemplate(QString,quint32)));
        if (auto *dock = qobject_cast<QDockWidget *>(logs->parentWidget()))
            connect(alerts, SIGNAL(logTemplateRequested(QString,quint32)), dock, SLOT(raise()));
    }
    // "Open war room" on an incident opens it in the War room dock.
    QWidget *warroom = view(QStringLiteral("warroom"));
    if (alerts && warroom) {
        connect(alerts, SIGNAL(warRoomRequested(qint64)), warroom, SLOT(showIncident(qint64)));
        if (auto *dock = qobject_cast<QDockWidget *>(warroom->parentWidget()))
            connect(alerts, SIGNAL(warRoomRequested(qint64)), dock, SLOT(raise()));
    }
    // "Propose remediation…" on an incident opens the approvals desk's proposal dialog.
    QWidget *approvals = view(QStringLiteral("approvals"));
    if (alerts && approvals) {
        connect(alerts, SIGNAL(remediationRequested(qint64,QString)), approvals, SLOT(proposeForIncident(qint64,QString)));
        if (auto *dock = qobject_cast<QDockWidget *>(approvals->parentWidget()))
            connect(alerts, SIGNAL(remediationRequested(qint64,QString)), dock, SLOT(raise()));
    }
    // An incident's "profile diff" opens in the Profiles dock.
    QWidget *profiles = view(QStringLiteral("profiles"));
    if (alerts && profiles) {
        connect(alerts, SIGNAL(profileDiffRequested(QString,qint64,qint64)), profiles, SLOT(showIncidentDiff(QString,qint64,qint64)));
        if (auto *dock = qobject_cast<QDockWidget *>(profiles->parentWidget()))
            connect(alerts, SIGNAL(profileDiffRequested(QString,qint64,qint64)), dock, SLOT(raise()));
    }
}

void MainWindow::raiseAlertsDock()
{
    if (m_raiseAlerts)
        m_raiseAlerts();
}

void MainWindow::buildToolBar()
{
    if (!m_remediation)
        return;
    // The kill switch is always one click away: it pauses every automatic and approved action until an admin resumes.
    QToolBar *bar = addToolBar(tr("Automation"));
    bar->setObjectName(QStringLiteral("automationToolBar"));
    bar->setMovable(false);
    auto *sessionLabel = new QLabel(bar);
    QAction *signIn = bar->addAction(tr("Sign in…"));
    bar->addWidget(sessionLabel);
    bar->addSeparator();
    QAction *kill = bar->addAction(tr("Pause automation"));
    kill->setObjectName(QStringLiteral("killSwitch"));
    kill->setCheckable(true);
    if (QWidget *button = bar->widgetForAction(kill))
        button->setStyleSheet(QStringLiteral("QToolButton { font-weight: bold; padding: 2px 10px; } QToolButton:checked { background: #8a2a00; color: white; }"));
    auto update = [this, kill, signIn, sessionLabel] {
        const bool engaged = m_remediation->killSwitch();
        kill->setChecked(engaged);
        kill->setText(engaged ? tr("✕ Automation paused — resume…") : tr("Pause automation (kill switch)"));
        signIn->setText(m_session->signedIn() ? tr("Sign out") : tr("Sign in…"));
        sessionLabel->setText(QStringLiteral("  %1  ").arg(m_session->describe()));
    };
    connect(signIn, &QAction::triggered, this, [this] {
        if (m_session->signedIn())
            m_session->signOut();
        else
            m_session->promptSignIn(this);
    });
    connect(kill, &QAction::triggered, this, [this, update] {
        const bool engage = !m_remediation->killSwitch();
        if (!m_session->signedIn() && !m_session->promptSignIn(this)) {
            update();
            return;
        }
        bool ok = false;
        const QString reason = QInputDialog::getText(this, engage ? tr("Pause all automation") : tr("Resume automation"),
                                                     tr("Reason (recorded in the audit log):"), QLineEdit::Normal, {}, &ok);
        if (ok && !reason.trimmed().isEmpty()) {
            const auto s = m_remediation->setKillSwitch(m_session->token(), engage, reason.toStdString(), m_remediation->now());
            if (!s)
                QMessageBox::warning(this, tr("Kill switch"), QString::fromStdString(s.error().message));
        }
        update();
    });
    connect(m_session, &ConsoleSession::changed, this, update);
    auto *timer = new QTimer(this);
    connect(timer, &QTimer::timeout, this, update);
    timer->start(1000);
    update();
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    const auto docks = findChildren<QDockWidget *>();
    int n = 1;
    for (QDockWidget *dock : docks) {
        QAction *toggle = dock->toggleViewAction();
        toggle->setShortcut(QKeySequence(QStringLiteral("Ctrl+%1").arg(n++)));
        m_viewMenu->addAction(toggle);
    }
    m_viewMenu->addSeparator();
    QAction *theme = m_viewMenu->addAction(tr("Toggle &dark/light theme"), this, &MainWindow::toggleTheme);
    theme->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+T")));
    QAction *fullScreen = m_viewMenu->addAction(tr("&Full screen"), this, [this] {
        setWindowState(windowState() ^ Qt::WindowFullScreen);
    });
    fullScreen->setShortcut(QKeySequence::FullScreen);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Nocturne"), this, [this] {
        QMessageBox::about(this, tr("About Nocturne"),
                           tr("<b>Nocturne %1</b><p>Operations console with an embedded detection and root-cause engine.</p>")
                               .arg(QStringLiteral(NOCTURNE_VERSION)));
    });
}

QWidget *MainWindow::view(const QString &id) const
{
    for (const auto &[viewId, widget] : m_views) {
        if (viewId == id)
            return widget;
    }
    return nullptr;
}

bool MainWindow::restoreLayout()
{
    QSettings settings;
    if (settings.contains(kGeometryKey))
        restoreGeometry(settings.value(kGeometryKey).toByteArray());
    if (settings.contains(kStateKey))
        m_layoutRestored = restoreState(settings.value(kStateKey).toByteArray(), kLayoutVersion);
    return m_layoutRestored;
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    if (m_shown)
        return;
    m_shown = true;
    if (m_layoutRestored)
        return;
    // Default layout: the overview on top, docked views below with enough height for readable charts.
    QList<QDockWidget *> bottom;
    QList<int> sizes;
    const auto docks = findChildren<QDockWidget *>();
    for (QDockWidget *dock : docks) {
        if (dockWidgetArea(dock) == Qt::BottomDockWidgetArea) {
            bottom << dock;
            sizes << int(height() * 0.36);
        }
    }
    if (!bottom.isEmpty())
        resizeDocks(bottom, sizes, Qt::Vertical);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState(kLayoutVersion));
    settings.setValue(kThemeKey, Theme::current().kind() == Theme::Kind::Dark ? QStringLiteral("dark") : QStringLiteral("light"));
    QMainWindow::closeEvent(event);
}

void MainWindow::toggleTheme()
{
    Theme::apply(Theme::current().kind() == Theme::Kind::Dark ? Theme::Kind::Light : Theme::Kind::Dark);
    // Views read Theme::current() when they paint; charts and labels refresh on the next snapshot.
    const auto widgets = findChildren<QWidget *>();
    for (QWidget *w : widgets)
        w->update();
    if (m_hub.current())
        applySnapshot(m_hub.current());
}

void MainWindow::applySnapshot(const Engine::SnapshotPtr &snapshot)
{
    const Theme &theme = Theme::current();
    QStringList feeds;
    const Engine::Timestamp now = snapshot->publishedWall;
    for (const auto &feed : snapshot->feeds) {
        Engine::HealthState state = Engine::HealthState::Ok;
        QString word = QString::fromLatin1(Engine::feedStateName(feed.state));
        // A healthy feed that has delivered nothing for 30 s of wall time is stale: say so rather than look quiet.
        const bool stale = feed.state == Engine::FeedState::Healthy && feed.lastDataWall > 0 && now - feed.lastDataWall > 30 * Engine::kSecond;
        if (stale) {
            state = Engine::HealthState::Warning;
            word = tr("stale");
        } else if (feed.state == Engine::FeedState::Degraded || feed.state == Engine::FeedState::Connecting) {
            state = Engine::HealthState::Warning;
        } else if (feed.state == Engine::FeedState::Down) {
            state = Engine::HealthState::Critical;
        }
        QString text = QStringLiteral("<span style='color:%1'>%2</span> %3 %4 · %5 samples/s")
                           .arg(theme.stateColor(state).name(), Theme::stateGlyph(state), QString::fromStdString(feed.name).toHtmlEscaped(),
                                word, QString::number(feed.samplesPerSecond, 'f', 0));
        if (!feed.lastError.empty())
            text += QStringLiteral(" · ") + QString::fromStdString(feed.lastError).toHtmlEscaped();
        feeds << text;
    }
    m_feedLabel->setText(feeds.isEmpty() ? tr("no feeds") : feeds.join(QStringLiteral(" &nbsp;|&nbsp; ")));
    m_engineLabel->setText(tr("%1 series · %2 samples · %3 B/sample · %4 logs · %5 spans")
                               .arg(snapshot->store.series)
                               .arg(QLocale().toString(qulonglong(snapshot->store.samples)))
                               .arg(snapshot->store.bytesPerSample(), 0, 'f', 1)
                               .arg(QLocale().toString(qulonglong(snapshot->logCount)))
                               .arg(QLocale().toString(qulonglong(snapshot->spanCount))));
    const QString speed = snapshot->speed > 0 ? QStringLiteral("%1×").arg(snapshot->speed) : tr("max speed");
    m_clockLabel->setText(QStringLiteral("%1 UTC · %2").arg(QString::fromStdString(Engine::formatIso8601(snapshot->simTime)).replace(QLatin1Char('T'), QLatin1Char(' ')).chopped(1), speed));
}

} // namespace Nocturne::Ui
