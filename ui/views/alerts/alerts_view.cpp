#include "alerts_view.h"

#include <QComboBox>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QtConcurrent>
#include <QHBoxLayout>
#include <climits>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QTreeView>
#include <QUrl>
#include <QVBoxLayout>

#include "models/alert_group_model.h"
#include "models/alert_table_model.h"
#include "runtime/engine.h"
#include "diagnose/evidence_text.h"
#include "shell/snapshot_hub.h"
#include "theme/theme.h"

namespace Nocturne::Ui {

namespace {
// Alerts filter: the text box (any column) and the selected incident.
class AlertFilter : public QSortFilterProxyModel
{
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    std::int64_t incident = 0;
    std::int64_t from = 1, to = 0; // from > to: no time range
    void refresh() { invalidateFilter(); }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override
    {
        if (incident) {
            const QModelIndex idx = sourceModel()->index(row, AlertTableModel::IncidentCol, parent);
            if (idx.data(AlertTableModel::SortRole).toLongLong() != incident)
                return false;
        }
        if (from <= to) {
            const auto *model = static_cast<const AlertTableModel *>(sourceModel());
            const Engine::Alert *a = model->alert(row);
            if (!a || a->startsAt > to || (!a->active() && a->endsAt < from))
                return false;
        }
        return QSortFilterProxyModel::filterAcceptsRow(row, parent);
    }
};

QTableView *makeTable(QWidget *parent, QAbstractItemModel *model)
{
    auto *table = new QTableView(parent);
    table->setModel(model);
    table->setSortingEnabled(true);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->verticalHeader()->hide();
    table->setAlternatingRowColors(true);
    table->setWordWrap(false);
    table->horizontalHeader()->setStretchLastSection(true);
    return table;
}
} // namespace

QString AlertsView::operatorName()
{
    for (const char *var : {"NOCTURNE_USER", "USER", "LOGNAME"}) {
        const QString name = qEnvironmentVariable(var);
        if (!name.isEmpty())
            return name;
    }
    return QStringLiteral("operator");
}

AlertsView::AlertsView(SnapshotHub &hub, QWidget *parent)
    : QWidget(parent)
    , m_hub(hub)
    , m_alerts(new AlertTableModel(this))
    , m_incidents(new IncidentTableModel(this))
    , m_alertProxy(new AlertFilter(this))
    , m_incidentProxy(new QSortFilterProxyModel(this))
    , m_filter(new QLineEdit(this))
    , m_summary(new QLabel(this))
    , m_rangeButton(new QPushButton(this))
    , m_why(new QTextBrowser(this))
    , m_groups(new AlertGroupModel(this))
    , m_alertTree(new QTreeView(this))
    , m_alertStack(new QStackedWidget(this))
    , m_groupBy(new QComboBox(this))
    , m_acknowledgeIncident(new QPushButton(tr("Acknowledge incident"), this))
    , m_takeIncident(new QPushButton(tr("Take ownership"), this))
    , m_assignIncident(new QPushButton(tr("Assign…"), this))
    , m_resolveIncident(new QPushButton(tr("Resolve incident…"), this))
{
    m_alertProxy->setSourceModel(m_alerts);
    m_alertProxy->setSortRole(AlertTableModel::SortRole);
    m_alertProxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_alertProxy->setFilterKeyColumn(-1);
    m_incidentProxy->setSourceModel(m_incidents);
    m_incidentProxy->setSortRole(IncidentTableModel::SortRole);
    m_alertTable = makeTable(this, m_alertProxy);
    m_incidentTable = makeTable(this, m_incidentProxy);
    m_alertTable->sortByColumn(AlertTableModel::Started, Qt::DescendingOrder);
    m_incidentTable->sortByColumn(IncidentTableModel::Started, Qt::DescendingOrder);
    const int alertWidths[] = {100, 80, 300, 130, 120, 40, 80};
    for (int c = 0; c < int(std::size(alertWidths)); ++c)
        m_alertTable->setColumnWidth(c, alertWidths[c]);
    const int incidentWidths[] = {110, 150, 80, 240, 90, 60, 120};
    for (int c = 0; c < int(std::size(incidentWidths)); ++c)
        m_incidentTable->setColumnWidth(c, incidentWidths[c]);
    m_alertTable->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_alertTable, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) { showAlertMenu(m_alertTable, pos); });

    // Grouped alerts: the same filtered, sorted rows regrouped under one parent per value of a column.
    m_groups->setSourceModel(m_alertProxy, AlertTableModel::SortRole, AlertTableModel::Severity);
    m_alertTree->setModel(m_groups);
    m_alertTree->setUniformRowHeights(true);
    m_alertTree->setAlternatingRowColors(true);
    m_alertTree->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_alertTree->setContextMenuPolicy(Qt::CustomContextMenu);
    m_alertTree->header()->setStretchLastSection(true);
    for (int c = 0; c < int(std::size(alertWidths)); ++c)
        m_alertTree->setColumnWidth(c, c == 0 ? alertWidths[c] + 160 : alertWidths[c]);
    connect(m_alertTree, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) { showAlertMenu(m_alertTree, pos); });
    connect(m_alertTree, &QTreeView::collapsed, this, [this](const QModelIndex &i) { m_collapsedGroups.insert(i.data(AlertGroupModel::GroupKeyRole).toString()); });
    connect(m_alertTree, &QTreeView::expanded, this, [this](const QModelIndex &i) { m_collapsedGroups.remove(i.data(AlertGroupModel::GroupKeyRole).toString()); });
    connect(m_groups, &AlertGroupModel::rebuilt, this, &AlertsView::restoreExpansion);
    m_alertStack->addWidget(m_alertTable);
    m_alertStack->addWidget(m_alertTree);
    m_groupBy->addItem(tr("No grouping"), -1);
    m_groupBy->addItem(tr("Group by state"), int(AlertTableModel::State));
    m_groupBy->addItem(tr("Group by severity"), int(AlertTableModel::Severity));
    m_groupBy->addItem(tr("Group by alert"), int(AlertTableModel::Name));
    m_groupBy->addItem(tr("Group by entity"), int(AlertTableModel::Entity));
    m_groupBy->addItem(tr("Group by incident"), int(AlertTableModel::IncidentCol));
    m_groupBy->setToolTip(tr("Group the alerts table; groups sort by worst severity, then size"));
    connect(m_groupBy, &QComboBox::currentIndexChanged, this, [this](int i) {
        setGroupColumn(m_groupBy->itemData(i).toInt());
        QSettings().setValue(QStringLiteral("alerts/groupBy"), m_groupBy->itemData(i).toInt());
    });

    m_filter->setPlaceholderText(tr("Filter alerts (name, entity, state, severity, summary)…"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, this, &AlertsView::setFilterText);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    auto *top = new QHBoxLayout;
    top->addWidget(m_summary, 1);
    m_rangeButton->setToolTip(tr("Alerts active in the time range brushed on the timeline; click to clear"));
    m_rangeButton->hide();
    connect(m_rangeButton, &QPushButton::clicked, this, [this] { setTimeRange(1, 0); });
    top->addWidget(m_rangeButton);
    top->addWidget(m_filter, 1);
    top->addWidget(m_groupBy);
    layout->addLayout(top);
    // The selected incident's lifecycle actions sit above the incidents (the context menu has them too).
    auto *incidentPane = new QWidget(this);
    auto *incidentLayout = new QVBoxLayout(incidentPane);
    incidentLayout->setContentsMargins(0, 0, 0, 0);
    auto *incidentActions = new QHBoxLayout;
    m_acknowledgeIncident->setObjectName(QStringLiteral("acknowledgeIncident"));
    m_acknowledgeIncident->setToolTip(tr("Acknowledge the selected incident and its firing alerts (stops its SLA clock)"));
    m_takeIncident->setObjectName(QStringLiteral("takeIncident"));
    m_takeIncident->setToolTip(tr("Make yourself the owner of the selected incident"));
    m_assignIncident->setObjectName(QStringLiteral("assignIncident"));
    m_assignIncident->setToolTip(tr("Give the selected incident to someone (or release it)"));
    m_resolveIncident->setObjectName(QStringLiteral("resolveIncident"));
    m_resolveIncident->setToolTip(tr("Resolve the selected incident and all its active alerts; it re-opens if the same alerts fire again soon"));
    for (QPushButton *button : {m_acknowledgeIncident, m_takeIncident, m_assignIncident, m_resolveIncident})
        incidentActions->addWidget(button);
    incidentActions->addStretch(1);
    connect(m_acknowledgeIncident, &QPushButton::clicked, this, [this] { acknowledgeIncident(m_selectedIncident); });
    connect(m_takeIncident, &QPushButton::clicked, this, [this] { takeIncident(m_selectedIncident); });
    connect(m_assignIncident, &QPushButton::clicked, this, [this] { assignIncident(m_selectedIncident); });
    connect(m_resolveIncident, &QPushButton::clicked, this, [this] { resolveIncident(m_selectedIncident); });
    updateIncidentActions(); // nothing selected yet
    incidentLayout->addLayout(incidentActions);
    incidentLayout->addWidget(m_incidentTable, 1);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(incidentPane);
    split->addWidget(m_alertStack);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    auto *vertical = new QSplitter(Qt::Vertical, this);
    vertical->addWidget(split);
    vertical->addWidget(m_why);
    vertical->setStretchFactor(0, 3);
    vertical->setStretchFactor(1, 2);
    layout->addWidget(vertical, 1);
    m_why->setPlaceholderText(tr("Select an incident to see why its alerts are together."));
    m_why->setOpenLinks(false);
    connect(m_why, &QTextBrowser::anchorClicked, this, [this](const QUrl &url) {
        if (url.scheme() == QLatin1String("nocturne-log"))
            Q_EMIT logTemplateRequested(url.path(), url.fragment().toUInt());
        else if (url.scheme() == QLatin1String("nocturne-warroom"))
            Q_EMIT warRoomRequested(url.path().toLongLong());
    });

    connect(m_incidentTable->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &AlertsView::incidentSelected);
    m_incidentTable->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_incidentTable, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        const QModelIndex index = m_incidentTable->indexAt(pos);
        if (!index.isValid())
            return;
        const qint64 from = index.data(IncidentTableModel::IdRole).toLongLong();
        QMenu menu(this);
        // Lifecycle first: what an on-call person does with an incident. Disabled where the engine would refuse.
        if (const Engine::Incident *incident = m_incidents->incident(m_incidentProxy->mapToSource(index).row())) {
            const bool open = incident->open() && !incident->archived;
            const std::string me = operatorName().toStdString();
            menu.addAction(tr("Acknowledge incident"), this, [this, from] { acknowledgeIncident(from); })
                ->setEnabled(open && (!incident->acknowledged || hasFiringAlerts(from)));
            menu.addAction(tr("Take ownership"), this, [this, from] { takeIncident(from); })->setEnabled(!incident->archived && incident->owner != me);
            menu.addAction(tr("Assign…"), this, [this, from] { assignIncident(from); })->setEnabled(!incident->archived);
            menu.addAction(tr("Resolve incident…"), this, [this, from] { resolveIncident(from); })->setEnabled(open);
            menu.addSeparator();
        }
        menu.addAction(tr("Open war room"), this, [this, from] { Q_EMIT warRoomRequested(from); });
        menu.addAction(tr("Propose remediation…"), this, [this, from] {
            QString entity;
            if (const auto snapshot = m_hub.current(); snapshot && snapshot->incidents)
                for (const auto &incident : *snapshot->incidents)
                    if (incident.id == from && !incident.entities.empty())
                        entity = QString::fromStdString(*incident.entities.begin());
            Q_EMIT remediationRequested(from, entity);
        });
        menu.addSeparator();
        menu.addAction(tr("Merge into incident…"), this, [this, from] {
            bool ok = false;
            const int into = QInputDialog::getInt(this, tr("Merge incidents"), tr("Merge INC-%1 into incident number:").arg(from), 1, 1, INT_MAX, 1, &ok);
            if (!ok)
                return;
            if (auto s = m_hub.engine().mergeIncidents(into, from, operatorName().toStdString()); !s)
                QMessageBox::warning(this, tr("Merge incidents"), QString::fromStdString(s.error().message));
            m_hub.pollNow();
        });
        menu.addAction(tr("Confirm cause…"), this, [this, from] {
            // Fault classes of the scenario library and the log error classes; free text is allowed.
            const QStringList classes = {QStringLiteral("bad_deploy"), QStringLiteral("memory_leak"), QStringLiteral("cpu_saturation"),
                                         QStringLiteral("connection_pool_exhausted"), QStringLiteral("row_lock_contention"),
                                         QStringLiteral("network_delay"), QStringLiteral("redis_slot_migration"), QStringLiteral("disk_full"),
                                         QStringLiteral("out_of_memory"), QStringLiteral("authentication_failed")};
            bool ok = false;
            const QString cause = QInputDialog::getItem(this, tr("Confirm cause"), tr("What caused INC-%1?").arg(from), classes, 0, true, &ok);
            if (!ok || cause.trimmed().isEmpty())
                return;
            const QString note = QInputDialog::getText(this, tr("Confirm cause"), tr("How do you know (required)?"), QLineEdit::Normal, {}, &ok);
            if (!ok || note.trimmed().isEmpty())
                return;
            if (auto s = m_hub.engine().confirmIncidentCause(from, cause.trimmed().toStdString(), operatorName().toStdString(), note.toStdString()); !s)
                QMessageBox::warning(this, tr("Confirm cause"), QString::fromStdString(s.error().message));
            m_hub.pollNow();
            incidentSelected();
        });
        // Profiles of the incident's services: the incident window against the hour before, as a flame graph diff.
        if (const auto incident = m_hub.engine().incident(from)) {
            int offered = 0;
            for (const std::string &entity : incident->entities) {
                if (offered >= 5 || !m_hub.engine().profiles().has(entity))
                    continue;
                if (offered++ == 0)
                    menu.addSeparator();
                const QString service = QString::fromStdString(entity);
                const qint64 start = incident->start, end = incident->end;
                menu.addAction(tr("Profile diff of %1: incident window vs the hour before").arg(service), this,
                               [this, service, start, end] { Q_EMIT profileDiffRequested(service, start, end); });
            }
        }
        menu.exec(m_incidentTable->viewport()->mapToGlobal(pos));
    });
    connect(m_incidentTable, &QAbstractItemView::doubleClicked, this, [this](const QModelIndex &index) {
        if (index.isValid())
            Q_EMIT warRoomRequested(index.data(IncidentTableModel::IdRole).toLongLong());
    });
    connect(&m_hub, &SnapshotHub::snapshotChanged, this, &AlertsView::applySnapshot);
    setGroupColumn(QSettings().value(QStringLiteral("alerts/groupBy"), -1).toInt()); // the operator's last choice
    if (m_hub.current())
        applySnapshot(m_hub.current());
}

