#include "estate_overview.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QVBoxLayout>

#include "models/entity_health_model.h"
#include "shell/snapshot_hub.h"
#include "theme/theme.h"
#include "views/overview/health_tile_delegate.h"

namespace Nocturne::Ui {

namespace {
// Problems first (critical, warning, ok, unknown), then estate order, so tiles only move when their state changes.
class ProblemsFirstProxy : public QSortFilterProxyModel
{
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

protected:
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override
    {
        const int a = left.data(EntityHealthModel::StateRole).toInt(), b = right.data(EntityHealthModel::StateRole).toInt();
        if (a != b)
            return a > b;
        return left.row() < right.row();
    }
};

QString timeOfDay(Engine::Timestamp t)
{
    return QString::fromStdString(Engine::formatIso8601(t)).mid(11, 8);
}
} // namespace

EstateOverview::EstateOverview(SnapshotHub &hub, QWidget *parent)
    : QWidget(parent)
    , m_model(new EntityHealthModel(this))
    , m_proxy(new ProblemsFirstProxy(this))
    , m_delegate(new HealthTileDelegate(this))
    , m_tiles(new QListView(this))
    , m_summary(new QLabel(this))
    , m_filter(new QLineEdit(this))
    , m_problems(new QListWidget(this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterKeyColumn(EntityHealthModel::EntityColumn);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setDynamicSortFilter(true);
    m_proxy->sort(EntityHealthModel::EntityColumn, Qt::AscendingOrder);

    m_tiles->setModel(m_proxy);
    m_tiles->setItemDelegate(m_delegate);
    m_tiles->setViewMode(QListView::IconMode);
    m_tiles->setResizeMode(QListView::Adjust);
    m_tiles->setMovement(QListView::Static);
    m_tiles->setUniformItemSizes(true);
    m_tiles->setSpacing(0);
    m_tiles->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tiles->setFrameShape(QFrame::NoFrame);
    m_tiles->viewport()->installEventFilter(this);

    QFont summaryFont = m_summary->font();
    summaryFont.setPointSizeF(summaryFont.pointSizeF() * 1.25);
    m_summary->setFont(summaryFont);
    m_filter->setPlaceholderText(tr("Filter entities…"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMaximumWidth(260);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);

    m_problems->setUniformItemSizes(true);
    m_problems->setFrameShape(QFrame::NoFrame);
    m_problems->setSelectionMode(QAbstractItemView::NoSelection);

    auto *header = new QHBoxLayout;
    header->addWidget(m_summary, 1);
    header->addWidget(m_filter);

    auto *problemsBox = new QWidget(this);
    auto *problemsLayout = new QVBoxLayout(problemsBox);
    problemsLayout->setContentsMargins(0, 0, 0, 0);
    auto *problemsTitle = new QLabel(tr("Latest warnings, errors and changes"), problemsBox);
    problemsTitle->setStyleSheet(QStringLiteral("font-weight: 600;"));
    problemsLayout->addWidget(problemsTitle);
    problemsLayout->addWidget(m_problems);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_tiles);
    splitter->addWidget(problemsBox);
    splitter->setStretchFactor(0, 4);
    splitter->setStretchFactor(1, 1);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->addLayout(header);
    layout->addWidget(splitter, 1);

    connect(&hub, &SnapshotHub::snapshotChanged, this, &EstateOverview::applySnapshot);
    if (hub.current())
        applySnapshot(hub.current());
}

void EstateOverview::setTileScale(double scale)
{
    m_scale = scale;
    m_delegate->setScale(scale);
    updateGrid();
}

bool EstateOverview::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_tiles->viewport() && event->type() == QEvent::Resize)
        updateGrid();
    return QWidget::eventFilter(watched, event);
}

void EstateOverview::updateGrid()
{
    // Stretch tiles so the columns fill the width instead of leaving a ragged gap on the right.
    const int width = m_tiles->viewport()->width() - 2;
    const int columns = std::max(1, width / m_delegate->baseWidth());
    m_delegate->setTileWidth(std::max(m_delegate->baseWidth(), width / columns));
    const QSize grid = m_delegate->sizeHint(QStyleOptionViewItem(), QModelIndex());
    if (m_tiles->gridSize() != grid)
        m_tiles->setGridSize(grid);
}

void EstateOverview::applySnapshot(const Engine::SnapshotPtr &snapshot)
{
    if (!snapshot)
        return;
    m_model->setHealth(snapshot->health);
    const auto counts = m_model->stateCounts();
    const Theme &theme = Theme::current();
    auto part = [&](Engine::HealthState s, int n) {
        return QStringLiteral("<span style='color:%1'>%2 %3 %4</span>")
            .arg(theme.stateColor(s).name(), Theme::stateGlyph(s), QString::number(n), Theme::stateWord(s));
    };
    m_summary->setText(QStringLiteral("<b>%1</b> &nbsp; %2 &nbsp; %3 &nbsp; %4 &nbsp; <span style='color:%5'>sim %6</span>")
                           .arg(QString::fromStdString(snapshot->scenario.empty() ? std::string("estate") : snapshot->scenario),
                                part(Engine::HealthState::Critical, counts[3]), part(Engine::HealthState::Warning, counts[2]),
                                part(Engine::HealthState::Ok, counts[1]), theme.mutedText().name(), timeOfDay(snapshot->simTime)));

    // Problems list: merge recent events and WARN+ logs, newest first; rebuilt only when they changed.
    const std::uint64_t problemVersion = snapshot->recentProblems.size() + snapshot->eventCount * 1000003
                                         + (snapshot->recentProblems.empty() ? 0 : std::uint64_t(snapshot->recentProblems.back().ts));
    if (problemVersion == m_lastProblemVersion)
        return;
    m_lastProblemVersion = problemVersion;
    struct Line {
        Engine::Timestamp ts;
        QString text;
        QColor color;
    };
    std::vector<Line> lines;
    for (const auto &log : snapshot->recentProblems) {
        const auto state = log.level >= Engine::LogLevel::Error ? Engine::HealthState::Critical : Engine::HealthState::Warning;
        lines.push_back({log.ts,
                         QStringLiteral("%1  %2 %3  %4  %5")
                             .arg(timeOfDay(log.ts), Theme::stateGlyph(state), QString::fromLatin1(Engine::logLevelName(log.level)),
                                  QString::fromStdString(log.source), QString::fromStdString(log.message)),
                         theme.stateColor(state)});
    }
    for (const auto &event : snapshot->recentEvents)
        lines.push_back({event.ts,
                         QStringLiteral("%1  ◆ %2  %3").arg(timeOfDay(event.ts), QString::fromStdString(event.kind).toUpper(),
                                                             QString::fromStdString(event.title)),
                         theme.accent()});
    std::sort(lines.begin(), lines.end(), [](const Line &a, const Line &b) { return a.ts > b.ts; });
    if (lines.size() > 40)
        lines.resize(40);
    m_problems->clear();
    for (const auto &line : lines) {
        auto *item = new QListWidgetItem(line.text, m_problems);
        item->setForeground(line.color);
    }
}

} // namespace Nocturne::Ui
