#include "timeline_view.h"

#include <QDateTime>
#include <QKeyEvent>
#include <QPainter>
#include <QToolTip>
#include <QWheelEvent>
#include <QtConcurrent>

#include "models/alert_table_model.h"
#include "shell/snapshot_hub.h"
#include "theme/theme.h"

namespace Nocturne::Ui {

TimelineView::TimelineView(SnapshotHub *hub, QWidget *parent)
    : QWidget(parent)
    , m_hub(hub)
{
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setMinimumHeight(160);
    m_axis.width = 800;
    connect(&m_watcher, &QFutureWatcher<std::shared_ptr<const TimelineLayout>>::finished, this, [this] {
        if (m_watcher.future().isValid() && m_watcher.property("generation").toULongLong() == m_generation)
            setLayoutData(m_watcher.result(), m_now);
    });
    if (m_hub) {
        connect(m_hub, &SnapshotHub::snapshotChanged, this, &TimelineView::applySnapshot);
        if (m_hub->current())
            applySnapshot(m_hub->current());
    }
}

void TimelineView::setGutter(int pixels)
{
    m_gutter = std::max(60, pixels);
    m_axis.left = m_gutter;
    m_axis.width = std::max(50, width() - m_gutter - 8);
    update();
}

void TimelineView::setFollowNow(bool follow)
{
    m_follow = follow;
    if (m_follow && m_now) {
        const std::int64_t span = m_axis.span() > 1 ? m_axis.span() : 6 * 3600'000'000'000LL;
        m_axis.to = m_now + span / 20;
        m_axis.from = m_axis.to - span;
    }
    update();
}

void TimelineView::applySnapshot(const Engine::SnapshotPtr &snapshot)
{
    if (!snapshot || !snapshot->alerts)
        return;
    m_snapshot = snapshot;
    m_now = snapshot->simTime;
    if (m_axis.span() <= 1) {
        m_axis.to = m_now + m_defaultSpan / 24;
        m_axis.from = m_now - m_defaultSpan;
    }
    if (m_follow)
        setFollowNow(true);
    if (!isVisible() && m_layout)
        return; // catches up when shown
    // Active bars grow with time: rebuild on new alert data, and at most every few seconds otherwise.
    if (snapshot->alertsVersion != m_builtVersion)
        rebuild();
    else
        update();
}

void TimelineView::rebuild()
{
    if (!m_snapshot || !m_snapshot->alerts)
        return;
    m_builtVersion = m_snapshot->alertsVersion;
    const auto alerts = m_snapshot->alerts;
    const auto incidents = m_snapshot->incidents;
    const std::int64_t now = m_now;
    const auto collapsed = m_collapsed;
    const auto filter = m_filter;
    const std::int64_t incident = m_incident;
    m_watcher.setProperty("generation", QVariant::fromValue<qulonglong>(++m_generation));
    m_watcher.setFuture(QtConcurrent::run([alerts, incidents, now, collapsed, filter, incident] {
        return std::make_shared<const TimelineLayout>(TimelineLayout::build(*alerts, incidents ? *incidents : std::vector<Engine::Incident>{}, now,
                                                                            collapsed, filter, incident));
    }));
}

void TimelineView::setLayoutData(std::shared_ptr<const TimelineLayout> layout, std::int64_t now)
{
    m_layout = std::move(layout);
    m_now = now;
    m_laneBegin.assign(m_layout ? m_layout->lanes.size() + 1 : 1, 0);
    if (m_layout) {
        std::size_t b = 0;
        for (std::size_t lane = 0; lane <= m_layout->lanes.size(); ++lane) {
            while (b < m_layout->bars.size() && std::size_t(m_layout->bars[b].lane) < lane)
                ++b;
            m_laneBegin[lane] = b;
        }
        if (m_axis.span() <= 1) {
            m_axis.from = m_layout->minTime;
            m_axis.to = std::max(m_layout->maxTime, m_layout->minTime + TimeAxis::kMinSpan);
        }
    }
    clampScroll();
    update();
}

void TimelineView::setFilter(const QString &text)
{
    m_filter = text.toStdString();
    m_builtVersion = UINT64_MAX;
    rebuild();
}

void TimelineView::setIncident(qint64 incidentId)
{
    m_incident = incidentId;
    m_builtVersion = UINT64_MAX;
    rebuild();
}

void TimelineView::toggleGroup(const QString &group)
{
    const std::string g = group.toStdString();
    const auto it = std::find(m_collapsed.begin(), m_collapsed.end(), g);
    if (it == m_collapsed.end())
        m_collapsed.push_back(g);
    else
        m_collapsed.erase(it);
    m_builtVersion = UINT64_MAX;
    rebuild();
}

void TimelineView::clampScroll()
{
    const int lanes = m_layout ? int(m_layout->lanes.size()) : 0;
    const int visible = std::max(1, (height() - kAxisHeight) / kLaneHeight);
    m_firstLane = std::clamp(m_firstLane, 0, std::max(0, lanes - visible));
}

void TimelineView::resizeEvent(QResizeEvent *)
{
    m_axis.left = m_gutter;
    m_axis.width = std::max(50, width() - m_gutter - 8);
    clampScroll();
}

int TimelineView::laneAt(int y) const
{
    if (!m_layout || y < kAxisHeight)
        return -1;
    const int lane = m_firstLane + (y - kAxisHeight) / kLaneHeight;
    return lane < int(m_layout->lanes.size()) ? lane : -1;
}

const TimelineLayout::Bar *TimelineView::barAt(const QPoint &pos) const
{
    const int lane = laneAt(pos.y());
    if (lane < 0 || pos.x() < m_gutter)
        return nullptr;
    const std::int64_t t = m_axis.toTime(pos.x());
    const std::int64_t slack = m_axis.toTime(pos.x() + 3) - t;
    const TimelineLayout::Bar *hit = nullptr;
    for (std::size_t b = m_laneBegin[std::size_t(lane)]; b < m_laneBegin[std::size_t(lane) + 1]; ++b) {
        const auto &bar = m_layout->bars[b];
        if (bar.t0 - slack <= t && bar.t1 + slack >= t)
            hit = &bar; // the latest one wins
    }
    return hit;
}

void TimelineView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    const Theme &theme = Theme::current();
    p.fillRect(rect(), theme.window());
    const QRect area(m_gutter, kAxisHeight, width() - m_gutter, height() - kAxisHeight);
    // Time axis with ticks.
    QFont small = font();
    small.setPointSizeF(font().pointSizeF() * 0.9);
    p.setFont(small);
    const std::int64_t step = m_axis.tickStep(90);
    const std::int64_t firstTick = (m_axis.from / step + 1) * step;
    p.setPen(theme.grid());
    for (std::int64_t t = firstTick; t <= m_axis.to; t += step) {
        const int x = int(m_axis.toX(t));
        p.setPen(theme.grid());
        p.drawLine(x, kAxisHeight - 4, x, height());
        p.setPen(theme.mutedText());
        const QDateTime when = QDateTime::fromMSecsSinceEpoch(t / 1'000'000, Qt::UTC);
        const QString label = step >= 86'400'000'000'000LL ? when.toString(QStringLiteral("MM-dd"))
                            : step >= 60'000'000'000LL   ? when.toString(QStringLiteral("HH:mm"))
                                                         : when.toString(QStringLiteral("HH:mm:ss"));
        p.drawText(QRect(x - 45, 2, 90, kAxisHeight - 6), Qt::AlignCenter, label);
    }
    if (!m_layout) {
        p.setPen(theme.mutedText());
        p.drawText(area, Qt::AlignCenter, tr("No alerts yet"));
        return;
    }
    const int visibleLanes = (height() - kAxisHeight) / kLaneHeight + 1;
    const int lastLane = std::min(int(m_layout->lanes.size()), m_firstLane + visibleLanes);
    // Lanes: alternating rows and labels.
    p.setFont(font());
    for (int lane = m_firstLane; lane < lastLane; ++lane) {
        const int y = kAxisHeight + (lane - m_firstLane) * kLaneHeight;
        const auto &l = m_layout->lanes[std::size_t(lane)];
        if (l.header)
            p.fillRect(0, y, width(), kLaneHeight, theme.panelRaised());
        else if (lane % 2)
            p.fillRect(0, y, width(), kLaneHeight, theme.panel());
        p.setPen(l.header ? theme.text() : theme.mutedText());
        QFont f = font();
        f.setBold(l.header);
        p.setFont(f);
        const bool folded = l.header && std::find(m_collapsed.begin(), m_collapsed.end(), l.label) != m_collapsed.end();
        const QString text = (l.header ? (folded ? QStringLiteral("▸ ") : QStringLiteral("▾ ")) : QStringLiteral("    "))
                           + QString::fromStdString(l.label);
        p.drawText(QRect(6, y, m_gutter - 10, kLaneHeight), Qt::AlignVCenter | Qt::AlignLeft,
                   p.fontMetrics().elidedText(text, Qt::ElideMiddle, m_gutter - 10));
    }
    p.setClipRect(area);
    // Incident bands behind the bars: pixel-merged per severity so a zoomed-out week costs a handful of fills, labels
    // only where there is room.
    {
        struct Span {
            double x0, x1;
            Engine::AlertSeverity severity;
        };
        std::vector<Span> spans;
        std::vector<std::pair<Span, std::int64_t>> labels;
        for (const auto &band : m_layout->bands) {
            if (!m_axis.visible(band.t0, band.t1))
                continue;
            const double x0 = std::max(m_axis.toX(band.t0), double(m_gutter));
            const double x1 = std::max(x0 + 2, std::min(m_axis.toX(band.t1), double(width())));
            if (!spans.empty() && spans.back().severity == band.severity && x0 <= spans.back().x1 + 1)
                spans.back().x1 = std::max(spans.back().x1, x1);
            else
                spans.push_back({x0, x1, band.severity});
            if (x1 - x0 >= 48)
                labels.push_back({Span{x0, x1, band.severity}, band.incidentId});
        }
        for (const Span &span : spans) {
            QColor c = AlertTableModel::severityColor(span.severity);
            c.setAlpha(34);
            p.fillRect(QRectF(span.x0, kAxisHeight, span.x1 - span.x0, height() - kAxisHeight), c);
        }
        double labelEnd = -1;
        for (const auto &[span, id] : labels) {
            p.setPen(AlertTableModel::severityColor(span.severity));
            p.drawLine(QPointF(span.x0, kAxisHeight), QPointF(span.x0, height()));
            if (span.x0 < labelEnd)
                continue; // overlapping bands: the earlier label keeps its room
            labelEnd = span.x0 + p.fontMetrics().horizontalAdvance(QStringLiteral("INC-%1").arg(id)) + 8;
            p.drawText(QRectF(span.x0 + 3, kAxisHeight + 1, span.x1 - span.x0 - 4, 14), Qt::AlignLeft | Qt::AlignTop, QStringLiteral("INC-%1").arg(id));
        }
    }
    // Bars: only visible lanes, and within a lane only what is in view; sub-pixel neighbours merge.
    for (int lane = m_firstLane; lane < lastLane; ++lane) {
        const int y = kAxisHeight + (lane - m_firstLane) * kLaneHeight + 4;
        double lastX1 = -1;
        for (std::size_t b = m_laneBegin[std::size_t(lane)]; b < m_laneBegin[std::size_t(lane) + 1]; ++b) {
            const auto &bar = m_layout->bars[b];
            if (bar.t1 < m_axis.from)
                continue;
            if (bar.t0 > m_axis.to)
                break;
            const double x0 = std::max(m_axis.toX(bar.t0), double(m_gutter) - 2);
            const double x1 = std::max(x0 + 2, std::min(m_axis.toX(bar.t1), double(width() + 2)));
            if (x1 <= lastX1 + 0.5)
                continue;
            lastX1 = x1;
            const QRectF r(x0, y, x1 - x0, kLaneHeight - 8);
            const QColor c = AlertTableModel::severityColor(bar.severity);
            switch (bar.state) {
            case Engine::AlertState::Firing:
                p.fillRect(r, c);
                break;
            case Engine::AlertState::Acknowledged: {
                QColor half = c;
                half.setAlpha(120);
                p.fillRect(r, half);
                break;
            }
            case Engine::AlertState::Silenced:
            case Engine::AlertState::Inhibited:
                p.fillRect(r, QBrush(c, Qt::BDiagPattern));
                break;
            case Engine::AlertState::Resolved:
                p.setPen(QPen(c, 1));
                p.drawRect(r.adjusted(0.5, 0.5, -0.5, -0.5));
                break;
            }
        }
    }
    // Now-line.
    if (m_now >= m_axis.from && m_now <= m_axis.to) {
        p.setPen(QPen(theme.accent(), 2));
        const double x = m_axis.toX(m_now);
        p.drawLine(QPointF(x, kAxisHeight - 6), QPointF(x, height()));
    }
    // Brush.
    if (m_brushing) {
        QColor c = theme.accent();
        c.setAlpha(50);
        p.fillRect(QRect(QPoint(std::min(m_brushX0, m_brushX1), kAxisHeight), QPoint(std::max(m_brushX0, m_brushX1), height())), c);
    }
}

