#pragma once

#include <QAbstractTableModel>
#include <QStringList>

#include <memory>
#include <vector>

#include "alerts/alert_book.h"

namespace Nocturne::Ui {

// Alerts of the latest snapshot (active first-class, recently resolved kept). Sort and filter through a
// QSortFilterProxyModel: SortRole gives numbers for state, severity and time.
class AlertTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { State, Severity, Name, Entity, Started, Count, IncidentCol, Summary, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;
    static constexpr int IdRole = Qt::UserRole + 2;

    using QAbstractTableModel::QAbstractTableModel;
    void setAlerts(std::shared_ptr<const std::vector<Engine::Alert>> alerts);
    const Engine::Alert *alert(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    static QColor severityColor(Engine::AlertSeverity severity);
    static QString stateLabel(Engine::AlertState state); // word + glyph: state is never colour alone

private:
    std::shared_ptr<const std::vector<Engine::Alert>> m_alerts;
};

class IncidentTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Id, Status, Severity, Title, Owner, Alerts, Started, Sla, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;
    static constexpr int IdRole = Qt::UserRole + 2;

    using QAbstractTableModel::QAbstractTableModel;
    void setIncidents(std::shared_ptr<const std::vector<Engine::Incident>> incidents, Engine::Timestamp now);
    const Engine::Incident *incident(int row) const;

    // Word + glyph ("◐ acknowledged", "↻ re-opened ×2", "○ resolved (auto)"): state is never colour alone.
    static QString statusLabel(const Engine::Incident &incident);
    static QString actionLabel(Engine::IncidentAction action);
    // Who owns, acknowledged, resolved and re-opened it, one line each; its history, one line per change (UTC).
    static QStringList lifecycleSummary(const Engine::Incident &incident);
    static QStringList historyLines(const Engine::Incident &incident);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::shared_ptr<const std::vector<Engine::Incident>> m_incidents;
    Engine::Timestamp m_now = 0;
};

} // namespace Nocturne::Ui
