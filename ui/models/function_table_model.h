#pragma once

#include <QAbstractTableModel>

#include <unordered_map>

#include "profile/hotspots.h"

namespace Nocturne::Ui {

// Top functions of a profile: self and total shares (and, with a baseline, the change of the total share in
// percentage points). SortRole gives numbers; FrameRole the function's FrameId in the profile's frame table.
class FunctionTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Function, SelfShare, TotalShare, Delta, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;
    static constexpr int FrameRole = Qt::UserRole + 2;

    using QAbstractTableModel::QAbstractTableModel;
    // movers: change of total share by function name (empty: no baseline, the column shows "–").
    void setTable(Engine::HotspotTable table, std::unordered_map<std::string, double> movers = {});
    const Engine::HotspotTable &table() const { return m_table; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    Engine::HotspotTable m_table;
    std::unordered_map<std::string, double> m_movers;
};

} // namespace Nocturne::Ui
