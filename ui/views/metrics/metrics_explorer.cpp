#include "metrics_explorer.h"

#include <QAreaSeries>
#include <QCheckBox>
#include <QScatterSeries>
#include <QToolTip>
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
#include <QSplitter>
#include <QThread>
#include <QValueAxis>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>
#include <optional>

#include "models/pattern_filter_proxy.h"
#include "models/series_list_model.h"
#include "runtime/detection_service.h"
#include "shell/snapshot_hub.h"
#include "theme/theme.h"

namespace Nocturne::Ui {

namespace {
constexpr int kMaxSelected = 6;

qint64 toMsecs(Engine::Timestamp t)
{
    return t / Engine::kMillisecond;
}

// The value of the first `entity="…"` in a canonical series key, for the legend; nullopt when there is none.
std::optional<QString> entityOf(const QString &label)
{
    const QLatin1String key("entity=\"");
    const qsizetype start = label.indexOf(key);
    if (start < 0)
        return std::nullopt;
    const qsizetype from = start + key.size();
    const qsizetype end = label.indexOf(QLatin1Char('"'), from);
    if (end < 0)
        return std::nullopt;
    return label.mid(from, end - from);
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
    , m_proxy(new PatternFilterProxy(this))
    , m_search(new QLineEdit(this))
    , m_list(new QListView(this))
    , m_window(new QComboBox(this))
    , m_forecastToggle(new QCheckBox(tr("Forecast"), this))
    , m_rawCounters(new QCheckBox(tr("Raw counters"), this))
    , m_status(new QLabel(this))
    , m_chart(new QChart)
    , m_chartView(new QChartView(m_chart, this))
    , m_axisX(new QDateTimeAxis(m_chart))
    , m_axisY(new QValueAxis(m_chart))
{
    m_proxy->setSourceModel(m_model);
    m_search->setPlaceholderText(tr("Search series (words or regex)…"));
    m_search->setClearButtonEnabled(true);
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString &text) {
        // Words match anywhere; a pattern RE2 refuses is matched literally, and the tooltip says where it went wrong.
        m_proxy->setPattern(text);
        const QString error = m_proxy->patternError();
        m_search->setToolTip(error.isEmpty() ? QString() : tr("Matched as plain text: %1").arg(error));
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
    m_forecastToggle->setObjectName(QStringLiteral("forecastToggle"));
    m_forecastToggle->setToolTip(tr("Holt–Winters forecast of the first selected series with its 95 % interval"));
    connect(m_forecastToggle, &QCheckBox::toggled, this, [this] {
        m_lastRequestSim = 0;
        requestData();
    });

    m_rawCounters->setObjectName(QStringLiteral("rawCounterToggle"));
    m_rawCounters->setToolTip(tr("Counters are drawn as their per-second rate, like rate() in PromQL, which is also what "
                                 "the detector scores. Tick to draw their cumulative values instead."));
    connect(m_rawCounters, &QCheckBox::toggled, this, [this] {
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
    // Event spans first so they sit behind the data.
    for (int i = 0; i < 4; ++i) {
        auto *top = new QLineSeries(m_chart);
        auto *bottom = new QLineSeries(m_chart);
        auto *span = new QAreaSeries(top, bottom);
        QColor c = theme.stateColor(Engine::HealthState::Warning);
        c.setAlphaF(0.13f);
        span->setBrush(c);
        span->setPen(Qt::NoPen);
        span->setName(tr("anomaly event"));
        m_chart->addSeries(span);
        span->attachAxis(m_axisX);
        span->attachAxis(m_axisY);
        span->setVisible(false);
        m_eventSpans.push_back(span);
    }
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
        connect(slot.avg, &QLineSeries::hovered, this, [this, i](const QPointF &point, bool state) { showHover(point, state, i); });
        m_slots.push_back(slot);
    }
    auto *fcUpper = new QLineSeries(m_chart);
    auto *fcLower = new QLineSeries(m_chart);
    m_forecastBand = new QAreaSeries(fcUpper, fcLower);
    QColor fc = theme.mutedText();
    fc.setAlphaF(0.18f);
    m_forecastBand->setBrush(fc);
    m_forecastBand->setPen(Qt::NoPen);
    m_forecastLine = new QLineSeries;
    m_forecastLine->setName(tr("forecast (95 % interval)"));
    m_forecastLine->setPen(QPen(theme.text(), 1.5, Qt::DashLine));
    m_warnPoints = new QScatterSeries;
    m_warnPoints->setName(tr("anomaly ▲"));
    m_warnPoints->setMarkerShape(QScatterSeries::MarkerShapeTriangle);
    m_warnPoints->setMarkerSize(11);
    m_warnPoints->setColor(theme.stateColor(Engine::HealthState::Warning));
    m_warnPoints->setBorderColor(theme.panel());
    m_criticalPoints = new QScatterSeries;
    m_criticalPoints->setName(tr("strong anomaly ■"));
    m_criticalPoints->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    m_criticalPoints->setMarkerSize(11);
    m_criticalPoints->setColor(theme.stateColor(Engine::HealthState::Critical));
    m_criticalPoints->setBorderColor(theme.panel());
    for (QAbstractSeries *series : {static_cast<QAbstractSeries *>(m_forecastBand), static_cast<QAbstractSeries *>(m_forecastLine),
                                    static_cast<QAbstractSeries *>(m_warnPoints), static_cast<QAbstractSeries *>(m_criticalPoints)}) {
        m_chart->addSeries(series);
        series->attachAxis(m_axisX);
        series->attachAxis(m_axisY);
        series->setVisible(false);
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
    toolbar->addWidget(m_rawCounters);
    toolbar->addWidget(m_forecastToggle);
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
    if (isVisible() && std::abs(snapshot->simTime - m_lastRequestSim) >= Engine::kSecond && !m_requestInFlight)
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
            auto key = store->key(id);
            if (key && !Engine::DetectionService::isDerived(*key))
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
    struct Request {
        Engine::SeriesId id;
        QString label;
        Engine::DetectionService::BandIds bands;
    };
    std::vector<Request> requests;
    Engine::Engine &engine = m_hub.engine();
    const bool rawCounters = m_rawCounters->isChecked();
    for (Engine::SeriesId id : selectedSeries()) {
        const int row = m_model->rowOf(id);
        QString label = row >= 0 ? m_model->at(row)->label : QString();
        // The engine decides what is a counter (declared type, else the name) and keeps its rate as a series.
        const Engine::SeriesId rate = engine.detection() && !rawCounters ? engine.detection()->rateOf(id) : Engine::SeriesId{};
        if (rate.isValid()) {
            id = rate;
            const qsizetype brace = label.indexOf(QLatin1Char('{'));
            label.insert(brace < 0 ? label.size() : brace, QLatin1String(Engine::DetectionService::kRateSuffix));
        }
        requests.push_back({id, label, engine.detection() ? engine.detection()->bandsOf(id) : Engine::DetectionService::BandIds{}});
    }
    const Engine::Duration span = window();
    const Engine::Timestamp to = snapshot->simTime;
    const Engine::Timestamp from = to - span;
    const bool wantForecast = m_forecastToggle->isChecked() && !requests.empty();
    // One bucket per horizontal pixel of the plot: min and max give ~2 points per pixel.
    const std::size_t buckets = static_cast<std::size_t>(std::max(50, int(m_chart->plotArea().width())));
    const std::uint64_t generation = ++m_generation;
    m_lastRequestSim = to;
    m_requestInFlight = true;
    const Engine::Engine *enginePtr = &engine;
    auto future = QtConcurrent::run([enginePtr, requests, from, to, span, buckets, wantForecast] {
        const Engine::SeriesStore &store = enginePtr->store();
        Result result;
        for (const auto &r : requests) {
            SeriesData data{r.id, r.label, {}, store.downsample(r.id, from, to + 1, buckets), {}, {}, {}};
            if (auto key = store.key(r.id))
                data.entity = QString::fromStdString(std::string(key->label("entity")));
            if (r.bands.score.isValid()) {
                data.lower = store.downsample(r.bands.lower, from, to + 1, buckets);
                data.upper = store.downsample(r.bands.upper, from, to + 1, buckets);
                data.score = store.downsample(r.bands.score, from, to + 1, buckets);
            }
            result.series.push_back(std::move(data));
        }
        if (wantForecast) {
            // Forecast a third of the window ahead, on a grid of ~120 steps per window, with daily seasonality.
            Engine::ForecastRequest request;
            request.step = std::max<Engine::Duration>(10 * Engine::kSecond, span / 120);
            request.horizon = span / 3;
            request.season = Engine::kDay;
            if (auto forecast = enginePtr->forecast(requests.front().id, request))
                result.forecast = std::move(forecast->points);
        }
        return result;
    });
    auto *watcher = new QFutureWatcher<Result>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation, from, to] {
        m_requestInFlight = false;
        applyData(generation, watcher->result(), from, to);
        watcher->deleteLater();
    });
    watcher->setFuture(future);
}

void MetricsExplorer::applyData(std::uint64_t generation, Result result, Engine::Timestamp from, Engine::Timestamp to)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (generation != m_generation)
        return; // a newer request is on its way
    const std::vector<SeriesData> &data = result.series;
    double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
    std::size_t points = 0;
    QList<QPointF> warn, critical;
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
        for (const auto &b : series.buckets) {
            avgPoints.append({double(toMsecs(b.start)), b.avg});
            lo = std::min(lo, b.min);
            hi = std::max(hi, b.max);
        }
        // The shaded band is what the detector expected (lower..upper); without a detector, the data's min..max.
        const bool expected = !series.lower.empty() && series.lower.size() == series.upper.size();
        const auto &bandLow = expected ? series.lower : series.buckets;
        const auto &bandHigh = expected ? series.upper : series.buckets;
        for (std::size_t k = 0; k < bandLow.size() && k < bandHigh.size(); ++k) {
            const double x = double(toMsecs(bandLow[k].start));
            lowerPoints.append({x, expected ? bandLow[k].avg : bandLow[k].min});
            upperPoints.append({x, expected ? bandHigh[k].avg : bandHigh[k].max});
        }
        // Anomalous buckets: marked on the line where the detector's score peaked at or above the threshold.
        std::size_t b = 0;
        for (const auto &sc : series.score) {
            while (b + 1 < series.buckets.size() && series.buckets[b].start < sc.start)
                ++b;
            if (sc.max >= 0.5 && b < series.buckets.size())
                (sc.max >= 0.8 ? critical : warn).append({double(toMsecs(sc.start)), series.buckets[b].max});
        }
        points += series.buckets.size() * 2;
        slot.avg->replace(avgPoints);
        slot.upper->replace(upperPoints);
        slot.lower->replace(lowerPoints);
        const std::optional<QString> entity = entityOf(series.label);
        slot.avg->setName(entity ? series.label.section(QLatin1Char('{'), 0, 0) + QStringLiteral(" · ") + *entity
                                 : series.label);
        slot.avg->setVisible(true);
        slot.band->setVisible(true);
    }
    m_warnPoints->replace(warn);
    m_criticalPoints->replace(critical);
    m_warnPoints->setVisible(!warn.isEmpty());
    m_criticalPoints->setVisible(!critical.isEmpty());

