#include "war_room_view.h"

#include <QAreaSeries>
#include <QBuffer>
#include <QChart>
#include <QChartView>
#include <QCoreApplication>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QDir>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QListWidget>
#include <QMessageBox>
#include <QPainter>
#include <QPdfWriter>
#include <QPushButton>
#include <QSaveFile>
#include <QSplitter>
#include <QTextBrowser>
#include <QTextDocument>
#include <QThread>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QtConcurrent>

#include <cmath>
#include <exception>
#include <set>

#include "runtime/engine.h"
#include "diagnose/evidence_text.h"
#include "shell/snapshot_hub.h"
#include "theme/theme.h"
#include "views/alerts/alerts_view.h"
#include "views/timeline/timeline_view.h"
#include "views/topology/topology_view.h"

namespace Nocturne::Ui {

namespace {
QString timeOf(Engine::Timestamp ts)
{
    return QDateTime::fromMSecsSinceEpoch(ts / 1'000'000, Qt::UTC).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"));
}

QString durationOf(Engine::Duration d)
{
    const qint64 s = std::max<qint64>(0, d / Engine::kSecond);
    if (s < 60)
        return QStringLiteral("%1 s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1 min").arg(s / 60);
    return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

QString severityWord(Engine::AlertSeverity s)
{
    return QString::fromLatin1(Engine::alertSeverityName(s)).toUpper();
}

QString pathText(const Engine::RcaCandidate &c)
{
    QStringList steps;
    for (const auto &p : c.propagationPath)
        steps << QString::fromStdString(p);
    return steps.join(QStringLiteral(" → "));
}

struct ChartSeries
{
    QString title;
    std::vector<Engine::DownsampleBucket> values, lower, upper;
    Engine::Timestamp onset = 0;
};

// What a ranking worker hands back: the causes, whether they are frozen (and by whom), or why there are none.
struct RankingResult
{
    std::vector<Engine::RcaCandidate> causes;
    DiagnosisFreeze freeze;
    QString error;
};

QImage grabImage(QWidget *w)
{
    return w->grab().toImage();
}

QString pngDataUri(const QImage &image)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return QStringLiteral("data:image/png;base64,") + QString::fromLatin1(bytes.toBase64());
}
} // namespace

DiagnosisFreeze diagnosisFreezeOf(const Engine::Engine &engine, std::int64_t incidentId)
{
    DiagnosisFreeze freeze;
    // Only a closed incident's ranking is frozen; the engine may still hold the one from before a re-open.
    if (const auto inc = engine.incident(incidentId); !inc || inc->open())
        return freeze;
    const auto at = engine.diagnosisFrozenAt(incidentId);
    if (!at)
        return freeze;
    freeze.at = *at;
    freeze.by = QString::fromStdString(engine.diagnosisFrozenBy(incidentId));
    if (freeze.by.isEmpty())
        freeze.by = QStringLiteral("system");
    return freeze;
}

WarRoomView::WarRoomView(SnapshotHub &hub, QWidget *parent)
    : QWidget(parent)
    , m_hub(hub)
    , m_header(new QLabel(this))
    , m_status(new QLabel(this))
    , m_causeTree(new QTreeWidget(this))
    , m_details(new QTextBrowser(this))
    , m_topology(new TopologyView(&hub, this))
    , m_chartBox(new QWidget(this))
    , m_chartLayout(new QVBoxLayout(m_chartBox))
    , m_timeline(new TimelineView(&hub, this))
    , m_notes(new QListWidget(this))
    , m_noteEdit(new QLineEdit(this))
    , m_confirm(new QPushButton(tr("Confirm cause…"), this))
    , m_reject(new QPushButton(tr("Reject cause…"), this))
    , m_rerankButton(new QPushButton(tr("Re-rank"), this))
    , m_frozen(new QLabel(this))
{
    QFont headerFont = m_header->font();
    headerFont.setPointSizeF(headerFont.pointSizeF() * 1.35);
    m_header->setFont(headerFont);
    m_header->setTextFormat(Qt::RichText);
    m_header->setWordWrap(true);
    m_header->setText(tr("No incident selected: open one from Incidents and alerts (context menu → Open war room)."));
    m_status->setStyleSheet(QStringLiteral("color: %1").arg(Theme::current().mutedText().name()));

    m_causeTree->setColumnCount(3);
    m_causeTree->setHeaderLabels({tr("Cause"), tr("Fault class"), tr("Confidence")});
    m_causeTree->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_causeTree->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_causeTree->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_causeTree->header()->setStretchLastSection(false);
    m_causeTree->setWordWrap(true);
    m_causeTree->setAlternatingRowColors(true);
    connect(m_causeTree, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem *item) {
        while (item && item->parent())
            item = item->parent();
        if (item)
            selectCause(m_causeTree->indexOfTopLevelItem(item));
    });

