#include "log_table_model.h"

#include "theme/theme.h"

namespace Nocturne::Ui {

namespace {
Engine::HealthState levelState(Engine::LogLevel level)
{
    if (level >= Engine::LogLevel::Error)
        return Engine::HealthState::Critical;
    if (level == Engine::LogLevel::Warn)
        return Engine::HealthState::Warning;
    return Engine::HealthState::Unknown;
}
} // namespace

int LogTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int LogTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LogTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Engine::LogRecord &r = m_rows[std::size_t(index.row())].record;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn: return QString::fromStdString(Engine::formatIso8601(r.ts)).mid(11, 8);
        case LevelColumn: return QString::fromLatin1(Engine::logLevelName(r.level));
        case SourceColumn: return QString::fromStdString(r.source);
        case MessageColumn: return QString::fromUtf8(r.message.data(), qsizetype(r.message.size()));
        }
        return {};
    case Qt::ForegroundRole:
        if (index.column() == LevelColumn && levelState(r.level) != Engine::HealthState::Unknown)
            return Theme::current().stateColor(levelState(r.level));
        return {};
    case Qt::ToolTipRole:
        return index.column() == MessageColumn ? QString::fromUtf8(r.message.data(), qsizetype(r.message.size())) : QVariant();
    case VariablesRole: {
        QVariantList spans;
        for (const auto &[start, length] : m_rows[std::size_t(index.row())].variables)
            spans << QVariant::fromValue(QPoint(int(start), int(length)));
        return spans;
    }
    case LevelRole: return int(r.level);
    case TemplateRole: return r.templateId;
    }
    return {};
}

QVariant LogTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn: return tr("Time");
    case LevelColumn: return tr("Level");
    case SourceColumn: return tr("Source");
    case MessageColumn: return tr("Message");
    }
    return {};
}

void LogTableModel::setRows(std::vector<Engine::Engine::LogRow> rows)
{
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

const Engine::Engine::LogRow *LogTableModel::at(int row) const
{
    return row >= 0 && row < rowCount() ? &m_rows[std::size_t(row)] : nullptr;
}

int TemplateListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_templates.size());
}

int TemplateListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TemplateListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Engine::TemplateStats &t = m_templates[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case CountColumn: return QVariant::fromValue(qulonglong(t.count));
        case SourceColumn: return QString::fromStdString(t.source);
        case ClassColumn: return t.errorClass == Engine::ErrorClass::None ? QString() : QString::fromLatin1(Engine::errorClassName(t.errorClass));
        case TrendColumn: return QString();
        case TemplateColumn: return QString::fromStdString(t.text);
        }
        return {};
    case Qt::ToolTipRole: return QString::fromStdString(t.text);
    case Qt::ForegroundRole:
        if (index.column() == ClassColumn && t.errorClass != Engine::ErrorClass::None)
            return Theme::current().stateColor(Engine::HealthState::Critical);
        return {};
    case SparklineRole: return QVariant::fromValue(QList<double>(t.recentCounts.begin(), t.recentCounts.end()));
    case TemplateIdRole: return t.id.value;
    case SourceRole: return QString::fromStdString(t.source);
    }
    return {};
}

QVariant TemplateListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case CountColumn: return tr("Count");
    case SourceColumn: return tr("Source");
    case ClassColumn: return tr("Class");
    case TrendColumn: return tr("Last hour");
    case TemplateColumn: return tr("Template");
    }
    return {};
}

void TemplateListModel::setTemplates(std::vector<Engine::TemplateStats> templates)
{
    beginResetModel();
    m_templates = std::move(templates);
    endResetModel();
}

const Engine::TemplateStats *TemplateListModel::at(int row) const
{
    return row >= 0 && row < rowCount() ? &m_templates[std::size_t(row)] : nullptr;
}

} // namespace Nocturne::Ui