void AlertsView::setFilterText(const QString &text)
{
    m_alertProxy->setFilterFixedString(text);
}

void AlertsView::applySnapshot(const Engine::SnapshotPtr &snapshot)
{
    if (!snapshot || !snapshot->alerts)
        return;
    const std::int64_t keepIncident = m_selectedIncident;
    m_alerts->setAlerts(snapshot->alerts);
    m_incidents->setIncidents(snapshot->incidents, snapshot->simTime);
    std::size_t open = 0, breached = 0;
    for (const auto &i : *snapshot->incidents) {
        open += i.open();
        breached += i.open() && !i.acknowledged && i.slaDeadline < snapshot->simTime;
    }
    const auto &s = snapshot->alertsByState;
    const Theme &theme = Theme::current();
    m_summary->setText(tr("<b>%1 open incidents</b>%2 &nbsp; alerts: %3 firing · %4 acked · %5 silenced · %6 inhibited · %7 resolved")
                           .arg(open)
                           .arg(breached ? QStringLiteral(" &nbsp;<span style='color:%1'>%2 SLA breached</span>")
                                               .arg(theme.stateColor(Engine::HealthState::Critical).name())
                                               .arg(breached)
                                         : QString())
                           .arg(s[0]).arg(s[1]).arg(s[3]).arg(s[4]).arg(s[2]));
    if (keepIncident) {
        for (int r = 0; r < m_incidentProxy->rowCount(); ++r) {
            if (m_incidentProxy->index(r, 0).data(IncidentTableModel::IdRole).toLongLong() == keepIncident) {
                m_incidentTable->selectRow(r);
                break;
            }
        }
    }
    updateIncidentActions();
}

