#include "metrics_explorer.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineEdit>
#include <QLineSeries>
#include <QListView>
#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QThread>
#include <QValueAxis>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

#include "models/series_list_model.h"
#include "shell/snapshot_hub.h"
#include "theme/theme.h"

namespace Nocturne::Ui {

namespace {
constexpr int kMaxSelected = 6;

qint64 toMsecs(Engine::Timestamp t)
{
    return t / Engine::kMillisecond;
}

// The series a person would look at first in each built-in estate.
const char *const kDefaultSelectors[] = {
    "http_request_duration_p99_seconds{entity=\"order\"",
    "http_request_duration_p99_seconds{entity=\"gateway\"",
    "training_step_time_seconds{",
};
} // namespace

MetricsExplorer::MetricsExplorer(SnapshotHub &hub, QWidget *parent)
    : QWidget(parent)
    , m_hub(hub)
    , m_model(new SeriesListModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_search(new QLineEdit(this))
    , m_list(new QListView(this))
    , m_window(new QComboBox(this))
    , m_status(new QLabel(this))
    , m_chart(new QChart)
    , m_chartView(new QChartView(m_chart, this))
    , m_axisX(new QDateTimeAxis(m_chart))
    , m_axisY(new QValueAxis(m_chart))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_search->setPlaceholderText(tr("Search series (words or regex)…"));
    m_search->setClearButtonEnabled(true);
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString &text) {
        QRegularExpression re(text, QRegularExpression::CaseInsensitiveOption);
        // Words match anywhere; an invalid regex falls back to a literal match instead of matching nothing.
        m_proxy->setFilterRegularExpression(re.isValid() ? re : QRegularExpression(QRegularExpression::escape(text),
                                                                                    QRegularExpression::CaseInsensitiveOption));
    });
    m_list->setModel(m_proxy);
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_list->setUniformItemSizes(true);
    m_list->setTextElideMode(Qt::ElideMiddle);
    connect(m_list->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        m_lastRequestSim = 0;
        requestData();
    });

    m_window->addItem(tr("Last 15 minutes"), QVariant::fromValue<qint64>(15 * 60));
    m_window->addItem(tr("Last 30 minutes"), QVariant::fromValue<qint64>(30 * 60));
    m_window->addItem(tr("Last hour"), QVariant::fromValue<qint64>(3600));
    m_window->addItem(tr("Last 6 hours"), QVariant::fromValue<qint64>(6 * 3600));
    m_window->setCurrentIndex(1);
    connect(m_window, &QComboBox::currentIndexChanged, this, [this] {
        m_lastRequestSim = 0;
        requestData();
    });

    const Theme &theme = Theme::current();
    m_chart->setTheme(theme.kind() == Theme::Kind::Dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    m_chart->setBackgroundBrush(theme.panel());
    m_chart->setBackgroundRoundness(0);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->legend()->setLabelColor(theme.text());
    m_axisX->setFormat(QStringLiteral("HH:mm"));
    m_axisX->setTickCount(7);
    m_axisX->setLabelsVisible(true);
    m_axisX->setTitleVisible(false);
    m_axisY->setLabelFormat(QStringLiteral("%.3g"));
    for (QAbstractAxis *axis : {static_cast<QAbstractAxis *>(m_axisX), static_cast<QAbstractAxis *>(m_axisY)}) {
        axis->setLabelsColor(theme.mutedText());
        axis->setGridLineColor(theme.grid());
        axis->setLinePenColor(theme.grid());
    }
    m_chart->addAxis(m_axisX, Qt::AlignBottom);
    m_chart->addAxis(m_axisY, Qt::AlignLeft);
    // A fixed set of series objects, reused on every refresh: no churn of chart items at 1 Hz.
    for (int i = 0; i < kMaxSelected; ++i) {
        Slot slot;
        slot.upper = new QLineSeries(m_chart);
        slot.lower = new QLineSeries(m_chart);
        slot.band = new QAreaSeries(slot.upper, slot.lower);
        slot.avg = new QLineSeries;
        const QColor color = theme.seriesColor(i);
        QColor bandColor = color;
        bandColor.setAlphaF(0.22f);
        slot.band->setBrush(bandColor);
        slot.band->setPen(Qt::NoPen);
        slot.avg->setPen(QPen(color, 2));
        m_chart->addSeries(slot.band);
        m_chart->addSeries(slot.avg);
        for (QAbstractSeries *series : {static_cast<QAbstractSeries *>(slot.band), static_cast<QAbstractSeries *>(slot.avg)}) {
            series->attachAxis(m_axisX);
            series->attachAxis(m_axisY);
            series->setVisible(false);
        }
        m_slots.push_back(slot);
    }
    m_chartView->setRenderHint(QPainter::Antialiasing);

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_search);
    leftLayout->addWidget(m_list, 1);

    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    auto *toolbar = new QHBoxLayout;
    toolbar->addWidget(m_status, 1);
    toolbar->addWidget(m_window);
    rightLayout->addLayout(toolbar);
    rightLayout->addWidget(m_chartView, 1);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 3);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(splitter);

    connect(&hub, &SnapshotHub::snapshotChanged, this, &MetricsExplorer::applySnapshot);
    if (hub.current())
        applySnapshot(hub.current());
}

