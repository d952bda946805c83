#include "feeds_view.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

#include "feeds/feed_manager.h"
#include "models/feed_table_model.h"
#include "runtime/engine.h"
#include "shell/snapshot_hub.h"
#include "theme/theme.h"
#include "views/feeds/feed_config_dialog.h"

namespace Nocturne::Ui {

FeedsView::FeedsView(SnapshotHub &hub, Engine::FeedManager *feeds, QWidget *parent)
    : QWidget(parent)
    , m_hub(hub)
    , m_feeds(feeds)
    , m_model(new FeedTableModel(this))
    , m_table(new QTableView(this))
    , m_summary(new QLabel(this))
    , m_details(new QLabel(this))
    , m_deadLetters(new QTableWidget(this))
    , m_edit(new QPushButton(tr("Edit configuration…"), this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    auto *top = new QHBoxLayout;
    top->addWidget(m_summary, 1);
    top->addWidget(m_edit);
    layout->addLayout(top);
    m_edit->setEnabled(m_feeds != nullptr);
    m_edit->setToolTip(m_feeds ? tr("Edit the feeds configuration; it is validated before it is applied")
                               : tr("Start the console with --config FILE to manage live feeds"));
    connect(m_edit, &QPushButton::clicked, this, [this] { editConfiguration(); });

    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    const int widths[] = {280, 90, 90, 110, 170, 80, 90, 150};
    for (int c = 0; c < int(std::size(widths)); ++c)
        m_table->setColumnWidth(c, widths[c]);

    auto *bottom = new QWidget(this);
    auto *bottomLayout = new QHBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    m_details->setWordWrap(true);
    m_details->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->setContentsMargins(4, 2, 4, 2);
    auto *detailsScroll = new QScrollArea(bottom);
    detailsScroll->setWidget(m_details);
    detailsScroll->setWidgetResizable(true);
    detailsScroll->setFrameShape(QFrame::NoFrame);
    detailsScroll->setMinimumWidth(300);
    bottomLayout->addWidget(detailsScroll, 2);
    m_deadLetters->setColumnCount(5);
    m_deadLetters->setHorizontalHeaderLabels({tr("When"), tr("Reason"), tr("Where"), tr("What"), tr("Input")});
    m_deadLetters->verticalHeader()->hide();
    m_deadLetters->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_deadLetters->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_deadLetters->setWordWrap(false);
    m_deadLetters->horizontalHeader()->setStretchLastSection(true);
    const int letterWidths[] = {80, 110, 170, 260};
    for (int c = 0; c < int(std::size(letterWidths)); ++c)
        m_deadLetters->setColumnWidth(c, letterWidths[c]);
    bottomLayout->addWidget(m_deadLetters, 5);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_table);
    splitter->addWidget(bottom);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    layout->addWidget(splitter, 1);

    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &current) {
        const Engine::FeedStatus *f = m_model->feed(current.row());
        m_selected = f ? QString::fromStdString(f->name) : QString();
        m_shownRejected = UINT64_MAX;
        showDetails();
    });
    connect(&m_hub, &SnapshotHub::snapshotChanged, this, &FeedsView::applySnapshot);
    if (m_hub.current())
        applySnapshot(m_hub.current());
}

void FeedsView::applySnapshot(const Engine::SnapshotPtr &snapshot)
{
    if (!snapshot)
        return;
    m_model->setFeeds(snapshot->feeds);
    int healthy = 0, degraded = 0, down = 0;
    for (const auto &f : snapshot->feeds) {
        healthy += f.state == Engine::FeedState::Healthy;
        degraded += f.state == Engine::FeedState::Degraded;
        down += f.state == Engine::FeedState::Down;
    }
    const Theme &theme = Theme::current();
    QString summary = tr("<b>%n feed(s)</b>", nullptr, int(snapshot->feeds.size()));
    summary += QStringLiteral(" &nbsp; <span style='color:%1'>%2 healthy</span>").arg(theme.stateColor(Engine::HealthState::Ok).name()).arg(healthy);
    if (degraded)
        summary += QStringLiteral(" &nbsp; <span style='color:%1'>%2 degraded</span>").arg(theme.stateColor(Engine::HealthState::Warning).name()).arg(degraded);
    if (down)
        summary += QStringLiteral(" &nbsp; <span style='color:%1'>%2 down</span>").arg(theme.stateColor(Engine::HealthState::Critical).name()).arg(down);
    summary += tr(" &nbsp; · detector %1 µs/sample · snapshot %2 ms")
                   .arg(snapshot->detectorMicrosPerSample, 0, 'f', 2)
                   .arg(snapshot->publishMillis, 0, 'f', 1);
    if (m_feeds && !m_feeds->lastErrors().empty())
        summary += QStringLiteral(" &nbsp; <span style='color:%1'>%2</span>")
                       .arg(theme.stateColor(Engine::HealthState::Critical).name(),
                            tr("%n feed(s) failed to start", nullptr, int(m_feeds->lastErrors().size())));
    m_summary->setText(summary);
    if (m_selected.isEmpty() && m_model->rowCount() > 0)
        m_table->selectRow(0);
    if (isVisible())
        showDetails();
}