    // Forecast to the right of "now".
    Engine::Timestamp axisEnd = to;
    QList<QPointF> fcLine, fcUpper, fcLower;
    for (const auto &p : result.forecast) {
        fcLine.append({double(toMsecs(p.ts)), p.value});
        fcUpper.append({double(toMsecs(p.ts)), p.upper});
        fcLower.append({double(toMsecs(p.ts)), p.lower});
        lo = std::min(lo, p.lower);
        hi = std::max(hi, p.upper);
        axisEnd = std::max(axisEnd, p.ts);
    }
    m_forecastLine->replace(fcLine);
    m_forecastBand->upperSeries()->replace(fcUpper);
    m_forecastBand->lowerSeries()->replace(fcLower);
    m_forecastLine->setVisible(!fcLine.isEmpty());
    m_forecastBand->setVisible(!fcLine.isEmpty());

    double yLow = lo, yHigh = hi;
    if (std::isfinite(lo) && std::isfinite(hi)) {
        const double pad = (hi - lo) * 0.08 + (hi == lo ? std::max(1e-9, std::fabs(hi) * 0.1) : 0);
        // Non-negative data keeps a zero floor: a negative axis under a latency or a rate reads as a bug.
        yLow = lo >= 0 ? std::max(0.0, lo - pad) : lo - pad;
        yHigh = hi + pad;
        m_axisY->setRange(yLow, yHigh);
    }

