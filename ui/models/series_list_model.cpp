#include "series_list_model.h"

namespace Nocturne::Ui {

int SeriesListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

QVariant SeriesListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const SeriesEntry &e = m_entries[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole: return e.label;
    case SeriesIdRole: return QVariant::fromValue(e.id.value);
    case MetricNameRole: return e.name;
    }
    return {};
}

void SeriesListModel::appendEntries(std::vector<SeriesEntry> entries)
{
    std::vector<SeriesEntry> fresh;
    for (auto &e : entries) {
        if (rowOf(e.id) < 0)
            fresh.push_back(std::move(e));
    }
    if (fresh.empty())
        return;
    const int first = rowCount();
    beginInsertRows({}, first, first + static_cast<int>(fresh.size()) - 1);
    for (auto &e : fresh)
        m_entries.push_back(std::move(e));
    endInsertRows();
}

const SeriesEntry *SeriesListModel::at(int row) const
{
    if (row < 0 || row >= rowCount())
        return nullptr;
    return &m_entries[static_cast<std::size_t>(row)];
}

int SeriesListModel::rowOf(Engine::SeriesId id) const
{
    // Ids are dense and appended in order, so the row usually equals the id; fall back to a scan otherwise.
    if (id.value < m_entries.size() && m_entries[id.value].id == id)
        return static_cast<int>(id.value);
    for (std::size_t i = 0; i < m_entries.size(); ++i) {
        if (m_entries[i].id == id)
            return static_cast<int>(i);
    }
    return -1;
}

} // namespace Nocturne::Ui