    // An open incident's causes follow the evidence; a closed one's are frozen and change only on purpose.
    m_rerankButton->setToolTip(tr("Rank the causes again with the evidence so far"));
    connect(m_rerankButton, &QPushButton::clicked, this, [this] {
        const auto inc = m_incident ? m_hub.engine().incident(m_incident) : std::nullopt;
        if (inc && !inc->open())
            rerankFrozen();
        else
            rerank();
    });
    m_frozen->setStyleSheet(QStringLiteral("color: %1").arg(Theme::current().mutedText().name()));
    m_frozen->setVisible(false);
    m_confirm->setToolTip(tr("Record that the selected cause is right (asks for a note; recorded with your name)"));
    m_reject->setToolTip(tr("Record that the selected cause is wrong (asks for a note; it ranks lower next time)"));
    connect(m_confirm, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString note = QInputDialog::getText(this, tr("Confirm cause"), tr("Why (recorded with your name):"), QLineEdit::Normal, {}, &ok);
        if (ok)
            confirmSelected(note);
    });
    connect(m_reject, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString note = QInputDialog::getText(this, tr("Reject cause"), tr("Why not (recorded with your name):"), QLineEdit::Normal, {}, &ok);
        if (ok)
            rejectSelected(note);
    });
    auto *exportButton = new QPushButton(tr("Export…"), this);
    exportButton->setToolTip(tr("Write the incident report as Markdown, HTML or PDF, with the graph and charts"));
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export incident report"), QStringLiteral("INC-%1.pdf").arg(m_incident),
                                                          tr("PDF (*.pdf);;HTML (*.html);;Markdown (*.md)"));
        if (path.isEmpty())
            return;
        if (const QString error = exportReport(path); !error.isEmpty())
            QMessageBox::warning(this, tr("Export incident report"), error);
    });

    auto *causesBox = new QWidget(this);
    auto *causesLayout = new QVBoxLayout(causesBox);
    causesLayout->setContentsMargins(0, 0, 0, 0);
    auto *causesTitle = new QLabel(tr("<b>Likely causes</b> (best first; expand for the evidence)"), causesBox);
    causesLayout->addWidget(causesTitle);
    causesLayout->addWidget(m_frozen);
    causesLayout->addWidget(m_causeTree, 3);
    m_details->setOpenLinks(false);
    m_details->setToolTip(tr("The selected cause in full"));
    causesLayout->addWidget(m_details, 2);
    auto *verdicts = new QHBoxLayout;
    verdicts->addWidget(m_confirm);
    verdicts->addWidget(m_reject);
    verdicts->addWidget(m_rerankButton);
    causesLayout->addLayout(verdicts);

    m_chartLayout->setContentsMargins(0, 0, 0, 0);
    auto *chartTitle = new QLabel(tr("<b>Evidence</b> (selected cause; band = the detector's expected range)"), m_chartBox);
    m_chartLayout->addWidget(chartTitle);
    m_chartLayout->addStretch(1);

    auto *notesBox = new QWidget(this);
    auto *notesLayout = new QVBoxLayout(notesBox);
    notesLayout->setContentsMargins(0, 0, 0, 0);
    notesLayout->addWidget(new QLabel(tr("<b>Notes</b> (attributed, timestamped)"), notesBox));
    notesLayout->addWidget(m_notes, 1);
    auto *noteRow = new QHBoxLayout;
    m_noteEdit->setPlaceholderText(tr("Add a note for the war room…"));
    auto *addButton = new QPushButton(tr("Add"), this);
    connect(addButton, &QPushButton::clicked, this, [this] {
        if (addNote(m_noteEdit->text()))
            m_noteEdit->clear();
    });
    connect(m_noteEdit, &QLineEdit::returnPressed, addButton, &QPushButton::click);
    noteRow->addWidget(m_noteEdit, 1);
    noteRow->addWidget(addButton);
    notesLayout->addLayout(noteRow);

    auto *top = new QSplitter(Qt::Horizontal, this);
    top->addWidget(causesBox);
    top->addWidget(m_topology);
    top->addWidget(m_chartBox);
    top->setStretchFactor(0, 4);
    top->setStretchFactor(1, 4);
    top->setStretchFactor(2, 3);
    auto *bottom = new QSplitter(Qt::Horizontal, this);
    bottom->addWidget(m_timeline);
    bottom->addWidget(notesBox);
    bottom->setStretchFactor(0, 3);
    bottom->setStretchFactor(1, 2);
    auto *vertical = new QSplitter(Qt::Vertical, this);
    vertical->addWidget(top);
    vertical->addWidget(bottom);
    vertical->setStretchFactor(0, 3);
    vertical->setStretchFactor(1, 1);

    auto *headerRow = new QHBoxLayout;
    headerRow->addWidget(m_header, 1);
    headerRow->addWidget(exportButton, 0, Qt::AlignTop);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->addLayout(headerRow);
    layout->addWidget(m_status);
    layout->addWidget(vertical, 1);
    m_topology->setMinimapVisible(false);
    m_timeline->setGutter(150);
    m_confirm->setEnabled(false);
    m_reject->setEnabled(false);
    connect(&m_hub, &SnapshotHub::snapshotChanged, this, [this] {
        if (m_incident) {
            renderHeader();
            renderFreeze();
        }
    });
    // While the incident is open the evidence grows: rank again every 15 s (the selection and what is expanded stay).
    // Once it closed, read its frozen ranking once (the causes shown may still be the last live ones).
    auto *refresh = new QTimer(this);
    refresh->setInterval(15'000);
    connect(refresh, &QTimer::timeout, this, [this] {
        const auto inc = m_incident ? m_hub.engine().incident(m_incident) : std::nullopt;
        if (inc && (inc->open() || !m_freeze.frozen()) && !m_ranking && isVisible())
            rerank();
    });
    refresh->start();
}