void FeedsView::showDetails()
{
    const int row = m_model->rowOf(m_selected);
    const Engine::FeedStatus *f = m_model->feed(row);
    if (!f) {
        m_details->setText(tr("Select a feed to see its details and refused input."));
        m_deadLetters->setRowCount(0);
        return;
    }
    const Theme &theme = Theme::current();
    QString html = QStringLiteral("<b>%1</b><br><span style='color:%2'>%3</span>")
                       .arg(QString::fromStdString(f->name).toHtmlEscaped(), FeedTableModel::stateColor(f->state).name(),
                            FeedTableModel::stateText(f->state));
    if (!f->endpoint.empty())
        html += QStringLiteral("<br>%1").arg(QString::fromStdString(f->endpoint).toHtmlEscaped());
    if (f->lastDataWall)
        html += tr("<br>last data %1").arg(QDateTime::fromMSecsSinceEpoch(f->lastDataWall / 1'000'000).toString(QStringLiteral("HH:mm:ss")));
    if (!f->lastError.empty())
        html += QStringLiteral("<br><span style='color:%1'>%2</span>")
                    .arg(theme.stateColor(Engine::HealthState::Critical).name(), QString::fromStdString(f->lastError).toHtmlEscaped());
    if (!f->rejectsByReason.empty()) {
        html += tr("<br><br><b>Refused, by reason</b>");
        for (const auto &[reason, n] : f->rejectsByReason)
            html += QStringLiteral("<br>%1: %2").arg(QString::fromStdString(reason).toHtmlEscaped()).arg(n);
    }
    m_details->setText(html);
    if (m_shownRejected == f->rejected)
        return; // dead letters unchanged
    m_shownRejected = f->rejected;
    const auto letters = m_hub.engine().deadLetters(f->name, 200);
    m_deadLetters->setRowCount(int(letters.size()));
    for (int i = 0; i < int(letters.size()); ++i) {
        const auto &d = letters[letters.size() - 1 - std::size_t(i)]; // newest first
        const QString when = QDateTime::fromMSecsSinceEpoch(d.wall / 1'000'000).toString(QStringLiteral("HH:mm:ss"));
        const QStringList cells = {when, QString::fromStdString(d.reason), QString::fromStdString(d.position),
                                   QString::fromStdString(d.detail), QString::fromStdString(d.excerpt)};
        for (int c = 0; c < cells.size(); ++c) {
            auto *item = new QTableWidgetItem(cells[c]);
            item->setToolTip(cells[c]);
            m_deadLetters->setItem(i, c, item);
        }
    }
}

bool FeedsView::editConfiguration()
{
    if (!m_feeds)
        return false;
    QString text = QString::fromStdString(m_feeds->configText());
    if (text.isEmpty())
        text = QStringLiteral("# No feeds configured yet. Example (see docs/feeds.md):\n"
                              "engine:\n"
                              "  metrics_listen: 127.0.0.1:9464\n"
                              "feeds:\n"
                              "  - name: otel\n"
                              "    type: kafka\n"
                              "    brokers: localhost:9092\n"
                              "    topics: [otlp_metrics, otlp_logs, otlp_spans]\n"
                              "  - name: node\n"
                              "    type: prometheus_scrape\n"
                              "    url: http://127.0.0.1:9100/metrics\n");
    FeedConfigDialog dialog(text, this);
    if (dialog.exec() != QDialog::Accepted)
        return false;
    m_feeds->apply(dialog.config(), dialog.text().toStdString());
    m_hub.pollNow();
    return true;
}

} // namespace Nocturne::Ui
