#pragma once

#include <QWidget>

#include <vector>

#include "core/strong_id.h"
#include "forecast/holt_winters.h"
#include "model/series_store.h"
#include "runtime/engine_snapshot.h"

class QAreaSeries;
class QChart;
class QLineSeries;
class QChartView;
class QCheckBox;
class QComboBox;
class QScatterSeries;
class QDateTimeAxis;
class QLabel;
class QLineEdit;
class QListView;
class QValueAxis;

namespace Nocturne::Ui {

class PatternFilterProxy;
class SeriesListModel;
class SnapshotHub;

// Metrics explorer: a searchable list of every series and a chart of the selected ones (up to six), each drawn as
// its average line inside its min/max envelope, decimated by the engine to about two points per pixel. A counter is
// drawn as its per-second rate (the engine's `<name>:rate` series, with the band the detector scored it against),
// as a Prometheus user would graph rate(x[…]); "Raw counters" shows the cumulative values instead. Queries run on a
// worker thread; a generation counter drops results that arrive after a newer request.
class MetricsExplorer : public QWidget
{
    Q_OBJECT
public:
    explicit MetricsExplorer(SnapshotHub &hub, QWidget *parent = nullptr);
    ~MetricsExplorer() override;

    SeriesListModel *model() const { return m_model; }
    QChart *chart() const { return m_chart; }
    void selectSeries(const std::vector<Engine::SeriesId> &ids);
    std::vector<Engine::SeriesId> selectedSeries() const;
    // Number of points currently plotted (all series, lines and envelopes): for tests of the decimation.
    int plottedPoints() const;
    // The series on the chart, in slot order: a selected counter's rate series unless raw counters are shown.
    std::vector<Engine::SeriesId> plottedSeries() const;
    void setShowRawCounters(bool raw);

private:
    struct SeriesData {
        Engine::SeriesId id;
        QString label;
        QString entity;
        std::vector<Engine::DownsampleBucket> buckets;
        std::vector<Engine::DownsampleBucket> lower, upper, score; // detector band and score, when available
    };
    struct Result {
        std::vector<SeriesData> series;
        std::vector<Engine::ForecastPoint> forecast; // for the first series, when asked
    };
    void applySnapshot(const Engine::SnapshotPtr &snapshot);
    void fetchSeriesList(std::size_t from, std::size_t to);
    void requestData();
    void applyData(std::uint64_t generation, Result result, Engine::Timestamp from, Engine::Timestamp to);
    void showHover(const QPointF &point, bool state, int slot);
    void selectDefaults();
    Engine::Duration window() const;

    SnapshotHub &m_hub;
    SeriesListModel *m_model;
    PatternFilterProxy *m_proxy;
    QLineEdit *m_search;
    QListView *m_list;
    QComboBox *m_window;
    QCheckBox *m_forecastToggle;
    QCheckBox *m_rawCounters;
    QLabel *m_status;
    QChart *m_chart;
    QChartView *m_chartView;
    QDateTimeAxis *m_axisX;
    QValueAxis *m_axisY;

    struct Slot {
        QLineSeries *avg = nullptr;
        QLineSeries *upper = nullptr;
        QLineSeries *lower = nullptr;
        QAreaSeries *band = nullptr;
    };
    std::vector<Slot> m_slots;
    QScatterSeries *m_warnPoints = nullptr;     // anomalous buckets, score 0.5–0.8 (triangles)
    QScatterSeries *m_criticalPoints = nullptr; // score ≥ 0.8 (squares)
    std::vector<QAreaSeries *> m_eventSpans;    // anomaly events of the plotted entities
    QLineSeries *m_forecastLine = nullptr;
    QAreaSeries *m_forecastBand = nullptr;
    Result m_lastResult;                        // what is on screen, for hover details
    std::uint64_t m_generation = 0;
    bool m_fetchingList = false;
    bool m_requestInFlight = false;
    bool m_defaultsApplied = false;
    Engine::Timestamp m_lastRequestSim = 0;
};

} // namespace Nocturne::Ui
