#pragma once

#include <QMainWindow>

#include <functional>

#include "runtime/engine_snapshot.h"
#include "shell/view_registry.h"

class QLabel;

namespace Nocturne::Ui {

class SnapshotHub;
class ConsoleSession;

// The console shell: builds docks from the view registry, shows feed and engine health in the status bar, switches
// themes, and keeps the window layout in QSettings.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    MainWindow(SnapshotHub &hub, const ViewRegistry &registry, Engine::FeedManager *feeds = nullptr,
               Engine::RemediationService *remediation = nullptr, QWidget *parent = nullptr);
    ConsoleSession *session() const { return m_session; }

    QWidget *view(const QString &id) const;
    // Restores the saved layout; returns false when there is none (the default layout then applies on first show).
    bool restoreLayout();

private Q_SLOTS:
    void raiseAlertsDock();

protected:
    void closeEvent(QCloseEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    void buildViews(const ViewRegistry &registry, Engine::FeedManager *feeds);
    void buildToolBar();
    void buildMenus();
    void applySnapshot(const Engine::SnapshotPtr &snapshot);
    void toggleTheme();

    SnapshotHub &m_hub;
    Engine::RemediationService *m_remediation = nullptr;
    ConsoleSession *m_session = nullptr;
    QMenu *m_viewMenu = nullptr;
    QLabel *m_feedLabel;
    QLabel *m_engineLabel;
    QLabel *m_clockLabel;
    std::vector<std::pair<QString, QWidget *>> m_views;
    bool m_layoutRestored = false;
    bool m_shown = false;
    std::function<void()> m_raiseAlerts;
};

} // namespace Nocturne::Ui