WarRoomView::~WarRoomView() = default;

void WarRoomView::showIncident(qint64 incidentId)
{
    if (incidentId <= 0)
        return;
    m_incident = incidentId;
    m_causes.clear();
    m_freeze = {};
    m_selectedCause = -1;
    m_timeline->setIncident(incidentId);
    renderHeader();
    renderFreeze();
    renderNotes();
    rerank();
}

void WarRoomView::rerank()
{
    startRanking(false);
}

void WarRoomView::rerankFrozen()
{
    startRanking(true);
}

void WarRoomView::startRanking(bool explicitRerank)
{
    if (!m_incident)
        return;
    const int generation = ++m_generation;
    m_ranking = true;
    m_status->setText(explicitRerank ? tr("Re-ranking the frozen diagnosis…") : tr("Ranking causes…"));
    Engine::Engine *engine = &m_hub.engine();
    const qint64 id = m_incident;
    const std::string who = AlertsView::operatorName().toStdString();
    auto *watcher = new QFutureWatcher<RankingResult>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation, explicitRerank] {
        Q_ASSERT(QThread::currentThread() == thread());
        watcher->deleteLater();
        if (generation != m_generation)
            return;
        m_ranking = false;
        RankingResult result = watcher->result();
        if (explicitRerank && !result.error.isEmpty()) {
            // The frozen ranking shown stays what the engine still has.
            m_status->setText(tr("Not re-ranked: %1").arg(result.error));
            return;
        }
        m_freeze = result.freeze;
        m_causes = std::move(result.causes);
        if (m_causes.size() > 8)
            m_causes.resize(8);
        renderCauses();
        renderFreeze();
        renderHeader();
    });
    watcher->setFuture(QtConcurrent::run([engine, id, explicitRerank, who] {
        RankingResult out;
        try {
            auto ranked = explicitRerank ? engine->rerankIncident(id, who) : engine->diagnoseIncident(id);
            if (!ranked) {
                out.error = QString::fromStdString(ranked.error().message);
                return out;
            }
            out.causes = std::move(*ranked);
            out.freeze = diagnosisFreezeOf(*engine, id);
        } catch (const std::exception &e) {
            // Exceptions stop at the job boundary.
            out = {};
            out.error = QString::fromLocal8Bit(e.what());
        }
        return out;
    }));
}

void WarRoomView::renderFreeze()
{
    const auto inc = m_incident ? m_hub.engine().incident(m_incident) : std::nullopt;
    const bool closed = inc && !inc->open();
    // A re-opened incident's causes follow the evidence again: the old freeze is not shown while the next ranking runs.
    const bool show = closed && m_freeze.frozen();
    m_frozen->setVisible(show);
    m_frozen->setText(show ? m_freeze.text() : QString());
    m_frozen->setToolTip(show ? tr("Frozen %1: the causes stay as they were when the incident closed until someone "
                                   "re-ranks them")
                                    .arg(m_freeze.when())
                              : QString());
    m_rerankButton->setToolTip(closed ? tr("Rank this closed incident's causes again with the evidence now and freeze "
                                           "the new ranking (recorded with your name)")
                                      : tr("Rank the causes again with the evidence so far"));
}

