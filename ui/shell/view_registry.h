#pragma once

#include <QKeySequence>
#include <QString>

#include <functional>
#include <vector>

class QWidget;

namespace Nocturne::Engine {
class FeedManager;
class RemediationService;
}

namespace Nocturne::Ui {

class SnapshotHub;
class ConsoleSession;

struct ViewContext {
    SnapshotHub &hub;
    Engine::FeedManager *feeds = nullptr; // live feeds (console started with --config), or none
    Engine::RemediationService *remediation = nullptr; // --remediation FILE, or none
    ConsoleSession *session = nullptr;                  // the signed-in person, when remediation is on
};

// Every dockable view registers a factory here; the main window builds its docks and View menu from the registry,
// so a new view is one registration call, not edits across the shell.
struct ViewDescriptor {
    QString id;    // stable, used as the dock's objectName (saved layouts refer to it)
    QString title;
    Qt::DockWidgetArea area = Qt::RightDockWidgetArea;
    QKeySequence shortcut;
    bool central = false; // the first central view fills the middle of the window
    std::function<QWidget *(const ViewContext &, QWidget *parent)> create;
};

class ViewRegistry
{
public:
    void add(ViewDescriptor descriptor);
    const std::vector<ViewDescriptor> &views() const { return m_views; }
    const ViewDescriptor *find(const QString &id) const;

private:
    std::vector<ViewDescriptor> m_views;
};

// Registers the views that ship with the console.
void registerBuiltinViews(ViewRegistry &registry);

} // namespace Nocturne::Ui