MetricsExplorer::~MetricsExplorer() = default;

Engine::Duration MetricsExplorer::window() const
{
    return m_window->currentData().toLongLong() * Engine::kSecond;
}

void MetricsExplorer::applySnapshot(const Engine::SnapshotPtr &snapshot)
{
    if (!snapshot)
        return;
    const std::size_t known = static_cast<std::size_t>(m_model->rowCount());
    if (snapshot->store.series > known && !m_fetchingList)
        fetchSeriesList(known, snapshot->store.series);
    // Charts move at 1 Hz of wall time at most; the snapshot rate (10 Hz) is for cheap status.
    if (std::abs(snapshot->simTime - m_lastRequestSim) >= Engine::kSecond && !m_requestInFlight)
        requestData();
}

void MetricsExplorer::fetchSeriesList(std::size_t from, std::size_t to)
{
    m_fetchingList = true;
    const Engine::SeriesStore *store = &m_hub.engine().store();
    auto future = QtConcurrent::run([store, from, to] {
        std::vector<SeriesEntry> entries;
        entries.reserve(to - from);
        for (std::size_t i = from; i < to; ++i) {
            const Engine::SeriesId id{static_cast<std::uint32_t>(i)};
            if (auto key = store->key(id))
                entries.push_back({id, QString::fromStdString(key->name), QString::fromStdString(key->canonical())});
        }
        return entries;
    });
    auto *watcher = new QFutureWatcher<std::vector<SeriesEntry>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        Q_ASSERT(QThread::currentThread() == thread());
        m_model->appendEntries(watcher->result());
        m_fetchingList = false;
        watcher->deleteLater();
        if (!m_defaultsApplied)
            selectDefaults();
    });
    watcher->setFuture(future);
}

void MetricsExplorer::selectDefaults()
{
    std::vector<Engine::SeriesId> ids;
    for (const char *selector : kDefaultSelectors) {
        const QString prefix = QString::fromLatin1(selector);
        for (int row = 0; row < m_model->rowCount(); ++row) {
            if (m_model->at(row)->label.startsWith(prefix)) {
                ids.push_back(m_model->at(row)->id);
                break;
            }
        }
    }
    if (ids.empty() && m_model->rowCount() > 0)
        ids.push_back(m_model->at(0)->id);
    if (!ids.empty()) {
        m_defaultsApplied = true;
        selectSeries(ids);
    }
}

void MetricsExplorer::selectSeries(const std::vector<Engine::SeriesId> &ids)
{
    QItemSelection selection;
    for (Engine::SeriesId id : ids) {
        const int row = m_model->rowOf(id);
        if (row < 0)
            continue;
        const QModelIndex proxyIndex = m_proxy->mapFromSource(m_model->index(row));
        if (proxyIndex.isValid())
            selection.select(proxyIndex, proxyIndex);
    }
    m_list->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
    if (!selection.isEmpty())
        m_list->scrollTo(selection.indexes().front());
}

std::vector<Engine::SeriesId> MetricsExplorer::selectedSeries() const
{
    std::vector<Engine::SeriesId> ids;
    const auto rows = m_list->selectionModel()->selectedRows();
    for (const QModelIndex &proxyIndex : rows) {
        const SeriesEntry *entry = m_model->at(m_proxy->mapToSource(proxyIndex).row());
        if (entry && ids.size() < kMaxSelected)
            ids.push_back(entry->id);
    }
    return ids;
}