bool WarRoomView::waitForDiagnosis(int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while ((m_ranking || m_chartsPending) && timer.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    QCoreApplication::processEvents();
    return !m_ranking;
}

void WarRoomView::renderHeader()
{
    const auto inc = m_hub.engine().incident(m_incident);
    if (!inc) {
        m_header->setText(tr("Incident INC-%1 is not known (yet).").arg(m_incident));
        return;
    }
    const Engine::Timestamp now = m_hub.engine().clock().now();
    const Engine::Timestamp end = inc->end ? inc->end : std::max(now, inc->lastActivity);
    // A closed incident reads as resolved first (green), with the severity it had.
    const Engine::HealthState state = !inc->open()                                     ? Engine::HealthState::Ok
                                    : inc->severity == Engine::AlertSeverity::Critical ? Engine::HealthState::Critical
                                    : inc->severity == Engine::AlertSeverity::High || inc->severity == Engine::AlertSeverity::Medium
                                        ? Engine::HealthState::Warning
                                        : Engine::HealthState::Ok;
    const QString severity = inc->open() ? severityWord(inc->severity) : tr("RESOLVED (was %1)").arg(severityWord(inc->severity));
    const Theme &theme = Theme::current();
    QString sla;
    if (!inc->open())
        sla = tr("closed");
    else if (inc->slaDeadline >= now)
        sla = tr("SLA: %1 left").arg(durationOf(inc->slaDeadline - now));
    else
        sla = tr("<span style='color:%1'>SLA breached %2 ago</span>").arg(theme.stateColor(Engine::HealthState::Critical).name(), durationOf(now - inc->slaDeadline));
    QString blast = tr("blast radius: ranking…");
    if (!m_causes.empty()) {
        const auto &top = m_causes.front();
        blast = tr("blast radius of the top cause: %1 entities, %2 % of requests").arg(top.blastRadius.size()).arg(qRound(top.requestShare * 100));
    }
    m_header->setText(QStringLiteral("<span style='color:%1'>%2 %3</span> &nbsp;<b>INC-%4</b> %5<br>"
                                     "<span style='font-size:small'>started %6 · %7%8 · %9 affected · %10 · %11 · %12 alerts</span>")
                          .arg(theme.stateColor(state).name(), Theme::stateGlyph(state), severity)
                          .arg(m_incident)
                          .arg(QString::fromStdString(inc->title).toHtmlEscaped(), timeOf(inc->start), durationOf(end - inc->start),
                               inc->open() ? tr(" and counting") : QString())
                          .arg(tr("%n entities", nullptr, int(inc->entities.size())), blast, sla)
                          .arg(inc->alerts.size()));
}

void WarRoomView::renderCauses()
{
    // Keep the operator's place: the selected cause and what is expanded, by entity.
    QString selected;
    if (auto *current = m_causeTree->currentItem()) {
        while (current->parent())
            current = current->parent();
        selected = current->data(0, Qt::UserRole).toString();
    }
    QSet<QString> expanded;
    for (int i = 0; i < m_causeTree->topLevelItemCount(); ++i)
        if (m_causeTree->topLevelItem(i)->isExpanded())
            expanded.insert(m_causeTree->topLevelItem(i)->data(0, Qt::UserRole).toString());
    const bool first = m_causeTree->topLevelItemCount() == 0;
    const QSignalBlocker block(m_causeTree);
    m_causeTree->clear();
    const Theme &theme = Theme::current();
    for (std::size_t i = 0; i < m_causes.size(); ++i) {
        const auto &c = m_causes[i];
        auto *item = new QTreeWidgetItem(m_causeTree);
        item->setText(0, QStringLiteral("%1. %2").arg(i + 1).arg(QString::fromStdString(c.entity)));
        item->setData(0, Qt::UserRole, QString::fromStdString(c.entity));
        item->setText(1, QString::fromStdString(Engine::humanFaultClass(c.faultClass)));
        item->setText(2, QStringLiteral("%1 %").arg(qRound(c.confidence * 100)));
        item->setTextAlignment(2, Qt::AlignRight | Qt::AlignVCenter);
        QFont bold = item->font(0);
        bold.setBold(true);
        item->setFont(0, bold);
        auto child = [&](const QString &text, const QString &tooltip = {}) {
            auto *row = new QTreeWidgetItem(item);
            row->setText(0, text);
            row->setToolTip(0, tooltip.isEmpty() ? text : tooltip);
            row->setFirstColumnSpanned(true);
            return row;
        };
        if (c.propagationPath.size() > 1)
            child(tr("Path: %1").arg(pathText(c)));
        for (const auto &e : c.evidence) {
            const QString kind = e.kind == "log" ? tr("Log") : e.kind == "change" ? tr("Change") : tr("Metric");
            auto *row = child(QStringLiteral("%1: %2").arg(kind, QString::fromStdString(e.text)));
            if (std::isfinite(e.correlation) && std::abs(e.correlation) >= 0.7)
                row->setForeground(0, theme.accent());
        }
        if (!c.action.empty())
            child(tr("Suggested (%1): %2").arg(QString::fromStdString(c.pattern), QString::fromStdString(c.action)));
        QStringList blast;
        for (const auto &b : c.blastRadius)
            blast << QString::fromStdString(b);
        child(tr("Blast radius: %1 entities, %2 % of requests%3")
                  .arg(c.blastRadius.size())
                  .arg(qRound(c.requestShare * 100))
                  .arg(blast.isEmpty() ? QString() : QStringLiteral(" (") + blast.mid(0, 8).join(QStringLiteral(", ")) +
                                                         (blast.size() > 8 ? QStringLiteral(", …") : QString()) + QLatin1Char(')')));
        if (!c.disproof.empty())
            child(tr("Would disprove it: %1").arg(QString::fromStdString(c.disproof)));
        if (std::abs(c.feedbackWeight - 1) > 1e-6)
            child(tr("Operators' earlier verdicts weigh it ×%1").arg(c.feedbackWeight, 0, 'f', 2));
        item->setExpanded(first ? i == 0 : expanded.contains(QString::fromStdString(c.entity)));
    }
    m_status->setText(m_causes.empty() ? tr("No candidate: no metric of the incident's entities or their dependencies changed.")
                                       : tr("%1 candidates ranked from metrics, the call graph, logs, changes, the knowledge base "
                                            "and earlier verdicts.")
                                             .arg(m_causes.size()));
    if (!m_causes.empty()) {
        int index = 0;
        for (int i = 0; i < m_causeTree->topLevelItemCount(); ++i)
            if (m_causeTree->topLevelItem(i)->data(0, Qt::UserRole).toString() == selected)
                index = i;
        m_causeTree->setCurrentItem(m_causeTree->topLevelItem(index));
        selectCause(index);
    } else {
        selectCause(-1);
    }
    // The incident's sub-graph: its entities, the candidates and their paths.
    QStringList scope;
    if (const auto inc = m_hub.engine().incident(m_incident))
        for (const auto &e : inc->entities)
            scope << QString::fromStdString(e);
    for (const auto &c : m_causes) {
        scope << QString::fromStdString(c.entity);
        for (const auto &p : c.propagationPath)
            scope << QString::fromStdString(p);
    }
    scope.removeDuplicates();
    m_topology->setScope(scope);
}

void WarRoomView::selectCause(int index)
{
    m_selectedCause = index >= 0 && std::size_t(index) < m_causes.size() ? index : -1;
    m_confirm->setEnabled(m_selectedCause >= 0);
    m_reject->setEnabled(m_selectedCause >= 0);
    QStringList path;
    if (m_selectedCause >= 0)
        for (const auto &p : m_causes[std::size_t(m_selectedCause)].propagationPath)
            path << QString::fromStdString(p);
    m_topology->setPropagationPath(path);
    // The selected cause in full (the tree's rows are one line each).
    QString html;
    if (m_selectedCause >= 0) {
        const auto &c = m_causes[std::size_t(m_selectedCause)];
        html += QStringLiteral("<b>%1</b> — %2, confidence %3 %<br>").arg(QString::fromStdString(c.entity).toHtmlEscaped(),
                                                                            QString::fromStdString(Engine::humanFaultClass(c.faultClass)).toHtmlEscaped())
                    .arg(qRound(c.confidence * 100));
        if (c.propagationPath.size() > 1)
            html += tr("Path: %1<br>").arg(pathText(c).toHtmlEscaped());
        html += QStringLiteral("<ul style='margin-left:-20px'>");
        for (const auto &e : c.evidence)
            html += QStringLiteral("<li>%1</li>").arg(QString::fromStdString(e.text).toHtmlEscaped());
        html += QStringLiteral("</ul>");
        if (!c.action.empty())
            html += tr("<b>Suggested</b> (%1): %2<br>").arg(QString::fromStdString(c.pattern).toHtmlEscaped(), QString::fromStdString(c.action).toHtmlEscaped());
        html += tr("<b>Blast radius</b>: %1 entities, %2 % of requests<br>").arg(c.blastRadius.size()).arg(qRound(c.requestShare * 100));
        if (!c.disproof.empty())
            html += tr("<b>Would disprove it</b>: %1").arg(QString::fromStdString(c.disproof).toHtmlEscaped());
    }
    m_details->setHtml(html);
    requestCharts();
}

void WarRoomView::requestCharts()
{
    for (QChartView *v : m_charts) {
        m_chartLayout->removeWidget(v);
        v->deleteLater();
    }
    m_charts.clear();
    ++m_chartGeneration;
    m_chartsPending = false;
    const auto inc = m_hub.engine().incident(m_incident);
    if (m_selectedCause < 0 || !inc)
        return;
    m_chartsPending = true;
    const Engine::RcaCandidate cause = m_causes[std::size_t(m_selectedCause)];
    const Engine::Timestamp from = inc->start - 32 * Engine::kMinute;
    const Engine::Timestamp to = inc->end ? inc->end + 5 * Engine::kMinute : m_hub.engine().clock().now();
    Engine::Engine *engine = &m_hub.engine();
    const int generation = ++m_chartGeneration;
    auto *watcher = new QFutureWatcher<std::vector<ChartSeries>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation, from, to, start = inc->start] {
        watcher->deleteLater();
        if (generation != m_chartGeneration)
            return;
        m_chartsPending = false;
        const Theme &theme = Theme::current();
        for (const ChartSeries &s : watcher->result()) {
            auto *chart = new QChart;
            chart->setTheme(theme.kind() == Theme::Kind::Dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
            chart->setBackgroundBrush(theme.panel());
            chart->legend()->hide();
            chart->setTitle(s.title);
            chart->setMargins(QMargins(4, 4, 4, 4));
            auto *xAxis = new QDateTimeAxis;
            xAxis->setFormat(QStringLiteral("HH:mm"));
            xAxis->setTickCount(5);
            xAxis->setRange(QDateTime::fromMSecsSinceEpoch(from / 1'000'000, Qt::UTC), QDateTime::fromMSecsSinceEpoch(to / 1'000'000, Qt::UTC));
            auto *yAxis = new QValueAxis;
            yAxis->setLabelFormat(QStringLiteral("%.3g"));
            chart->addAxis(xAxis, Qt::AlignBottom);
            chart->addAxis(yAxis, Qt::AlignLeft);
            double lo = INFINITY, hi = -INFINITY;
            auto attach = [&](QAbstractSeries *series) {
                chart->addSeries(series);
                series->attachAxis(xAxis);
                series->attachAxis(yAxis);
            };
            if (!s.lower.empty() && s.lower.size() == s.upper.size()) {
                auto *upper = new QLineSeries, *lower = new QLineSeries;
                for (std::size_t i = 0; i < s.lower.size(); ++i) {
                    const qreal x = qreal(s.lower[i].start / 1'000'000);
                    upper->append(x, s.upper[i].avg);
                    lower->append(x, s.lower[i].avg);
                    lo = std::min(lo, s.lower[i].avg);
                    hi = std::max(hi, s.upper[i].avg);
                }
                auto *band = new QAreaSeries(upper, lower);
                QColor fill = theme.seriesColor(0);
                fill.setAlpha(50);
                band->setBrush(fill);
                band->setPen(Qt::NoPen);
                attach(band);
            }
            auto *line = new QLineSeries;
            for (const auto &b : s.values) {
                line->append(qreal(b.start / 1'000'000), b.avg);
                lo = std::min(lo, b.avg);
                hi = std::max(hi, b.avg);
            }
            line->setPen(QPen(theme.seriesColor(0), 2));
            attach(line);
            if (!(hi > lo)) {
                lo -= 1;
                hi += 1;
            }
            const double pad = (hi - lo) * 0.08;
            yAxis->setRange(lo - pad, hi + pad);
            // The incident's start and the evidence's onset as vertical markers.
            auto marker = [&](Engine::Timestamp t, const QColor &color, Qt::PenStyle style) {
                auto *m = new QLineSeries;
                m->append(qreal(t / 1'000'000), lo - pad);
                m->append(qreal(t / 1'000'000), hi + pad);
                QPen pen(color, 1.5, style);
                m->setPen(pen);
                attach(m);
            };
            marker(start, theme.stateColor(Engine::HealthState::Critical), Qt::DashLine);
            if (s.onset)
                marker(s.onset, theme.accent(), Qt::SolidLine);
            auto *view = new QChartView(chart, m_chartBox);
            view->setRenderHint(QPainter::Antialiasing);
            view->setMinimumHeight(150);
            m_chartLayout->insertWidget(m_chartLayout->count() - 1, view, 1);
            m_charts.push_back(view);
        }
    });
    watcher->setFuture(QtConcurrent::run([engine, cause, from, to] {
        std::vector<ChartSeries> out;
        for (const auto &e : cause.evidence) {
            if (e.kind == "log" || e.kind == "change" || out.size() >= 3)
                continue;
            auto entity = Engine::LabelMatcher::make("entity", Engine::LabelMatcher::Op::Equal, cause.entity);
            auto name = Engine::LabelMatcher::make("__name__", Engine::LabelMatcher::Op::Equal, e.metric);
            if (!entity || !name)
                continue;
            const auto ids = engine->store().select({*entity, *name});
            if (ids.empty())
                continue;
            ChartSeries s;
            s.title = QStringLiteral("%1 · %2").arg(QString::fromStdString(cause.entity), QString::fromStdString(e.metric));
            s.values = engine->store().downsample(ids.front(), from, to, 240);
            s.onset = e.onset;
            if (engine->detection()) {
                const auto bands = engine->detection()->bandsOf(ids.front());
                if (bands.lower.isValid() && bands.upper.isValid()) {
                    s.lower = engine->store().downsample(bands.lower, from, to, 240);
                    s.upper = engine->store().downsample(bands.upper, from, to, 240);
                    if (s.lower.size() != s.upper.size())
                        s.lower.clear(), s.upper.clear();
                }
            }
            out.push_back(std::move(s));
        }
        return out;
    }));
}

