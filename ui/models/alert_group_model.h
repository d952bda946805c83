#pragma once

#include <QAbstractItemModel>
#include <QPointer>

#include <vector>

namespace Nocturne::Ui {

// The alerts table grouped: one parent row per value of a column (state, severity, alert, entity, incident) with its
// count and worst severity, the alerts as children in the order of the flat (filtered, sorted) model it reads. The
// flat model stays the single place for filtering and sorting; this one only regroups, coalescing the flat model's
// change signals into one rebuild per event-loop turn (O(rows)). Group rows sort by worst severity, then size.
class AlertGroupModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    static constexpr int GroupKeyRole = Qt::UserRole + 10; // on parent rows: the group's key
    static constexpr int GroupSizeRole = Qt::UserRole + 11;

    explicit AlertGroupModel(QObject *parent = nullptr);
    // flat: a table whose SortRole on severityColumn is the severity (0 = most severe).
    void setSourceModel(QAbstractItemModel *flat, int sortRole, int severityColumn);
    // -1: no grouping (the model is then empty; the view shows the flat table).
    void setGroupColumn(int column);
    int groupColumn() const { return m_column; }
    // Rebuilds now instead of on the next event-loop turn.
    void rebuildNow();
    // The flat model's row behind an index (-1 for a group row).
    int sourceRow(const QModelIndex &index) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

Q_SIGNALS:
    void rebuilt();

private:
    struct Group
    {
        QString key;
        int worst = 1 << 20;
        std::vector<int> rows; // flat model rows
    };
    void scheduleRebuild();

    QPointer<QAbstractItemModel> m_flat;
    int m_sortRole = Qt::UserRole;
    int m_severityColumn = 0;
    int m_column = -1;
    bool m_pending = false;
    std::vector<Group> m_groups;
};

} // namespace Nocturne::Ui
