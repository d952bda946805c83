#include "log_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QScrollBar>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QThread>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "models/log_table_model.h"
#include "shell/snapshot_hub.h"
#include "theme/theme.h"
#include "widgets/sparkline.h"

namespace Nocturne::Ui {

namespace {

// Message cell with the variable parts (ids, numbers, addresses) drawn in the accent colour.
class MessageDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        const QString text = opt.text;
        opt.text.clear();
        opt.widget->style()->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);
        const QVariantList spans = index.data(LogTableModel::VariablesRole).toList();
        const QByteArray utf8 = text.toUtf8();
        const Theme &theme = Theme::current();
        painter->save();
        painter->setClipRect(opt.rect);
        QRect r = opt.rect.adjusted(4, 0, -4, 0);
        const QFontMetrics fm(opt.font);
        int x = r.left();
        int cursor = 0;
        auto draw = [&](const QByteArray &part, const QColor &color) {
            const QString s = QString::fromUtf8(part);
            painter->setPen(color);
            painter->drawText(QRect(x, r.top(), r.right() - x, r.height()), Qt::AlignVCenter | Qt::AlignLeft, s);
            x += fm.horizontalAdvance(s);
        };
        const QColor normal = (opt.state & QStyle::State_Selected) ? opt.palette.highlightedText().color() : theme.text();
        for (const QVariant &v : spans) {
            const QPoint span = v.toPoint();
            if (span.x() < cursor || span.x() + span.y() > utf8.size())
                continue;
            draw(utf8.mid(cursor, span.x() - cursor), normal);
            draw(utf8.mid(span.x(), span.y()), theme.accent());
            cursor = span.x() + span.y();
            if (x > r.right())
                break;
        }
        if (x <= r.right())
            draw(utf8.mid(cursor), normal);
        painter->restore();
    }
};

class SparklineDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::paint(painter, option, index);
        paintSparkline(*painter, QRectF(option.rect).adjusted(3, 3, -3, -3),
                       index.data(TemplateListModel::SparklineRole).value<QList<double>>(), Theme::current().accent());
    }
};

} // namespace

LogPanel::LogPanel(SnapshotHub &hub, QWidget *parent)
    : QWidget(parent)
    , m_hub(hub)
    , m_logs(new LogTableModel(this))
    , m_templates(new TemplateListModel(this))
    , m_logView(new QTableView(this))
    , m_templateView(new QTableView(this))
    , m_level(new QComboBox(this))
    , m_source(new QLineEdit(this))
    , m_text(new QLineEdit(this))
    , m_follow(new QCheckBox(tr("Follow"), this))
    , m_status(new QLabel(this))
{
    m_level->addItem(tr("All levels"), int(Engine::LogLevel::Trace));
    m_level->addItem(tr("Info and above"), int(Engine::LogLevel::Info));
    m_level->addItem(tr("Warnings and errors"), int(Engine::LogLevel::Warn));
    m_level->addItem(tr("Errors only"), int(Engine::LogLevel::Error));
    m_source->setPlaceholderText(tr("Source (exact)…"));
    m_source->setClearButtonEnabled(true);
    m_source->setMaximumWidth(200);
    m_text->setPlaceholderText(tr("Message contains…"));
    m_text->setClearButtonEnabled(true);
    m_follow->setChecked(true);
    m_follow->setToolTip(tr("Keep the newest line in view"));
    for (QObject *control : {static_cast<QObject *>(m_level), static_cast<QObject *>(m_source), static_cast<QObject *>(m_text)}) {
        if (auto *combo = qobject_cast<QComboBox *>(control))
            connect(combo, &QComboBox::currentIndexChanged, this, &LogPanel::refresh);
        if (auto *edit = qobject_cast<QLineEdit *>(control))
            connect(edit, &QLineEdit::editingFinished, this, &LogPanel::refresh);
    }

    for (QTableView *view : {m_logView, m_templateView}) {
        view->verticalHeader()->hide();
        view->verticalHeader()->setDefaultSectionSize(QFontMetrics(font()).height() + 6);
        view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed); // uniform rows: cheap at any row count
        view->setSelectionBehavior(QAbstractItemView::SelectRows);
        view->setShowGrid(false);
        view->setWordWrap(false);
        view->setFrameShape(QFrame::NoFrame);
        view->horizontalHeader()->setHighlightSections(false);
    }
    m_logView->setModel(m_logs);
    m_logView->setItemDelegateForColumn(LogTableModel::MessageColumn, new MessageDelegate(m_logView));
    m_logView->horizontalHeader()->setStretchLastSection(true);
    m_logView->setColumnWidth(LogTableModel::TimeColumn, QFontMetrics(font()).horizontalAdvance(QStringLiteral("00:00:00")) + 16);
    m_logView->setColumnWidth(LogTableModel::LevelColumn, QFontMetrics(font()).horizontalAdvance(QStringLiteral("ERROR")) + 16);
    m_logView->setColumnWidth(LogTableModel::SourceColumn, 130);

    m_templateView->setModel(m_templates);
    m_templateView->setItemDelegateForColumn(TemplateListModel::TrendColumn, new SparklineDelegate(m_templateView));
    m_templateView->horizontalHeader()->setStretchLastSection(true);
    m_templateView->setColumnWidth(TemplateListModel::CountColumn, 64);
    m_templateView->setColumnWidth(TemplateListModel::SourceColumn, 100);
    m_templateView->setColumnWidth(TemplateListModel::ClassColumn, 120);
    m_templateView->setColumnWidth(TemplateListModel::TrendColumn, 80);
    m_templateView->setSelectionMode(QAbstractItemView::SingleSelection);
    connect(m_templateView, &QTableView::clicked, this, [this](const QModelIndex &index) {
        const Engine::TemplateStats *t = m_templates->at(index.row());
        if (!t)
            return;
        if (m_templateId == t->id.value && m_templateSource == QString::fromStdString(t->source))
            clearTemplateFilter();
        else
            filterByTemplate(QString::fromStdString(t->source), t->id.value);
    });

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_level);
    bar->addWidget(m_source);
    bar->addWidget(m_text, 1);
    bar->addWidget(m_follow);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_templateView);
    splitter->addWidget(m_logView);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(bar);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);

    connect(&hub, &SnapshotHub::snapshotChanged, this, &LogPanel::applySnapshot);
}

void LogPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refresh(); // brought to the front: catch up at once
}

void LogPanel::filterByTemplate(const QString &source, quint32 templateId)
{
    m_templateSource = source;
    m_templateId = templateId;
    refresh();
}

void LogPanel::clearTemplateFilter()
{
    m_templateSource.clear();
    m_templateId = UINT32_MAX;
    refresh();
}

void LogPanel::applySnapshot(const Engine::SnapshotPtr &snapshot)
{
    // Lines refresh at 1 Hz of wall time at most, whatever the feed rate, and only when new lines arrived and the
    // panel is on screen: a million-line query is not repeated for nothing (a tab behind another costs nothing).
    if (snapshot && isVisible() && snapshot->logCount != m_lastLogCount && snapshot->publishedWall - m_lastRefreshWall >= Engine::kSecond
        && !m_inFlight)
        refresh();
}

void LogPanel::refresh()
{
    if (const auto snapshot = m_hub.current()) {
        m_lastRefreshWall = snapshot->publishedWall;
        m_lastLogCount = snapshot->logCount;
    }
    Engine::Engine::LogQuery query;
    query.minLevel = static_cast<Engine::LogLevel>(m_level->currentData().toInt());
    query.source = m_templateId != UINT32_MAX ? m_templateSource.toStdString() : m_source->text().trimmed().toStdString();
    query.templateId = m_templateId;
    query.contains = m_text->text().toStdString();
    query.limit = 1'000'000;
    const std::uint64_t generation = ++m_generation;
    m_inFlight = true;
    const Engine::Engine *engine = &m_hub.engine();
    struct Result {
        std::vector<Engine::Engine::LogRow> rows;
        std::vector<Engine::TemplateStats> templates;
    };
    auto future = QtConcurrent::run([engine, query] { return Result{engine->queryLogs(query), engine->templateStats(2000)}; });
    auto *watcher = new QFutureWatcher<Result>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation] {
        Q_ASSERT(QThread::currentThread() == thread());
        m_inFlight = false;
        Result result = watcher->result();
        watcher->deleteLater();
        if (generation != m_generation)
            return;
        QScrollBar *scroll = m_logView->verticalScrollBar();
        const int position = scroll->value();
        const bool follow = m_follow->isChecked();
        m_logs->setRows(std::move(result.rows));
        if (follow)
            m_logView->scrollToBottom();
        else
            scroll->setValue(position);
        const int templateScroll = m_templateView->verticalScrollBar()->value();
        m_templates->setTemplates(std::move(result.templates));
        m_templateView->verticalScrollBar()->setValue(templateScroll);
        for (int row = 0; row < m_templates->rowCount(); ++row) {
            const Engine::TemplateStats *t = m_templates->at(row);
            if (t->id.value == m_templateId && QString::fromStdString(t->source) == m_templateSource)
                m_templateView->selectRow(row);
        }
        m_status->setText(tr("%1 lines · %2 templates%3")
                              .arg(QLocale().toString(m_logs->rowCount()))
                              .arg(m_templates->rowCount())
                              .arg(m_templateId != UINT32_MAX ? tr(" · filtered by template (click it again to clear)") : QString()));
        setProperty("refreshes", property("refreshes").toInt() + 1);
    });
    watcher->setFuture(future);
}

} // namespace Nocturne::Ui
