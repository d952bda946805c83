#pragma once

#include <QWidget>

#include <cstdint>
#include <string>

#include "runtime/engine_snapshot.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace Nocturne::Ui {

class LogTableModel;
class SnapshotHub;
class TemplateListModel;

// Log panel: the templates the engine mined (count, error class, last hour as a sparkline) beside the recent lines,
// filtered by template, level, source and text, with variables highlighted. Queries run on a worker thread; the table
// is a flat model, so a million lines scroll as smoothly as a hundred.
class LogPanel : public QWidget
{
    Q_OBJECT
public:
    explicit LogPanel(SnapshotHub &hub, QWidget *parent = nullptr);

    LogTableModel *logModel() const { return m_logs; }
    TemplateListModel *templateModel() const { return m_templates; }
public Q_SLOTS:
    // Shows only the lines of one template of one source (what incident evidence links to).
    void filterByTemplate(const QString &source, quint32 templateId);

public:
    void clearTemplateFilter();
    // "source#id" while one template is shown, else empty.
    QString templateFilter() const { return m_templateSource.isEmpty() ? QString() : m_templateSource + QLatin1Char('#') + QString::number(m_templateId); }
    void refresh();

protected:
    void showEvent(QShowEvent *event) override;

private:
    void applySnapshot(const Engine::SnapshotPtr &snapshot);

    SnapshotHub &m_hub;
    LogTableModel *m_logs;
    TemplateListModel *m_templates;
    QTableView *m_logView;
    QTableView *m_templateView;
    QComboBox *m_level;
    QLineEdit *m_source;
    QLineEdit *m_text;
    QCheckBox *m_follow;
    QLabel *m_status;
    QString m_templateSource;
    std::uint32_t m_templateId = UINT32_MAX;
    std::uint64_t m_generation = 0;
    bool m_inFlight = false;
    Engine::Timestamp m_lastRefreshWall = 0;
    std::uint64_t m_lastLogCount = UINT64_MAX;
};

} // namespace Nocturne::Ui
