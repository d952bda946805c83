#include "alert_table_model.h"

#include <QColor>
#include <QDateTime>

#include "theme/theme.h"

namespace Nocturne::Ui {

namespace {
QString timeText(Engine::Timestamp ts)
{
    return QDateTime::fromMSecsSinceEpoch(ts / 1'000'000, Qt::UTC).toString(QStringLiteral("MM-dd HH:mm:ss"));
}
} // namespace

QColor AlertTableModel::severityColor(Engine::AlertSeverity severity)
{
    const Theme &theme = Theme::current();
    switch (severity) {
    case Engine::AlertSeverity::Critical: return theme.stateColor(Engine::HealthState::Critical);
    case Engine::AlertSeverity::High:
    case Engine::AlertSeverity::Medium: return theme.stateColor(Engine::HealthState::Warning);
    case Engine::AlertSeverity::Low:
    case Engine::AlertSeverity::Info: return theme.mutedText();
    }
    return theme.text();
}

QString AlertTableModel::stateLabel(Engine::AlertState state)
{
    switch (state) {
    case Engine::AlertState::Firing: return tr("● firing");
    case Engine::AlertState::Acknowledged: return tr("◐ acked");
    case Engine::AlertState::Resolved: return tr("○ resolved");
    case Engine::AlertState::Silenced: return tr("◌ silenced");
    case Engine::AlertState::Inhibited: return tr("◌ inhibited");
    }
    return {};
}

void AlertTableModel::setAlerts(std::shared_ptr<const std::vector<Engine::Alert>> alerts)
{
    if (alerts == m_alerts)
        return;
    beginResetModel();
    m_alerts = std::move(alerts);
    endResetModel();
}

const Engine::Alert *AlertTableModel::alert(int row) const
{
    return m_alerts && row >= 0 && row < int(m_alerts->size()) ? &(*m_alerts)[std::size_t(row)] : nullptr;
}

int AlertTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() || !m_alerts ? 0 : int(m_alerts->size());
}

int AlertTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AlertTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *const names[] = {"State", "Severity", "Alert", "Entity", "Started (UTC)", "×", "Incident", "Summary"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

QVariant AlertTableModel::data(const QModelIndex &index, int role) const
{
    const Engine::Alert *a = alert(index.row());
    if (!a)
        return {};
    if (role == IdRole)
        return qlonglong(a->id);
    if (role == SortRole) {
        switch (index.column()) {
        case State: return int(a->state);
        case Severity: return int(a->severity);
        case Started: return qlonglong(a->startsAt);
        case Count: return a->occurrences;
        case IncidentCol: return qlonglong(a->incidentId);
        default: return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::ForegroundRole && (index.column() == Severity || index.column() == State))
        return a->state == Engine::AlertState::Resolved ? Theme::current().mutedText() : severityColor(a->severity);
    if (role == Qt::ToolTipRole) {
        QString text;
        for (const auto &[k, v] : a->annotations)
            text += QStringLiteral("%1: %2\n").arg(QString::fromStdString(k), QString::fromStdString(v));
        for (const auto &h : a->history)
            text += QStringLiteral("%1  %2 → %3  %4  %5\n")
                        .arg(timeText(h.ts), QString::fromLatin1(Engine::alertStateName(h.from)), QString::fromLatin1(Engine::alertStateName(h.to)),
                             QString::fromStdString(h.who), QString::fromStdString(h.comment));
        return text.trimmed();
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case State: return stateLabel(a->state);
    case Severity: return QString::fromLatin1(Engine::alertSeverityName(a->severity)).toUpper();
    case Name: return QString::fromStdString(a->name);
    case Entity: return QString::fromStdString(a->entity);
    case Started: return timeText(a->startsAt);
    case Count: return a->occurrences;
    case IncidentCol: return a->incidentId ? QStringLiteral("INC-%1").arg(a->incidentId) : QStringLiteral("–");
    case Summary:
        for (const auto &[k, v] : a->annotations) {
            if (k == "summary")
                return QString::fromStdString(v);
        }
        return {};
    }
    return {};
}

void IncidentTableModel::setIncidents(std::shared_ptr<const std::vector<Engine::Incident>> incidents, Engine::Timestamp now)
{
    m_now = now;
    if (incidents == m_incidents) {
        if (rowCount() > 0)
            Q_EMIT dataChanged(index(0, Sla), index(rowCount() - 1, Sla)); // the SLA clocks run
        return;
    }
    beginResetModel();
    m_incidents = std::move(incidents);
    endResetModel();
}

const Engine::Incident *IncidentTableModel::incident(int row) const
{
    return m_incidents && row >= 0 && row < int(m_incidents->size()) ? &(*m_incidents)[std::size_t(row)] : nullptr;
}

int IncidentTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() || !m_incidents ? 0 : int(m_incidents->size());
}

int IncidentTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant IncidentTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *const names[] = {"Incident", "State", "Severity", "Title", "Owner", "Alerts", "Started (UTC)", "SLA"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

QVariant IncidentTableModel::data(const QModelIndex &index, int role) const
{
    const Engine::Incident *i = incident(index.row());
    if (!i)
        return {};
    if (role == IdRole)
        return qlonglong(i->id);
    const Engine::Duration left = i->slaDeadline - m_now;
    if (role == SortRole) {
        switch (index.column()) {
        case Id: return qlonglong(i->id);
        case Status: return int(i->status());
        case Severity: return int(i->severity);
        case Alerts: return qlonglong(i->alerts.size());
        case Started: return qlonglong(i->start);
        case Sla: return qlonglong(i->open() && !i->acknowledged ? left : INT64_MAX);
        default: return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::ForegroundRole) {
        if (index.column() == Severity)
            return i->open() ? AlertTableModel::severityColor(i->severity) : Theme::current().mutedText();
        if (index.column() == Sla && i->open() && !i->acknowledged && left < 0)
            return Theme::current().stateColor(Engine::HealthState::Critical);
        if (index.column() == Status) {
            if (!i->open())
                return Theme::current().mutedText();
            if (i->status() == Engine::IncidentStatus::Reopened)
                return Theme::current().stateColor(Engine::HealthState::Warning);
        }
        return {};
    }
    if (role == Qt::ToolTipRole && (index.column() == Status || index.column() == Owner))
        return (lifecycleSummary(*i) + historyLines(*i)).join(QLatin1Char('\n'));
    if (role == Qt::ToolTipRole) {
        QString text;
        for (const std::string &why : i->explanations)
            text += QString::fromStdString(why) + QLatin1Char('\n');
        return text.trimmed();
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Id: return QStringLiteral("INC-%1%2").arg(i->id).arg(i->open() ? QString() : tr(" (closed)"));
    case Status: return statusLabel(*i);
    case Severity: return QString::fromLatin1(Engine::alertSeverityName(i->severity)).toUpper();
    case Title: return QString::fromStdString(i->title);
    case Owner: return i->owner.empty() ? QStringLiteral("–") : QString::fromStdString(i->owner);
    case Alerts: return qlonglong(i->alerts.size());
    case Started: return timeText(i->start);
    case Sla:
        if (!i->open())
            return tr("closed");
        if (i->acknowledged)
            return tr("acknowledged");
        return left >= 0 ? tr("%1 min left").arg(left / Engine::kMinute) : tr("BREACHED %1 min").arg(-left / Engine::kMinute);
    }
    return {};
}

QString IncidentTableModel::statusLabel(const Engine::Incident &incident)
{
    switch (incident.status()) {
    case Engine::IncidentStatus::Open: return tr("● open");
    case Engine::IncidentStatus::Reopened: return tr("↻ re-opened ×%1").arg(incident.reopenCount);
    case Engine::IncidentStatus::Acknowledged:
        return incident.reopenCount > 0 ? tr("◐ acknowledged (re-opened ×%1)").arg(incident.reopenCount) : tr("◐ acknowledged");
    case Engine::IncidentStatus::Resolved: return incident.resolvedBy.empty() ? tr("○ resolved (auto)") : tr("○ resolved");
    }
    return {};
}

QString IncidentTableModel::actionLabel(Engine::IncidentAction action)
{
    switch (action) {
    case Engine::IncidentAction::Acknowledged: return tr("acknowledged");
    case Engine::IncidentAction::OwnerSet: return tr("owner set");
    case Engine::IncidentAction::Resolved: return tr("resolved");
    case Engine::IncidentAction::Reopened: return tr("re-opened");
    case Engine::IncidentAction::AutoResolved: return tr("resolved itself");
    }
    return {};
}

QStringList IncidentTableModel::lifecycleSummary(const Engine::Incident &incident)
{
    QStringList lines;
    lines << (incident.owner.empty() ? tr("No owner") : tr("Owner: %1").arg(QString::fromStdString(incident.owner)));
    if (incident.acknowledged)
        lines << tr("Acknowledged by %1 at %2 UTC").arg(QString::fromStdString(incident.acknowledgedBy), timeText(incident.acknowledgedAt));
    if (!incident.open())
        lines << (incident.resolvedBy.empty() ? tr("Resolved itself at %1 UTC").arg(timeText(incident.end))
                                              : tr("Resolved by %1 at %2 UTC").arg(QString::fromStdString(incident.resolvedBy), timeText(incident.end)));
    if (incident.reopenCount > 0)
        lines << tr("Re-opened %n time(s), last at %1 UTC", nullptr, incident.reopenCount).arg(timeText(incident.lastReopened));
    return lines;
}

QStringList IncidentTableModel::historyLines(const Engine::Incident &incident)
{
    QStringList lines;
    for (const Engine::IncidentChange &change : incident.history) {
        QString what = actionLabel(change.action);
        if (change.action == Engine::IncidentAction::OwnerSet)
            what = change.comment.empty() ? tr("released ownership") : tr("owner set to %1").arg(QString::fromStdString(change.comment));
        else if (!change.comment.empty())
            what += QStringLiteral(": ") + QString::fromStdString(change.comment);
        lines << QStringLiteral("%1  %2  %3").arg(timeText(change.ts), QString::fromStdString(change.who), what);
    }
    return lines;
}

} // namespace Nocturne::Ui