int WarRoomView::evidenceCharts() const
{
    return int(m_charts.size());
}

bool WarRoomView::verdict(bool confirmed, const QString &note)
{
    if (m_selectedCause < 0)
        return false;
    const auto &c = m_causes[std::size_t(m_selectedCause)];
    const auto status = m_hub.engine().recordCauseVerdict(m_incident, c.entity, c.faultClass, confirmed,
                                                          AlertsView::operatorName().toStdString(), note.trimmed().toStdString());
    if (!status) {
        m_status->setText(tr("Not recorded: %1").arg(QString::fromStdString(status.error().message)));
        return false;
    }
    renderNotes();
    rerank(); // the verdict re-weights the ranking at once
    return true;
}

bool WarRoomView::confirmSelected(const QString &note)
{
    return verdict(true, note);
}

bool WarRoomView::rejectSelected(const QString &note)
{
    return verdict(false, note);
}

bool WarRoomView::addNote(const QString &text)
{
    if (!m_incident || text.trimmed().isEmpty())
        return false;
    const auto status = m_hub.engine().addIncidentNote(m_incident, AlertsView::operatorName().toStdString(), text.trimmed().toStdString());
    if (!status) {
        m_status->setText(tr("Note not saved: %1").arg(QString::fromStdString(status.error().message)));
        return false;
    }
    renderNotes();
    return true;
}