    // Anomaly events of the plotted entities, as spans behind the data.
    std::vector<std::pair<Engine::Timestamp, Engine::Timestamp>> spans;
    if (const auto snapshot = m_hub.current()) {
        auto consider = [&](const Engine::AnomalyEvent &e) {
            const bool plotted = std::any_of(data.begin(), data.end(), [&](const SeriesData &d) { return d.entity.toStdString() == e.entity; });
            if (plotted && e.end >= from && e.onset <= to)
                spans.emplace_back(std::max(e.onset, from), e.open ? to : std::max(e.end, e.onset + 10 * Engine::kSecond));
        };
        for (const auto &e : snapshot->recentAnomalies)
            consider(e);
        for (const auto &e : snapshot->openAnomalies)
            consider(e);
    }
    for (std::size_t i = 0; i < m_eventSpans.size(); ++i) {
        QAreaSeries *span = m_eventSpans[i];
        if (i >= spans.size() || !std::isfinite(yLow)) {
            span->setVisible(false);
            continue;
        }
        const double x0 = double(toMsecs(spans[i].first)), x1 = double(toMsecs(spans[i].second));
        span->upperSeries()->replace({{x0, yHigh}, {x1, yHigh}});
        span->lowerSeries()->replace({{x0, yLow}, {x1, yLow}});
        span->setVisible(true);
    }

