#pragma once

#include <QWidget>

#include "runtime/engine_snapshot.h"

class QLabel;
class QLineEdit;
class QListView;
class QListWidget;
class QSortFilterProxyModel;

namespace Nocturne::Ui {

class EntityHealthModel;
class HealthTileDelegate;
class SnapshotHub;

// Estate overview: one tile per service, host, database, switch…, problems first, with a summary line and the
// latest warnings, errors and deploys underneath.
class EstateOverview : public QWidget
{
    Q_OBJECT
public:
    explicit EstateOverview(SnapshotHub &hub, QWidget *parent = nullptr);

    EntityHealthModel *model() const { return m_model; }
    void setTileScale(double scale);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void updateGrid();
    void applySnapshot(const Engine::SnapshotPtr &snapshot);

    EntityHealthModel *m_model;
    QSortFilterProxyModel *m_proxy;
    HealthTileDelegate *m_delegate;
    QListView *m_tiles;
    QLabel *m_summary;
    QLineEdit *m_filter;
    QListWidget *m_problems;
    std::uint64_t m_lastProblemVersion = 0;
    double m_scale = 1.0;
};

} // namespace Nocturne::Ui
