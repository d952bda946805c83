#include "flame_chart_widget.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>

#include "theme/theme.h"

namespace Nocturne::Ui {

FlameChartWidget::FlameChartWidget(QWidget *parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
}

void FlameChartWidget::setProfile(std::shared_ptr<const Engine::Profile> profile)
{
    m_profile = std::move(profile);
    m_trackTop.clear();
    m_trackDepth.clear();
    m_start = 0;
    m_end = 1;
    int y = 0;
    bool first = true;
    if (m_profile) {
        for (const auto &track : m_profile->timeline) {
            std::uint32_t depth = 0;
            for (const auto &s : track.spans)
                depth = std::max(depth, s.depth + 1);
            m_trackTop.push_back(y);
            m_trackDepth.push_back(int(depth));
            y += (int(depth) + 1) * kRowHeight + 6;
            if (!track.spans.empty()) {
                m_start = first ? track.start : std::min(m_start, track.start);
                m_end = first ? track.end : std::max(m_end, track.end);
                first = false;
            }
        }
    }
    setMinimumHeight(std::max(60, y));
    setTimeRange(m_start, m_end > m_start ? m_end : m_start + 1);
    updateGeometry();
}

void FlameChartWidget::setTimeRange(double from, double to)
{
    const double span = std::max(to - from, (m_end - m_start) * 1e-7 + 1e-12);
    m_from = from;
    m_to = from + span;
    update();
}

QSize FlameChartWidget::sizeHint() const
{
    return {800, std::max(60, minimumHeight())};
}

void FlameChartWidget::paintEvent(QPaintEvent *event)
{
    QPainter p(this);
    const Theme &theme = Theme::current();
    p.fillRect(event->rect(), theme.panel());
    if (!m_profile || m_profile->timeline.empty()) {
        p.setPen(theme.mutedText());
        p.drawText(rect(), Qt::AlignCenter, tr("This profile has no time order (aggregated stacks only)"));
        return;
    }
    const QFontMetrics fm(font());
    const auto &frames = m_profile->tree().frames();
    for (std::size_t t = 0; t < m_profile->timeline.size(); ++t) {
        const auto &track = m_profile->timeline[t];
        const int top = m_trackTop[t];
        if (top > event->rect().bottom() || top + (m_trackDepth[t] + 1) * kRowHeight < event->rect().top())
            continue;
        p.setPen(theme.text());
        QFont bold = font();
        bold.setBold(true);
        p.setFont(bold);
        p.drawText(QRect(4, top, width() - 8, kRowHeight), Qt::AlignVCenter | Qt::AlignLeft,
                   tr("%1  ·  %2 spans").arg(QString::fromStdString(track.name)).arg(track.spans.size()));
        p.setFont(font());
        for (const auto &s : track.spans) {
            if (s.end < m_from || s.start > m_to)
                continue;
            const double x0 = std::max(0.0, xAt(s.start));
            const double x1 = std::min(double(width()), xAt(s.end));
            if (x1 - x0 < 0.5)
                continue;
            const QRectF box(x0, top + (s.depth + 1) * kRowHeight, std::max(1.0, x1 - x0 - 0.5), kRowHeight - 1);
            const uint h = qHash(QString::fromStdString(frames[s.frame].name));
            p.fillRect(box, QColor::fromHsl(int(h % 50) + 8, 160, 130 + int((h >> 8) % 40)));
            if (box.width() > 24) {
                p.setPen(QColor(0x10, 0x10, 0x14));
                p.drawText(box.adjusted(2, 0, -1, 0), Qt::AlignVCenter | Qt::AlignLeft,
                           fm.elidedText(QString::fromStdString(frames[s.frame].name), Qt::ElideRight, int(box.width()) - 3));
            }
        }
    }
    p.setPen(theme.mutedText());
    p.drawText(rect().adjusted(4, 0, -4, -2), Qt::AlignBottom | Qt::AlignRight,
               tr("%1 – %2 %3 · wheel: zoom · drag: pan · double click: reset")
                   .arg(m_from - m_start, 0, 'g', 6)
                   .arg(m_to - m_start, 0, 'g', 6)
                   .arg(QString::fromStdString(m_profile->timeUnit)));
}

void FlameChartWidget::wheelEvent(QWheelEvent *event)
{
    const double factor = event->angleDelta().y() > 0 ? 0.8 : 1.25;
    const double pivot = timeAt(event->position().x());
    setTimeRange(pivot - (pivot - m_from) * factor, pivot + (m_to - pivot) * factor);
    event->accept();
}

void FlameChartWidget::mousePressEvent(QMouseEvent *event)
{
    m_dragging = event->button() == Qt::LeftButton;
    m_dragTime = timeAt(event->position().x());
}

void FlameChartWidget::mouseMoveEvent(QMouseEvent *event)
{
    if (m_dragging && (event->buttons() & Qt::LeftButton)) {
        const double shift = m_dragTime - timeAt(event->position().x());
        setTimeRange(m_from + shift, m_to + shift);
        return;
    }
    if (!m_profile)
        return;
    const double t = timeAt(event->position().x());
    const int y = int(event->position().y());
    for (std::size_t k = 0; k < m_profile->timeline.size(); ++k) {
        const int row = (y - m_trackTop[k]) / kRowHeight - 1;
        if (row < 0 || row >= m_trackDepth[k])
            continue;
        for (const auto &s : m_profile->timeline[k].spans) {
            if (int(s.depth) == row && s.start <= t && t <= s.end) {
                QToolTip::showText(event->globalPosition().toPoint(),
                                   tr("<b>%1</b><br>%2 %3").arg(QString::fromStdString(m_profile->tree().frames()[s.frame].name).toHtmlEscaped())
                                       .arg(s.end - s.start, 0, 'g', 6).arg(QString::fromStdString(m_profile->timeUnit)),
                                   this);
                return;
            }
        }
    }
    QToolTip::hideText();
}

void FlameChartWidget::mouseDoubleClickEvent(QMouseEvent *)
{
    setTimeRange(m_start, m_end);
}

} // namespace Nocturne::Ui