void TimelineView::wheelEvent(QWheelEvent *event)
{
    const double steps = event->angleDelta().y() / 120.0;
    if (event->modifiers() & (Qt::AltModifier | Qt::ShiftModifier)) {
        m_firstLane -= int(steps * 3);
        clampScroll();
    } else {
        m_follow = false;
        m_axis.zoom(std::pow(1.25, steps), event->position().x());
    }
    update();
    event->accept();
}

void TimelineView::mousePressEvent(QMouseEvent *event)
{
    m_pressPos = m_lastPos = event->pos();
    if (event->button() != Qt::LeftButton)
        return;
    if (event->pos().x() < m_gutter) {
        const int lane = laneAt(event->pos().y());
        if (lane >= 0 && m_layout->lanes[std::size_t(lane)].header)
            toggleGroup(QString::fromStdString(m_layout->lanes[std::size_t(lane)].label));
        return;
    }
    if (event->modifiers() & Qt::ShiftModifier) {
        m_brushing = true;
        m_brushX0 = m_brushX1 = event->pos().x();
    } else {
        m_dragging = true;
    }
}

void TimelineView::mouseMoveEvent(QMouseEvent *event)
{
    if (m_dragging) {
        m_follow = false;
        m_axis.pan(event->pos().x() - m_lastPos.x());
        m_firstLane -= (event->pos().y() - m_lastPos.y()) / kLaneHeight;
        clampScroll();
        m_lastPos = event->pos();
        update();
        return;
    }
    if (m_brushing) {
        m_brushX1 = event->pos().x();
        update();
        return;
    }
    if (const auto *bar = barAt(event->pos()); bar && m_snapshot && m_snapshot->alerts) {
        const auto &alerts = *m_snapshot->alerts;
        const auto it = std::find_if(alerts.begin(), alerts.end(), [&](const Engine::Alert &a) { return a.id == bar->alertId; });
        if (it != alerts.end()) {
            const auto when = [](std::int64_t t) { return QDateTime::fromMSecsSinceEpoch(t / 1'000'000, Qt::UTC).toString(QStringLiteral("HH:mm:ss")); };
            QToolTip::showText(event->globalPosition().toPoint(),
                               QStringLiteral("<b>%1</b><br>%2 · %3 · %4<br>%5 – %6%7")
                                   .arg(QString::fromStdString(it->name).toHtmlEscaped(), QString::fromStdString(it->entity).toHtmlEscaped(),
                                        QString::fromLatin1(Engine::alertSeverityName(it->severity)), QString::fromLatin1(Engine::alertStateName(it->state)),
                                        when(it->startsAt), it->active() ? tr("now") : when(it->endsAt),
                                        it->incidentId ? QStringLiteral("<br>INC-%1").arg(it->incidentId) : QString()),
                               this);
            return;
        }
    }
    QToolTip::hideText();
}