void MetricsExplorer::requestData()
{
    const auto snapshot = m_hub.current();
    if (!snapshot)
        return;
    const std::vector<Engine::SeriesId> ids = selectedSeries();
    std::vector<std::pair<Engine::SeriesId, QString>> requests;
    for (Engine::SeriesId id : ids) {
        const int row = m_model->rowOf(id);
        requests.emplace_back(id, row >= 0 ? m_model->at(row)->label : QString());
    }
    const Engine::Timestamp to = snapshot->simTime;
    const Engine::Timestamp from = to - window();
    // One bucket per horizontal pixel of the plot: min and max give ~2 points per pixel.
    const std::size_t buckets = static_cast<std::size_t>(std::max(50, int(m_chart->plotArea().width())));
    const std::uint64_t generation = ++m_generation;
    m_lastRequestSim = to;
    m_requestInFlight = true;
    const Engine::SeriesStore *store = &m_hub.engine().store();
    auto future = QtConcurrent::run([store, requests, from, to, buckets] {
        std::vector<SeriesData> out;
        for (const auto &[id, label] : requests)
            out.push_back({id, label, store->downsample(id, from, to + 1, buckets)});
        return out;
    });
    auto *watcher = new QFutureWatcher<std::vector<SeriesData>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation, from, to] {
        m_requestInFlight = false;
        applyData(generation, watcher->result(), from, to);
        watcher->deleteLater();
    });
    watcher->setFuture(future);
}

void MetricsExplorer::applyData(std::uint64_t generation, std::vector<SeriesData> data, Engine::Timestamp from,
                                Engine::Timestamp to)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (generation != m_generation)
        return; // a newer request is on its way
    double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
    std::size_t points = 0;
    const QRegularExpression entity(QStringLiteral("entity=\"([^\"]*)\""));
    for (std::size_t i = 0; i < m_slots.size(); ++i) {
        Slot &slot = m_slots[i];
        if (i >= data.size()) {
            slot.avg->setVisible(false);
            slot.band->setVisible(false);
            slot.avg->clear();
            slot.upper->clear();
            slot.lower->clear();
            continue;
        }
        const SeriesData &series = data[i];
        QList<QPointF> avgPoints, upperPoints, lowerPoints;
        avgPoints.reserve(qsizetype(series.buckets.size()));
        upperPoints.reserve(qsizetype(series.buckets.size()));
        lowerPoints.reserve(qsizetype(series.buckets.size()));
        for (const auto &b : series.buckets) {
            const double x = double(toMsecs(b.start));
            avgPoints.append({x, b.avg});
            upperPoints.append({x, b.max});
            lowerPoints.append({x, b.min});
            lo = std::min(lo, b.min);
            hi = std::max(hi, b.max);
        }
        points += series.buckets.size() * 2;
        slot.avg->replace(avgPoints);
        slot.upper->replace(upperPoints);
        slot.lower->replace(lowerPoints);
        // Short legend names: metric plus the entity label.
        const auto match = entity.match(series.label);
        slot.avg->setName(match.hasMatch() ? series.label.section(QLatin1Char('{'), 0, 0) + QStringLiteral(" · ") + match.captured(1)
                                           : series.label);
        slot.avg->setVisible(true);
        slot.band->setVisible(true);
    }
    const auto markers = m_chart->legend()->markers();
    for (QLegendMarker *marker : markers)
        marker->setVisible(marker->series()->isVisible() && !qobject_cast<QAreaSeries *>(marker->series()));
    m_axisX->setRange(QDateTime::fromMSecsSinceEpoch(toMsecs(from), Qt::UTC),
                      QDateTime::fromMSecsSinceEpoch(toMsecs(to), Qt::UTC));
    if (std::isfinite(lo) && std::isfinite(hi)) {
        const double pad = (hi - lo) * 0.08 + (hi == lo ? std::max(1e-9, std::fabs(hi) * 0.1) : 0);
        // Non-negative data keeps a zero floor: a negative axis under a latency or a rate reads as a bug.
        m_axisY->setRange(lo >= 0 ? std::max(0.0, lo - pad) : lo - pad, hi + pad);
    }
    m_status->setText(data.empty() ? tr("Select one or more series on the left (Ctrl-click for several).")
                                   : tr("%n series · %1 points plotted", nullptr, int(data.size())).arg(points));
    setProperty("plottedPoints", int(points));
}

int MetricsExplorer::plottedPoints() const
{
    return property("plottedPoints").toInt();
}

} // namespace Nocturne::Ui