void WarRoomView::renderNotes()
{
    m_notes->clear();
    for (const auto &n : m_hub.engine().incidentNotes(m_incident)) {
        const QString kind = n.kind == "confirm" ? QStringLiteral("✔ ") : n.kind == "reject" ? QStringLiteral("✘ ") : QString();
        auto *item = new QListWidgetItem(QStringLiteral("%1 · %2 · %3%4").arg(timeOf(n.ts), QString::fromStdString(n.who), kind,
                                                                            QString::fromStdString(n.text)),
                                         m_notes);
        item->setToolTip(item->text());
    }
    m_notes->scrollToBottom();
}

QString WarRoomView::reportHtml(const QString &imagePrefix, bool embed, std::vector<std::pair<QString, QImage>> *images) const
{
    const auto inc = m_hub.engine().incident(m_incident);
    QString html;
    html += QStringLiteral("<html><head><meta charset='utf-8'><title>INC-%1</title><style>body{font-family:sans-serif;max-width:60em}"
                           "td,th{padding:2px 8px;text-align:left;vertical-align:top}</style></head><body>")
                .arg(m_incident);
    html += QStringLiteral("<h1>INC-%1: %2</h1>").arg(m_incident).arg(inc ? QString::fromStdString(inc->title).toHtmlEscaped() : QString());
    if (inc) {
        const Engine::Timestamp end = inc->end ? inc->end : m_hub.engine().clock().now();
        QStringList entities;
        for (const auto &e : inc->entities)
            entities << QString::fromStdString(e).toHtmlEscaped();
        html += QStringLiteral("<p><b>Severity</b> %1 · <b>started</b> %2 · <b>duration</b> %3 · <b>state</b> %4<br><b>Affected</b> (%5): %6</p>")
                    .arg(severityWord(inc->severity), timeOf(inc->start), durationOf(end - inc->start), inc->open() ? tr("open") : tr("closed"))
                    .arg(inc->entities.size())
                    .arg(entities.join(QStringLiteral(", ")));
    }
    html += QStringLiteral("<h2>Likely causes</h2>");
    if (m_freeze.frozen() && inc && !inc->open())
        html += QStringLiteral("<p><i>%1 (%2)</i></p>").arg(m_freeze.text().toHtmlEscaped(), m_freeze.when());
    html += QStringLiteral("<table><tr><th>#</th><th>Entity</th><th>Fault class</th><th>Confidence</th><th>Path</th></tr>");
    for (std::size_t i = 0; i < m_causes.size(); ++i) {
        const auto &c = m_causes[i];
        html += QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td><td>%4 %</td><td>%5</td></tr>")
                    .arg(i + 1)
                    .arg(QString::fromStdString(c.entity).toHtmlEscaped(), QString::fromStdString(Engine::humanFaultClass(c.faultClass)).toHtmlEscaped())
                    .arg(qRound(c.confidence * 100))
                    .arg(pathText(c).toHtmlEscaped());
    }
    html += QStringLiteral("</table>");
    for (std::size_t i = 0; i < m_causes.size() && i < 3; ++i) {
        const auto &c = m_causes[i];
        html += QStringLiteral("<h3>%1. %2 (%3)</h3><ul>")
                    .arg(i + 1)
                    .arg(QString::fromStdString(c.entity).toHtmlEscaped(), QString::fromStdString(Engine::humanFaultClass(c.faultClass)).toHtmlEscaped());
        for (const auto &e : c.evidence)
            html += QStringLiteral("<li>%1</li>").arg(QString::fromStdString(e.text).toHtmlEscaped());
        if (!c.action.empty())
            html += QStringLiteral("<li><b>Suggested:</b> %1</li>").arg(QString::fromStdString(c.action).toHtmlEscaped());
        html += QStringLiteral("<li><b>Blast radius:</b> %1 entities, %2 % of requests</li>").arg(c.blastRadius.size()).arg(qRound(c.requestShare * 100));
        if (!c.disproof.empty())
            html += QStringLiteral("<li><b>Would disprove it:</b> %1</li>").arg(QString::fromStdString(c.disproof).toHtmlEscaped());
        html += QStringLiteral("</ul>");
    }
    auto image = [&](const QString &name, const QImage &img, const QString &caption) {
        if (img.isNull())
            return;
        const QString src = embed ? pngDataUri(img) : imagePrefix + name;
        if (images)
            images->push_back({name, img});
        html += QStringLiteral("<p><img src='%1' width='%2'><br><i>%3</i></p>").arg(src).arg(std::min(900, img.width())).arg(caption.toHtmlEscaped());
    };
    image(QStringLiteral("topology.png"), grabImage(m_topology->graphicsView()), tr("The incident's sub-graph; the selected cause's propagation path numbered from the cause."));
    for (std::size_t i = 0; i < m_charts.size(); ++i)
        image(QStringLiteral("evidence-%1.png").arg(i + 1), grabImage(m_charts[i]), m_charts[i]->chart()->title());
    html += QStringLiteral("<h2>Notes</h2><ul>");
    for (const auto &n : m_hub.engine().incidentNotes(m_incident))
        html += QStringLiteral("<li>%1 · <b>%2</b> · %3</li>")
                    .arg(timeOf(n.ts), QString::fromStdString(n.who).toHtmlEscaped(), QString::fromStdString(n.text).toHtmlEscaped());
    html += QStringLiteral("</ul><p><small>Exported by %1 at %2 from Nocturne.</small></p></body></html>")
                .arg(AlertsView::operatorName().toHtmlEscaped(), QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    return html;
}

QString WarRoomView::exportReport(const QString &path)
{
    if (!m_incident)
        return tr("no incident is open");
    const QFileInfo info(path);
    const QString suffix = info.suffix().toLower();
    if (suffix == QLatin1String("html") || suffix == QLatin1String("htm")) {
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return tr("cannot write %1: %2").arg(path, file.errorString());
        file.write(reportHtml({}, true, nullptr).toUtf8());
        return file.commit() ? QString() : tr("cannot write %1: %2").arg(path, file.errorString());
    }
    if (suffix == QLatin1String("pdf")) {
        std::vector<std::pair<QString, QImage>> images;
        QTextDocument doc;
        const QString html = reportHtml(QStringLiteral("nocturne:"), false, &images);
        for (const auto &[name, img] : images)
            doc.addResource(QTextDocument::ImageResource, QUrl(QStringLiteral("nocturne:") + name), img);
        doc.setHtml(html);
        QPdfWriter writer(path);
        writer.setPageSize(QPageSize(QPageSize::A4));
        writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
        writer.setResolution(96);
        writer.setTitle(QStringLiteral("INC-%1").arg(m_incident));
        writer.setCreator(QStringLiteral("Nocturne"));
        QPainter painter;
        if (!painter.begin(&writer))
            return tr("cannot write %1").arg(path);
        const QRectF page = writer.pageLayout().paintRectPixels(writer.resolution());
        doc.setPageSize(page.size());
        const int pages = std::max(1, int(std::ceil(doc.size().height() / page.height())));
        for (int i = 0; i < pages; ++i) {
            if (i > 0)
                writer.newPage();
            painter.save();
            painter.translate(0, -i * page.height());
            doc.drawContents(&painter, QRectF(0, i * page.height(), page.width(), page.height()));
            painter.restore();
        }
        painter.end();
        return QFileInfo(path).size() > 0 ? QString() : tr("cannot write %1").arg(path);
    }
    if (suffix == QLatin1String("md") || suffix == QLatin1String("markdown")) {
        // Markdown: the same content, images written beside the report.
        std::vector<std::pair<QString, QImage>> images;
        const QString base = info.completeBaseName() + QLatin1Char('-');
        QTextDocument doc;
        const QString html = reportHtml(base, false, &images);
        doc.setHtml(html);
        QString md = doc.toMarkdown();
        for (const auto &[name, img] : images) {
            const QString imagePath = info.dir().filePath(base + name);
            if (!img.save(imagePath, "PNG"))
                return tr("cannot write %1").arg(imagePath);
        }
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return tr("cannot write %1: %2").arg(path, file.errorString());
        file.write(md.toUtf8());
        return file.commit() ? QString() : tr("cannot write %1: %2").arg(path, file.errorString());
    }
    return tr("unknown report format “%1” (use .md, .html or .pdf)").arg(suffix);
}

} // namespace Nocturne::Ui
