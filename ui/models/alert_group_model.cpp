#include "alert_group_model.h"

#include <QFont>
#include <QHash>
#include <QTimer>

#include <algorithm>

namespace Nocturne::Ui {

namespace {
constexpr quintptr kGroupRow = 0; // internalId of parent rows; children carry group index + 1
}

AlertGroupModel::AlertGroupModel(QObject *parent)
    : QAbstractItemModel(parent)
{
}

void AlertGroupModel::setSourceModel(QAbstractItemModel *flat, int sortRole, int severityColumn)
{
    if (m_flat)
        disconnect(m_flat, nullptr, this, nullptr);
    m_flat = flat;
    m_sortRole = sortRole;
    m_severityColumn = severityColumn;
    if (flat) {
        connect(flat, &QAbstractItemModel::modelReset, this, &AlertGroupModel::scheduleRebuild);
        connect(flat, &QAbstractItemModel::layoutChanged, this, &AlertGroupModel::scheduleRebuild);
        connect(flat, &QAbstractItemModel::rowsInserted, this, &AlertGroupModel::scheduleRebuild);
        connect(flat, &QAbstractItemModel::rowsRemoved, this, &AlertGroupModel::scheduleRebuild);
        connect(flat, &QAbstractItemModel::rowsMoved, this, &AlertGroupModel::scheduleRebuild);
        connect(flat, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex &, const QModelIndex &, const QList<int> &) {
            // Data changes keep the row set; repaint the visible rows without regrouping unless the grouped column changed.
            if (m_column >= 0 && rowCount() > 0)
                scheduleRebuild();
        });
    }
    rebuildNow();
}

void AlertGroupModel::setGroupColumn(int column)
{
    if (column == m_column)
        return;
    m_column = column;
    rebuildNow();
}

void AlertGroupModel::scheduleRebuild()
{
    if (m_pending || m_column < 0)
        return;
    m_pending = true;
    QTimer::singleShot(0, this, [this] {
        if (m_pending)
            rebuildNow();
    });
}

void AlertGroupModel::rebuildNow()
{
    m_pending = false;
    beginResetModel();
    m_groups.clear();
    if (m_flat && m_column >= 0) {
        QHash<QString, int> byKey;
        const int rows = m_flat->rowCount();
        for (int r = 0; r < rows; ++r) {
            QString key = m_flat->index(r, m_column).data(Qt::DisplayRole).toString();
            if (key.isEmpty())
                key = tr("(none)");
            auto it = byKey.find(key);
            if (it == byKey.end()) {
                it = byKey.insert(key, int(m_groups.size()));
                m_groups.push_back({key, 1 << 20, {}});
            }
            Group &g = m_groups[std::size_t(*it)];
            g.rows.push_back(r);
            g.worst = std::min(g.worst, m_flat->index(r, m_severityColumn).data(m_sortRole).toInt());
        }
        std::stable_sort(m_groups.begin(), m_groups.end(), [](const Group &a, const Group &b) {
            if (a.worst != b.worst)
                return a.worst < b.worst;
            return a.rows.size() > b.rows.size();
        });
    }
    endResetModel();
    Q_EMIT rebuilt();
}

int AlertGroupModel::sourceRow(const QModelIndex &index) const
{
    if (!index.isValid() || index.internalId() == kGroupRow)
        return -1;
    const auto &g = m_groups[index.internalId() - 1];
    return index.row() < int(g.rows.size()) ? g.rows[std::size_t(index.row())] : -1;
}

QModelIndex AlertGroupModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= columnCount())
        return {};
    if (!parent.isValid())
        return row < int(m_groups.size()) ? createIndex(row, column, kGroupRow) : QModelIndex();
    if (parent.internalId() != kGroupRow || parent.row() >= int(m_groups.size()))
        return {};
    const auto &g = m_groups[std::size_t(parent.row())];
    return row < int(g.rows.size()) ? createIndex(row, column, quintptr(parent.row()) + 1) : QModelIndex();
}

QModelIndex AlertGroupModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == kGroupRow)
        return {};
    return createIndex(int(child.internalId() - 1), 0, kGroupRow);
}

int AlertGroupModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_groups.size());
    if (parent.internalId() != kGroupRow || parent.column() != 0 || parent.row() >= int(m_groups.size()))
        return 0;
    return int(m_groups[std::size_t(parent.row())].rows.size());
}

int AlertGroupModel::columnCount(const QModelIndex &) const
{
    return m_flat ? m_flat->columnCount() : 0;
}

QVariant AlertGroupModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || !m_flat)
        return {};
    if (index.internalId() != kGroupRow) {
        const int row = sourceRow(index);
        return row < 0 ? QVariant() : m_flat->index(row, index.column()).data(role);
    }
    const Group &g = m_groups[std::size_t(index.row())];
    if (role == GroupKeyRole)
        return g.key;
    if (role == GroupSizeRole)
        return int(g.rows.size());
    if (index.column() == 0 && role == Qt::DisplayRole)
        return g.rows.size() == 1 ? tr("%1  (1 alert)").arg(g.key) : tr("%1  (%2 alerts)").arg(g.key).arg(g.rows.size());
    if (index.column() == m_severityColumn && !g.rows.empty() && (role == Qt::DisplayRole || role == Qt::ForegroundRole)) {
        // The worst severity of the group, shown as its first row with that severity shows it.
        for (int r : g.rows) {
            const QModelIndex flat = m_flat->index(r, m_severityColumn);
            if (flat.data(m_sortRole).toInt() == g.worst)
                return flat.data(role);
        }
    }
    if (role == Qt::FontRole) {
        QFont font;
        font.setBold(true);
        return font;
    }
    return {};
}

QVariant AlertGroupModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    return m_flat ? m_flat->headerData(section, orientation, role) : QVariant();
}

} // namespace Nocturne::Ui
