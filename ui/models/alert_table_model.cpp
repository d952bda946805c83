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
    static const char *const names[] = {"Incident", "Severity", "Title", "Alerts", "Started (UTC)", "SLA"};
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
        return {};
    }
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
    case Severity: return QString::fromLatin1(Engine::alertSeverityName(i->severity)).toUpper();
    case Title: return QString::fromStdString(i->title);
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

} // namespace Nocturne::Ui