    const auto markers = m_chart->legend()->markers();
    for (QLegendMarker *marker : markers) {
        QAbstractSeries *series = marker->series();
        const bool isBand = qobject_cast<QAreaSeries *>(series) && series != m_eventSpans.front() && series != m_forecastBand;
        bool duplicateSpan = false;
        for (std::size_t i = 1; i < m_eventSpans.size(); ++i)
            duplicateSpan |= series == m_eventSpans[i];
        marker->setVisible(series->isVisible() && !isBand && !duplicateSpan && series != m_forecastBand);
    }
    m_axisX->setRange(QDateTime::fromMSecsSinceEpoch(toMsecs(from), Qt::UTC), QDateTime::fromMSecsSinceEpoch(toMsecs(axisEnd), Qt::UTC));
    m_status->setText(data.empty() ? tr("Select one or more series on the left (Ctrl-click for several).")
                                   : tr("%n series · %1 points plotted · shaded: expected band · hover for details", nullptr,
                                        int(data.size()))
                                         .arg(points));
    setProperty("plottedPoints", int(points));
    setProperty("anomalyMarkers", int(warn.size() + critical.size()));
    setProperty("forecastPoints", int(fcLine.size()));
    m_lastResult = std::move(result);
}

void MetricsExplorer::showHover(const QPointF &point, bool state, int slot)
{
    if (!state || slot < 0 || std::size_t(slot) >= m_lastResult.series.size()) {
        QToolTip::hideText();
        return;
    }
    const SeriesData &series = m_lastResult.series[std::size_t(slot)];
    const Engine::Timestamp t = Engine::Timestamp(point.x()) * Engine::kMillisecond;
    auto nearest = [t](const std::vector<Engine::DownsampleBucket> &buckets) -> const Engine::DownsampleBucket * {
        const Engine::DownsampleBucket *best = nullptr;
        for (const auto &b : buckets) {
            if (!best || std::llabs(b.start - t) < std::llabs(best->start - t))
                best = &b;
        }
        return best;
    };
    QString text = QStringLiteral("<b>%1</b><br>%2 UTC<br>value %3")
                       .arg(m_slots[std::size_t(slot)].avg->name().toHtmlEscaped(),
                            QString::fromStdString(Engine::formatIso8601(t)).mid(11, 8), QString::number(point.y(), 'g', 4));
    const auto *low = nearest(series.lower), *high = nearest(series.upper), *score = nearest(series.score);
    if (low && high)
        text += QStringLiteral("<br>expected %1 … %2").arg(QString::number(low->avg, 'g', 4), QString::number(high->avg, 'g', 4));
    if (score)
        text += QStringLiteral("<br>anomaly score %1").arg(score->max, 0, 'f', 2);
    // The reason comes from the anomaly event covering this moment, if any.
    if (const auto snapshot = m_hub.current()) {
        const std::string metric = series.label.section(QLatin1Char('{'), 0, 0).toStdString();
        auto describe = [&](const Engine::AnomalyEvent &e) {
            if (e.entity != series.entity.toStdString() || t < e.onset - Engine::kMinute || t > e.end + Engine::kMinute)
                return;
            for (const auto &m : e.metrics) {
                if (m.metric == metric)
                    text += QStringLiteral("<br>reason: %1").arg(QString::fromLatin1(Engine::anomalyReasonName(m.reason)));
            }
            text += QStringLiteral("<br>event: %1, %2 metric(s)")
                        .arg(QString::fromLatin1(Engine::eventSeverityName(e.severity)))
                        .arg(e.metrics.size());
        };
        for (const auto &e : snapshot->openAnomalies)
            describe(e);
        for (const auto &e : snapshot->recentAnomalies)
            describe(e);
    }
    QToolTip::showText(QCursor::pos(), text, m_chartView);
}

std::vector<Engine::SeriesId> MetricsExplorer::plottedSeries() const
{
    std::vector<Engine::SeriesId> ids;
    for (const SeriesData &series : m_lastResult.series)
        ids.push_back(series.id);
    return ids;
}

void MetricsExplorer::setShowRawCounters(bool raw)
{
    m_rawCounters->setChecked(raw);
}

int MetricsExplorer::plottedPoints() const
{
    return property("plottedPoints").toInt();
}

} // namespace Nocturne::Ui
