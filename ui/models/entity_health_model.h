#pragma once

#include <QAbstractTableModel>

#include <array>
#include <vector>

#include "model/health_evaluator.h"

namespace Nocturne::Ui {

// Health tiles of the estate, one row per top-level entity, fed from engine snapshots.
class EntityHealthModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { EntityColumn, KindColumn, StateColumn, HeadlineColumn, ReasonColumn, ColumnCount };
    enum Role {
        StateRole = Qt::UserRole + 1, // int (Engine::HealthState)
        SparklineRole,                // QList<double>
        KindRole,                     // QString
        HeadlineRole,
        ReasonRole,
        ChildrenRole,                 // QString "3/8 GPUs…" summary or empty
    };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setHealth(std::vector<Engine::EntityHealth> health);
    const Engine::EntityHealth *at(int row) const;
    // Counts per state: [unknown, ok, warning, critical].
    std::array<int, 4> stateCounts() const;

private:
    std::vector<Engine::EntityHealth> m_rows;
};

} // namespace Nocturne::Ui
