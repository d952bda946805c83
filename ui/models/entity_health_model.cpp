#include "entity_health_model.h"

#include "theme/theme.h"

namespace Nocturne::Ui {

int EntityHealthModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int EntityHealthModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EntityHealthModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Engine::EntityHealth &h = m_rows[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case EntityColumn: return QString::fromStdString(h.entity);
        case KindColumn: return QString::fromLatin1(Engine::entityKindName(h.kind));
        case StateColumn: return QString(Theme::stateGlyph(h.state) + QLatin1Char(' ') + Theme::stateWord(h.state));
        case HeadlineColumn: return QString::fromStdString(h.headline);
        case ReasonColumn: return QString::fromStdString(h.reason);
        }
        return {};
    case Qt::ToolTipRole:
        return h.reason.empty() ? QString::fromStdString(h.entity)
                                : QString(QString::fromStdString(h.entity) + QStringLiteral(": ") + QString::fromStdString(h.reason));
    case StateRole: return static_cast<int>(h.state);
    case SparklineRole: return QVariant::fromValue(QList<double>(h.sparkline.begin(), h.sparkline.end()));
    case KindRole: return QString::fromLatin1(Engine::entityKindName(h.kind));
    case HeadlineRole: return QString::fromStdString(h.headline);
    case ReasonRole: return QString::fromStdString(h.reason);
    case ChildrenRole:
        if (h.children == 0)
            return QString();
        return h.unhealthyChildren ? tr("%1 of %2 parts unhealthy").arg(h.unhealthyChildren).arg(h.children)
                                   : tr("%1 parts healthy").arg(h.children);
    }
    return {};
}

QVariant EntityHealthModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case EntityColumn: return tr("Entity");
    case KindColumn: return tr("Kind");
    case StateColumn: return tr("State");
    case HeadlineColumn: return tr("Now");
    case ReasonColumn: return tr("Why");
    }
    return {};
}

void EntityHealthModel::setHealth(std::vector<Engine::EntityHealth> health)
{
    bool sameRows = health.size() == m_rows.size();
    for (std::size_t i = 0; sameRows && i < health.size(); ++i)
        sameRows = health[i].entity == m_rows[i].entity;
    if (!sameRows) {
        beginResetModel();
        m_rows = std::move(health);
        endResetModel();
        return;
    }
    m_rows = std::move(health);
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

const Engine::EntityHealth *EntityHealthModel::at(int row) const
{
    if (row < 0 || row >= rowCount())
        return nullptr;
    return &m_rows[static_cast<std::size_t>(row)];
}

std::array<int, 4> EntityHealthModel::stateCounts() const
{
    std::array<int, 4> counts{};
    for (const auto &h : m_rows)
        ++counts[static_cast<std::size_t>(h.state)];
    return counts;
}

} // namespace Nocturne::Ui
