#pragma once

#include <QAbstractTableModel>

#include <vector>

#include "runtime/engine.h"

namespace Nocturne::Ui {

// Log lines for the log panel: a flat vector replaced wholesale from a worker thread's query, so a million rows cost
// one vector and Qt's view only asks for the visible ones.
class LogTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { TimeColumn, LevelColumn, SourceColumn, MessageColumn, ColumnCount };
    enum Role { VariablesRole = Qt::UserRole + 1, LevelRole, TemplateRole };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setRows(std::vector<Engine::Engine::LogRow> rows);
    const Engine::Engine::LogRow *at(int row) const;

private:
    std::vector<Engine::Engine::LogRow> m_rows;
};

// Templates with their counts, error class and recent per-minute counts.
class TemplateListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { CountColumn, SourceColumn, ClassColumn, TrendColumn, TemplateColumn, ColumnCount };
    enum Role { SparklineRole = Qt::UserRole + 1, TemplateIdRole, SourceRole };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setTemplates(std::vector<Engine::TemplateStats> templates);
    const Engine::TemplateStats *at(int row) const;

private:
    std::vector<Engine::TemplateStats> m_templates;
};

} // namespace Nocturne::Ui
