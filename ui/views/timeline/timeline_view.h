#pragma once

#include <QFutureWatcher>
#include <QWidget>

#include <memory>
#include <set>

#include "runtime/engine_snapshot.h"
#include "views/timeline/time_axis.h"
#include "views/timeline/timeline_layout.h"

namespace Nocturne::Ui {

class SnapshotHub;

// Alert timeline: swimlanes per group → entity (collapsible), alert bars coloured by severity with the state shown by
// fill (solid firing, half acknowledged, hatched silenced/inhibited, outline resolved), incidents as bands, a now-line.
// Wheel zooms around the cursor, drag pans, Shift+drag brushes a time range, Alt+wheel or ↑/↓ scroll lanes, +/−/←/→
// and Home (follow now) on the keyboard; hover explains a bar; click opens the alert or incident. The geometry is
// built on a worker thread from the snapshot; painting only maps it through the TimeAxis.
class TimelineView : public QWidget
{
    Q_OBJECT
public:
    explicit TimelineView(SnapshotHub *hub, QWidget *parent = nullptr);

    void setLayoutData(std::shared_ptr<const TimelineLayout> layout, std::int64_t now); // direct (tests, benchmarks)
    void setFilter(const QString &text);
    void setIncident(qint64 incidentId); // only this incident's alerts (0: all)
    void toggleGroup(const QString &group);
    const TimeAxis &axis() const { return m_axis; }
    TimeAxis &axis() { return m_axis; }
    void setFollowNow(bool follow);
    std::shared_ptr<const TimelineLayout> layoutData() const { return m_layout; }

    static constexpr int kGutter = 180; // default label gutter
    void setGutter(int pixels);
    void setDefaultSpan(std::int64_t nanoseconds) { m_defaultSpan = nanoseconds; }
    static constexpr int kAxisHeight = 26;
    static constexpr int kLaneHeight = 22;

Q_SIGNALS:
    void alertActivated(qint64 alertId);
    void incidentActivated(qint64 incidentId);
    void rangeSelected(qint64 from, qint64 to);

protected:
    void paintEvent(QPaintEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void applySnapshot(const Engine::SnapshotPtr &snapshot);
    void rebuild();
    const TimelineLayout::Bar *barAt(const QPoint &pos) const;
    int laneAt(int y) const;
    void clampScroll();

    SnapshotHub *m_hub;
    TimeAxis m_axis;
    std::shared_ptr<const TimelineLayout> m_layout;
    std::vector<std::size_t> m_laneBegin; // first bar index of each lane
    Engine::SnapshotPtr m_snapshot;
    std::uint64_t m_builtVersion = UINT64_MAX;
    std::uint64_t m_generation = 0;
    QFutureWatcher<std::shared_ptr<const TimelineLayout>> m_watcher;
    std::vector<std::string> m_collapsed;
    std::string m_filter;
    std::int64_t m_incident = 0;
    std::int64_t m_now = 0;
    bool m_follow = true;
    int m_gutter = kGutter;
    std::int64_t m_defaultSpan = 2 * 3600'000'000'000LL;
    int m_firstLane = 0;
    QPoint m_pressPos;
    QPoint m_lastPos;
    bool m_dragging = false;
    bool m_brushing = false;
    int m_brushX0 = 0, m_brushX1 = 0;
};

} // namespace Nocturne::Ui
