#include "sparkline.h"

#include <QPainter>
#include <QPolygonF>

#include <algorithm>

namespace Nocturne::Ui {

void paintSparkline(QPainter &painter, const QRectF &rect, const QList<double> &values, const QColor &color)
{
    if (values.size() < 2 || rect.width() < 4 || rect.height() < 4)
        return;
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    const double low = *lo, span = *hi - *lo;
    QPolygonF line;
    line.reserve(values.size() + 2);
    for (qsizetype i = 0; i < values.size(); ++i) {
        const double x = rect.left() + rect.width() * double(i) / double(values.size() - 1);
        const double f = span > 0 ? (values[i] - low) / span : 0.5;
        line.append(QPointF(x, rect.bottom() - f * rect.height()));
    }
    QPolygonF area = line;
    area.append(QPointF(line.last().x(), rect.bottom()));
    area.append(QPointF(line.first().x(), rect.bottom()));
    QColor fill = color;
    fill.setAlphaF(0.18f);
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(fill);
    painter.drawPolygon(area);
    painter.setPen(QPen(color, 1.6));
    painter.setBrush(Qt::NoBrush);
    painter.drawPolyline(line);
    painter.restore();
}

} // namespace Nocturne::Ui
