#include "function_table_model.h"

#include <QColor>

namespace Nocturne::Ui {

void FunctionTableModel::setTable(Engine::HotspotTable table, std::unordered_map<std::string, double> movers)
{
    beginResetModel();
    m_table = std::move(table);
    m_movers = std::move(movers);
    endResetModel();
}

int FunctionTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_table.functions.size());
}

int FunctionTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FunctionTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *const names[] = {"Function", "Self %", "Total %", "Δ total"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

QVariant FunctionTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_table.functions.size()))
        return {};
    const auto &f = m_table.functions[std::size_t(index.row())];
    const double total = m_table.total > 0 ? m_table.total : 1.0;
    const auto mover = m_movers.find(f.name);
    const double delta = mover == m_movers.end() ? 0.0 : mover->second;
    if (role == FrameRole)
        return f.frame.value;
    if (role == SortRole) {
        switch (index.column()) {
        case SelfShare: return f.self / total;
        case TotalShare: return f.total / total;
        case Delta: return delta;
        default: return QString::fromStdString(f.name);
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() != Function)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && index.column() == Delta && mover != m_movers.end() && std::abs(delta) >= 0.005)
        return delta > 0 ? QColor(0xef, 0x6f, 0x5f) : QColor(0x6f, 0xa8, 0xef);
    if (role == Qt::ToolTipRole)
        return QString::fromStdString(f.name);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Function: return QString::fromStdString(f.name);
    case SelfShare: return QStringLiteral("%1 %").arg(100 * f.self / total, 0, 'f', 2);
    case TotalShare: return QStringLiteral("%1 %").arg(100 * f.total / total, 0, 'f', 2);
    case Delta:
        if (m_movers.empty())
            return QStringLiteral("–");
        // Sign and arrow, so the direction never depends on colour alone.
        return QStringLiteral("%1%2 pp").arg(delta > 0 ? QStringLiteral("▲ +") : delta < 0 ? QStringLiteral("▼ ") : QString()).arg(100 * delta, 0, 'f', 2);
    }
    return {};
}

} // namespace Nocturne::Ui