void AlertsView::incidentSelected()
{
    const QModelIndex current = m_incidentTable->currentIndex();
    m_selectedIncident = current.isValid() ? current.data(IncidentTableModel::IdRole).toLongLong() : 0;
    static_cast<AlertFilter *>(m_alertProxy)->incident = m_selectedIncident;
    static_cast<AlertFilter *>(m_alertProxy)->refresh();
    // Snapshots re-select the incident every 100 ms: keep its ranked causes, re-rank at most every 10 s.
    const bool sameIncident = m_causesFor == m_selectedIncident;
    if (!sameIncident) {
        m_causes.reset();
        m_causesFreeze = {};
    }
    renderWhy();
    updateIncidentActions();
    if (!m_selectedIncident || (sameIncident && (m_causesRanking || (m_causes && m_causesAge.elapsed() < 10'000))))
        return;
    // Likely causes are ranked on a worker; the answer is shown if the same incident is still selected.
    const std::int64_t id = m_selectedIncident;
    m_causesFor = id;
    m_causesRanking = true;
    // The freeze (a closed incident's ranking is kept as it was) is read with the ranking, so the two agree.
    using Ranked = std::pair<Engine::Result<std::vector<Engine::RcaCandidate>>, DiagnosisFreeze>;
    auto *watcher = new QFutureWatcher<Ranked>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, id] {
        watcher->deleteLater();
        if (id == m_causesFor)
            m_causesRanking = false;
        auto [result, freeze] = watcher->result();
        if (id != m_selectedIncident || !result)
            return;
        m_causes = std::make_shared<const std::vector<Engine::RcaCandidate>>(std::move(*result));
        m_causesFreeze = freeze;
        m_causesAge.start();
        renderWhy();
    });
    Engine::Engine *engine = &m_hub.engine();
    watcher->setFuture(QtConcurrent::run([engine, id] {
        auto ranked = engine->diagnoseIncident(id);
        return Ranked(std::move(ranked), diagnosisFreezeOf(*engine, id));
    }));
}

void AlertsView::renderWhy()
{
    const auto incident = m_selectedIncident ? m_hub.engine().incident(m_selectedIncident) : std::nullopt;
    if (!incident) {
        m_why->clear();
        return;
    }
    QString html = QStringLiteral("<p><b>INC-%1</b> %2 — %3 alerts on %4 entities</p>")
                       .arg(incident->id)
                       .arg(QString::fromStdString(incident->title).toHtmlEscaped())
                       .arg(incident->alerts.size())
                       .arg(incident->entities.size());
    // Where it stands and who has it; its incident-level history (acknowledged, owner, resolved, re-opened).
    QStringList summary;
    for (const QString &line : IncidentTableModel::lifecycleSummary(*incident))
        summary << line.toHtmlEscaped();
    html += QStringLiteral("<p><b>%1</b> · %2</p>").arg(IncidentTableModel::statusLabel(*incident).toHtmlEscaped(), summary.join(QStringLiteral(" · ")));
    if (const QStringList history = IncidentTableModel::historyLines(*incident); !history.isEmpty()) {
        html += tr("<p><b>History</b></p><ul>");
        for (const QString &line : history)
            html += QStringLiteral("<li>%1</li>").arg(line.toHtmlEscaped());
        html += QStringLiteral("</ul>");
    }
    // Likely causes (ranked off the UI thread), strongest evidence first.
    if (!m_causes) {
        html += tr("<p><i>Ranking likely causes…</i></p>");
    } else if (!m_causes->empty()) {
        html += tr("<p><b>Likely causes</b> (ranked from metric and log evidence; confirm one from the context menu)</p>");
        if (!incident->open() && m_causesFreeze.frozen())
            html += QStringLiteral("<p><i title=\"%1\">%2</i> · <a href=\"nocturne-warroom:%3\">%4</a></p>")
                        .arg(m_causesFreeze.when(), m_causesFreeze.text().toHtmlEscaped())
                        .arg(incident->id)
                        .arg(tr("re-rank in the war room"));
        html += QStringLiteral("<ol>");
        for (std::size_t i = 0; i < m_causes->size() && i < 3; ++i) {
            const Engine::RcaCandidate &c = (*m_causes)[i];
            html += QStringLiteral("<li><b>%1</b> — %2, confidence %3 %<br>%4</li>")
                        .arg(QString::fromStdString(c.entity).toHtmlEscaped(), QString::fromStdString(Engine::humanFaultClass(c.faultClass)).toHtmlEscaped())
                        .arg(qRound(100 * c.confidence))
                        .arg(c.evidence.empty() ? QString() : QString::fromStdString(c.evidence.front().text).toHtmlEscaped());
        }
        html += QStringLiteral("</ol>");
    }
    // Log evidence: what the incident's entities wrote that was new, bursting or failing; each opens the log panel.
    const auto logs = m_hub.engine().incidentLogEvidence(m_selectedIncident, 8);
    if (!logs.empty()) {
        html += tr("<p><b>Log evidence</b> (click to open the lines)</p><ul>");
        for (const auto &a : logs) {
            QUrl link;
            link.setScheme(QStringLiteral("nocturne-log"));
            link.setPath(QString::fromStdString(a.source));
            link.setFragment(QString::number(a.templateId.value));
            const QString klass = a.errorClass == Engine::ErrorClass::None ? QString()
                                                                             : QStringLiteral(" [%1]").arg(QString::fromLatin1(Engine::errorClassName(a.errorClass)));
            const auto [learntClass, lift] = m_hub.engine().templateAssociation(a.templateId.value);
            const QString learnt = lift > 0 ? tr(" <i>(seen in confirmed %1 incidents, lift ×%2)</i>").arg(QString::fromStdString(learntClass).toHtmlEscaped()).arg(lift, 0, 'f', 1)
                                            : QString();
            html += QStringLiteral("<li><a href=\"%1\">%2 · %3%4</a> — %5%6</li>")
                        .arg(link.toString(QUrl::FullyEncoded).toHtmlEscaped(), QString::fromStdString(a.source).toHtmlEscaped(),
                             QString::fromLatin1(Engine::logAnomalyKindName(a.kind)), klass,
                             QString::fromStdString(a.templateText).left(160).toHtmlEscaped(), learnt);
        }
        html += QStringLiteral("</ul>");
    }
    html += tr("<p><b>Why these alerts are together</b></p><ul>");
    for (const std::string &why : incident->explanations)
        html += QStringLiteral("<li>%1</li>").arg(QString::fromStdString(why).toHtmlEscaped());
    html += QStringLiteral("</ul>");
    m_why->setHtml(html);
}

void AlertsView::setTimeRange(qint64 from, qint64 to)
{
    auto *filter = static_cast<AlertFilter *>(m_alertProxy);
    filter->from = from;
    filter->to = to;
    filter->refresh();
    m_rangeButton->setVisible(from <= to);
    if (from <= to) {
        const auto when = [](qint64 t) { return QDateTime::fromMSecsSinceEpoch(t / 1'000'000, Qt::UTC).toString(QStringLiteral("MM-dd HH:mm")); };
        m_rangeButton->setText(tr("%1 – %2 UTC  ✕").arg(when(from), when(to)));
    }
}

void AlertsView::selectIncident(qint64 incidentId)
{
    for (int r = 0; r < m_incidentProxy->rowCount(); ++r) {
        if (m_incidentProxy->index(r, 0).data(IncidentTableModel::IdRole).toLongLong() == incidentId) {
            // The current index drives the alert filter and the why panel; selecting alone would not move it.
            m_incidentTable->setCurrentIndex(m_incidentProxy->index(r, 0));
            m_incidentTable->selectRow(r);
            m_incidentTable->scrollTo(m_incidentProxy->index(r, 0));
            return;
        }
    }
}

void AlertsView::selectAlert(qint64 alertId)
{
    const auto alert = m_hub.engine().alert(alertId);
    if (!alert)
        return;
    if (alert->incidentId)
        selectIncident(alert->incidentId);
    if (m_groups->groupColumn() >= 0) {
        m_groups->rebuildNow();
        for (int g = 0; g < m_groups->rowCount(); ++g) {
            const QModelIndex group = m_groups->index(g, 0);
            for (int r = 0; r < m_groups->rowCount(group); ++r) {
                const QModelIndex child = m_groups->index(r, 0, group);
                if (child.data(AlertTableModel::IdRole).toLongLong() == alertId) {
                    m_alertTree->expand(group);
                    m_alertTree->setCurrentIndex(child);
                    m_alertTree->scrollTo(child);
                    return;
                }
            }
        }
        return;
    }
    for (int r = 0; r < m_alertProxy->rowCount(); ++r) {
        if (m_alertProxy->index(r, 0).data(AlertTableModel::IdRole).toLongLong() == alertId) {
            m_alertTable->selectRow(r);
            m_alertTable->scrollTo(m_alertProxy->index(r, 0));
            return;
        }
    }
}

void AlertsView::setGroupColumn(int column)
{
    const int item = m_groupBy->findData(column);
    if (item >= 0 && item != m_groupBy->currentIndex()) {
        m_groupBy->setCurrentIndex(item); // comes back here through the signal
        return;
    }
    m_collapsedGroups.clear();
    m_groups->setGroupColumn(column);
    m_alertStack->setCurrentWidget(column < 0 ? static_cast<QWidget *>(m_alertTable) : m_alertTree);
}

void AlertsView::restoreExpansion()
{
    // Rebuilt groups keep what the operator collapsed; everything else opens (a handful of groups is the point).
    for (int r = 0; r < m_groups->rowCount(); ++r) {
        const QModelIndex group = m_groups->index(r, 0);
        m_alertTree->setExpanded(group, !m_collapsedGroups.contains(group.data(AlertGroupModel::GroupKeyRole).toString()));
        m_alertTree->setFirstColumnSpanned(r, {}, false);
    }
}

void AlertsView::showAlertMenu(QAbstractItemView *view, const QPoint &pos)
{
    const QModelIndex index = view->indexAt(pos);
    if (!index.isValid() || index.data(AlertTableModel::IdRole).isNull())
        return;
    const std::int64_t id = index.data(AlertTableModel::IdRole).toLongLong();
    QMenu menu(this);
    for (const QString &action : {tr("Acknowledge…"), tr("Resolve…"), tr("Silence similar…"), tr("Add note…")})
        menu.addAction(action, this, [this, action, id] { act(action, id); });
    menu.addSeparator();
    // Grouping corrections: stored, and learnt for later grouping.
    menu.addAction(tr("Move to incident…"), this, [this, id] {
        bool ok = false;
        const int target = QInputDialog::getInt(this, tr("Move alert"), tr("Move to incident number (INC-n):"), 1, 1, INT_MAX, 1, &ok);
        if (!ok)
            return;
        if (auto s = m_hub.engine().moveAlert(id, target, operatorName().toStdString()); !s)
            QMessageBox::warning(this, tr("Move alert"), QString::fromStdString(s.error().message));
        m_hub.pollNow();
    });
    menu.addAction(tr("Split into a new incident"), this, [this, id] {
        const auto alert = m_hub.engine().alert(id);
        if (!alert || !alert->incidentId)
            return;
        if (auto s = m_hub.engine().splitAlerts(alert->incidentId, {id}, operatorName().toStdString()); !s)
            QMessageBox::warning(this, tr("Split"), QString::fromStdString(s.error().message));
        m_hub.pollNow();
    });
    menu.exec(view->viewport()->mapToGlobal(pos));
}

void AlertsView::act(const QString &action, std::int64_t alertId)
{
    const auto alert = m_hub.engine().alert(alertId);
    if (!alert)
        return;
    bool ok = false;
    Engine::Status result;
    const std::string who = operatorName().toStdString();
    if (action.startsWith(tr("Silence"))) {
        QString matchers = QStringLiteral("{alertname=\"%1\"").arg(QString::fromStdString(alert->name));
        if (!alert->entity.empty())
            matchers += QStringLiteral(",entity=\"%1\"").arg(QString::fromStdString(alert->entity));
        matchers += QLatin1Char('}');
        matchers = QInputDialog::getText(this, tr("Silence"), tr("Matchers (Alertmanager syntax):"), QLineEdit::Normal, matchers, &ok);
        if (!ok)
            return;
        const auto preview = m_hub.engine().previewSilence(matchers.toStdString());
        if (!preview) {
            QMessageBox::warning(this, tr("Silence"), QString::fromStdString(preview.error().message));
            return;
        }
        const int hours = QInputDialog::getInt(this, tr("Silence"),
                                               tr("This silence mutes %n active alert(s) now. For how many hours?", nullptr, int(preview->size())),
                                               2, 1, 24 * 14, 1, &ok);
        if (!ok)
            return;
        const QString comment = QInputDialog::getText(this, tr("Silence"), tr("Why (required)? Ticket links welcome:"), QLineEdit::Normal, {}, &ok);
        if (!ok || comment.trimmed().isEmpty())
            return;
        const auto added = m_hub.engine().addSilence(matchers.toStdString(), hours * Engine::kHour, who, comment.toStdString());
        if (!added)
            QMessageBox::warning(this, tr("Silence"), QString::fromStdString(added.error().message));
        m_hub.pollNow();
        return;
    }
    const QString comment = QInputDialog::getText(this, action, tr("Comment (required):"), QLineEdit::Normal, {}, &ok);
    if (!ok || comment.trimmed().isEmpty())
        return;
    if (action.startsWith(tr("Acknowledge")))
        result = m_hub.engine().acknowledgeAlert(alertId, who, comment.toStdString());
    else if (action.startsWith(tr("Resolve")))
        result = m_hub.engine().resolveAlert(alertId, who, comment.toStdString());
    else
        result = m_hub.engine().noteAlert(alertId, who, comment.toStdString());
    if (!result)
        QMessageBox::warning(this, action, QString::fromStdString(result.error().message));
    m_hub.pollNow();
}

const Engine::Incident *AlertsView::currentIncident() const
{
    const QModelIndex current = m_incidentTable->currentIndex();
    if (!current.isValid())
        return nullptr;
    const Engine::Incident *incident = m_incidents->incident(m_incidentProxy->mapToSource(current).row());
    return incident && incident->id == m_selectedIncident ? incident : nullptr;
}

bool AlertsView::hasFiringAlerts(std::int64_t incidentId) const
{
    const auto snapshot = m_hub.current();
    if (!snapshot || !snapshot->alerts)
        return false;
    return std::any_of(snapshot->alerts->begin(), snapshot->alerts->end(),
                       [&](const Engine::Alert &a) { return a.incidentId == incidentId && a.state == Engine::AlertState::Firing; });
}

void AlertsView::updateIncidentActions()
{
    // Enabled only where the engine would accept the action; the snapshot may lag it by 100 ms, the engine decides.
    const Engine::Incident *incident = currentIncident();
    const bool known = incident && !incident->archived;
    const bool open = known && incident->open();
    m_acknowledgeIncident->setEnabled(open && (!incident->acknowledged || hasFiringAlerts(incident->id)));
    m_takeIncident->setEnabled(known && incident->owner != operatorName().toStdString());
    m_assignIncident->setEnabled(known);
    m_resolveIncident->setEnabled(open);
}

void AlertsView::reportIncidentAction(const QString &title, const Engine::Status &status)
{
    if (!status)
        QMessageBox::warning(this, title, QString::fromStdString(status.error().message));
    m_hub.pollNow();
    renderWhy(); // the details read the engine directly: show the change before the next snapshot
}

void AlertsView::acknowledgeIncident(std::int64_t incidentId)
{
    if (!incidentId)
        return;
    reportIncidentAction(tr("Acknowledge incident"), m_hub.engine().acknowledgeIncident(incidentId, operatorName().toStdString(), {}));
}

void AlertsView::takeIncident(std::int64_t incidentId)
{
    if (!incidentId)
        return;
    const std::string me = operatorName().toStdString();
    reportIncidentAction(tr("Take ownership"), m_hub.engine().assignIncident(incidentId, me, me));
}

void AlertsView::assignIncident(std::int64_t incidentId)
{
    const auto incident = incidentId ? m_hub.engine().incident(incidentId) : std::nullopt;
    if (!incident)
        return;
    const QString current = QString::fromStdString(incident->owner);
    bool ok = false;
    const QString owner = QInputDialog::getText(this, tr("Assign incident"), tr("Owner of INC-%1 (leave empty to release it):").arg(incidentId),
                                                QLineEdit::Normal, current.isEmpty() ? operatorName() : current, &ok)
                              .trimmed();
    if (!ok || owner == current)
        return;
    reportIncidentAction(tr("Assign incident"), m_hub.engine().assignIncident(incidentId, owner.toStdString(), operatorName().toStdString()));
}

void AlertsView::resolveIncident(std::int64_t incidentId)
{
    if (!incidentId)
        return;
    bool ok = false;
    const QString comment = QInputDialog::getText(this, tr("Resolve incident"),
                                                  tr("What resolved INC-%1 (required)? Its active alerts resolve with it; it re-opens if the "
                                                     "same alerts fire again soon.")
                                                      .arg(incidentId),
                                                  QLineEdit::Normal, {}, &ok);
    if (!ok || comment.trimmed().isEmpty())
        return;
    reportIncidentAction(tr("Resolve incident"), m_hub.engine().resolveIncident(incidentId, operatorName().toStdString(), comment.trimmed().toStdString()));
}

} // namespace Nocturne::Ui
