#pragma once

#include <QWidget>

#include "runtime/engine_snapshot.h"

class QLabel;
class QPushButton;
class QTableView;
class QTableWidget;

namespace Nocturne::Engine {
class FeedManager;
}

namespace Nocturne::Ui {

class FeedTableModel;
class SnapshotHub;

// The Feeds dock: every feed's state (connecting / healthy / degraded / down), rates, Kafka lag, queue fill and last
// error; below it the selected feed's endpoint, refusals by reason and its dead letters (what was refused, where,
// why). "Edit configuration…" opens the YAML editor that validates before applying (needs a FeedManager).
class FeedsView : public QWidget
{
    Q_OBJECT
public:
    FeedsView(SnapshotHub &hub, Engine::FeedManager *feeds, QWidget *parent = nullptr);

    FeedTableModel *model() const { return m_model; }
    // Opens the configuration editor (modal); returns true when a new configuration was applied.
    bool editConfiguration();

private:
    void applySnapshot(const Engine::SnapshotPtr &snapshot);
    void showDetails();

    SnapshotHub &m_hub;
    Engine::FeedManager *m_feeds;
    FeedTableModel *m_model;
    QTableView *m_table;
    QLabel *m_summary;
    QLabel *m_details;
    QTableWidget *m_deadLetters;
    QPushButton *m_edit;
    QString m_selected;
    std::uint64_t m_shownRejected = UINT64_MAX;
};

} // namespace Nocturne::Ui