void TimelineView::mouseReleaseEvent(QMouseEvent *event)
{
    const bool click = (event->pos() - m_pressPos).manhattanLength() < 4;
    if (m_brushing) {
        m_brushing = false;
        if (!click) {
            const std::int64_t a = m_axis.toTime(std::min(m_brushX0, m_brushX1)), b = m_axis.toTime(std::max(m_brushX0, m_brushX1));
            Q_EMIT rangeSelected(a, b);
        }
        update();
    }
    m_dragging = false;
    if (click && event->button() == Qt::LeftButton && event->pos().x() >= m_gutter) {
        if (const auto *bar = barAt(event->pos())) {
            Q_EMIT alertActivated(bar->alertId);
        } else if (m_layout) {
            const std::int64_t t = m_axis.toTime(event->pos().x());
            for (auto it = m_layout->bands.rbegin(); it != m_layout->bands.rend(); ++it) {
                if (it->t0 <= t && it->t1 >= t) {
                    Q_EMIT incidentActivated(it->incidentId);
                    break;
                }
            }
        }
    }
}

void TimelineView::keyPressEvent(QKeyEvent *event)
{
    const double mid = m_axis.left + m_axis.width / 2;
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal: m_follow = false; m_axis.zoom(1.5, mid); break;
    case Qt::Key_Minus: m_follow = false; m_axis.zoom(1 / 1.5, mid); break;
    case Qt::Key_Left: m_follow = false; m_axis.pan(m_axis.width / 4); break;
    case Qt::Key_Right: m_follow = false; m_axis.pan(-m_axis.width / 4); break;
    case Qt::Key_Up: --m_firstLane; clampScroll(); break;
    case Qt::Key_Down: ++m_firstLane; clampScroll(); break;
    case Qt::Key_Home: setFollowNow(true); break;
    default: QWidget::keyPressEvent(event); return;
    }
    update();
}

} // namespace Nocturne::Ui
