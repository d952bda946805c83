#pragma once

#include <QElapsedTimer>
#include <QSet>
#include <QWidget>

class QAbstractItemView;

#include "diagnose/root_cause.h"
#include "runtime/engine_snapshot.h"
#include "views/warroom/diagnosis_freeze.h"

class QComboBox;
class QLabel;
class QStackedWidget;
class QTreeView;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QTextBrowser;

namespace Nocturne::Ui {

class AlertGroupModel;
class AlertTableModel;
class IncidentTableModel;
class SnapshotHub;

// Incidents and alerts: open incidents with their SLA clocks (left), the alerts (right, filter + sort; the selected
// incident narrows them), why the selected incident's alerts are together (bottom). Acknowledge, resolve, silence
// and note from the context menu; each asks for a comment and is recorded with the operator's name. Incidents have
// their own actions (buttons above them and their context menu): acknowledge, take ownership, assign, resolve.
class AlertsView : public QWidget
{
    Q_OBJECT
public:
    explicit AlertsView(SnapshotHub &hub, QWidget *parent = nullptr);

    AlertTableModel *alertModel() const { return m_alerts; }
    IncidentTableModel *incidentModel() const { return m_incidents; }
    QSortFilterProxyModel *alertProxy() const { return m_alertProxy; }
    AlertGroupModel *groupModel() const { return m_groups; }
    // Groups the alerts by one of AlertTableModel's columns (State, Severity, Name, Entity, IncidentCol); -1: flat.
    void setGroupColumn(int column);
    void setFilterText(const QString &text);
    qint64 selectedIncident() const { return m_selectedIncident; }
    // The person recorded on actions: $NOCTURNE_USER, else the login name.
    static QString operatorName();

Q_SIGNALS:
    // "Profile diff" on an incident: the service's profiles over [start, end] against the hour before (end 0: open).
    void profileDiffRequested(const QString &service, qint64 start, qint64 end);
    // "Open war room" on an incident (context menu, double-click).
    void warRoomRequested(qint64 incidentId);
    // "Propose remediation…" on an incident, with its first entity as the suggested target.
    void remediationRequested(qint64 incidentId, const QString &entity);
    // A log evidence link of an incident: the lines of one template of one source.
    void logTemplateRequested(const QString &source, quint32 templateId);

public Q_SLOTS:
    // Opened from elsewhere (the timeline): shows the alert's incident and selects the alert.
    void selectAlert(qint64 alertId);
    void selectIncident(qint64 incidentId);
    // Narrows the alerts to those active in [from, to] (the timeline's brush); from > to clears it.
    void setTimeRange(qint64 from, qint64 to);

private:
    void applySnapshot(const Engine::SnapshotPtr &snapshot);
    void showAlertMenu(QAbstractItemView *view, const QPoint &pos);
    void restoreExpansion();
    void incidentSelected();
    void renderWhy();
    void act(const QString &action, std::int64_t alertId);
    // Incident-level actions (buttons above the incidents and their context menu), attributed to operatorName().
    void acknowledgeIncident(std::int64_t incidentId);
    void takeIncident(std::int64_t incidentId);
    void assignIncident(std::int64_t incidentId);
    void resolveIncident(std::int64_t incidentId);
    void reportIncidentAction(const QString &title, const Engine::Status &status);
    // The selected incident as the latest snapshot has it (null: none selected).
    const Engine::Incident *currentIncident() const;
    bool hasFiringAlerts(std::int64_t incidentId) const;
    void updateIncidentActions();

    SnapshotHub &m_hub;
    AlertTableModel *m_alerts;
    IncidentTableModel *m_incidents;
    QSortFilterProxyModel *m_alertProxy;
    QSortFilterProxyModel *m_incidentProxy;
    QTableView *m_alertTable;
    QSet<QString> m_collapsedGroups;
    QTableView *m_incidentTable;
    QLineEdit *m_filter;
    QLabel *m_summary;
    QPushButton *m_rangeButton;
    QTextBrowser *m_why;
    AlertGroupModel *m_groups;
    QTreeView *m_alertTree;
    QStackedWidget *m_alertStack;
    QComboBox *m_groupBy;
    QPushButton *m_acknowledgeIncident;
    QPushButton *m_takeIncident;
    QPushButton *m_assignIncident;
    QPushButton *m_resolveIncident;
    std::int64_t m_selectedIncident = 0;
    std::shared_ptr<const std::vector<Engine::RcaCandidate>> m_causes; // of m_causesFor, once ranked
    DiagnosisFreeze m_causesFreeze; // whether m_causes are the closed incident's frozen ones
    std::int64_t m_causesFor = 0;
    bool m_causesRanking = false;
    QElapsedTimer m_causesAge;
};

} // namespace Nocturne::Ui
