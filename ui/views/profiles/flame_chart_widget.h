#pragma once

#include <QWidget>

#include <memory>

#include "profile/profile.h"

namespace Nocturne::Ui {

// The time-ordered flame chart of a profile's tracks (threads, or speedscope profiles): x is time, each track a band
// of stacked spans. Wheel zooms around the cursor, drag pans, double click resets.
class FlameChartWidget : public QWidget
{
    Q_OBJECT
public:
    explicit FlameChartWidget(QWidget *parent = nullptr);
    void setProfile(std::shared_ptr<const Engine::Profile> profile);
    void setTimeRange(double from, double to);
    double from() const { return m_from; }
    double to() const { return m_to; }
    QSize sizeHint() const override;
    static constexpr int kRowHeight = 16;

protected:
    void paintEvent(QPaintEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;

private:
    double timeAt(double x) const { return m_from + (m_to - m_from) * x / std::max(1, width()); }
    double xAt(double t) const { return (t - m_from) / std::max(1e-12, m_to - m_from) * width(); }

    std::shared_ptr<const Engine::Profile> m_profile;
    std::vector<int> m_trackTop;    // y of each track's header
    std::vector<int> m_trackDepth;  // rows per track
    double m_from = 0, m_to = 1, m_start = 0, m_end = 1;
    double m_dragTime = 0;
    bool m_dragging = false;
};

} // namespace Nocturne::Ui
