#pragma once

#include <QWidget>

#include "runtime/engine_snapshot.h"

class QLabel;
class QStackedWidget;
class QTimer;

namespace Nocturne::Ui {

class SnapshotHub;
class TimelineView;

// NOC wall mode (`nocturne --wall`): full screen without window chrome, readable from across a room (primary text
// ≥ 28 px at 1080p, scaled with the screen height), high contrast with state always shown by glyph and word as well
// as colour. Pages rotate by themselves — estate health, active incidents, alert timeline of the last 6 h, and on GPU
// clusters the fabric map — and a
// red banner says when data is stale (a feed down, or no data for 60 s). Needs no input; reads snapshots only.
class WallWindow : public QWidget
{
    Q_OBJECT
public:
    WallWindow(SnapshotHub &hub, int pageSeconds = 20, QWidget *parent = nullptr);

    int pageCount() const;
    void showPage(int index);
    int currentPage() const;
    bool staleBannerVisible() const;
    int primaryPixelSize() const { return m_primaryPx; }

protected:
    void resizeEvent(QResizeEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    void applySnapshot(const Engine::SnapshotPtr &snapshot);
    void restyle();
    void renderHealth(const Engine::EngineSnapshot &snapshot);
    void renderIncidents(const Engine::EngineSnapshot &snapshot);

    SnapshotHub &m_hub;
    QLabel *m_title;
    QLabel *m_clock;
    QLabel *m_banner;
    QStackedWidget *m_pages;
    QLabel *m_health;
    QLabel *m_incidents;
    TimelineView *m_timeline;
    QTimer *m_rotate;
    int m_primaryPx = 28;
};

} // namespace Nocturne::Ui
