#include "sparkline.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>

namespace Nocturne::Ui {

void paintSparkline(QPainter &painter, const QRectF &rect, const QList<double> &values, const QColor &color)
{
    if (values.size() < 2 || rect.width() < 4 || rect.height() < 4)
        return;
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    const double span = *hi - *lo;
    QPainterPath path;
    for (qsizetype i = 0; i < values.size(); ++i) {
        const double x = rect.left() + rect.width() * double(i) / double(values.size() - 1);
        const double f = span > 0 ? (values[i] - *lo) / span : 0.5;
        const double y = rect.bottom() - f * rect.height();
        if (i == 0)
            path.moveTo(x, y);
        else
            path.lineTo(x, y);
    }
    QPainterPath fill = path;
    fill.setFillRule(Qt::WindingFill);
    fill.lineTo(rect.right(), rect.bottom());
    fill.lineTo(rect.left(), rect.bottom());
    fill.closeSubpath();
    QColor area = color;
    area.setAlphaF(0.18f);
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing);
    painter.fillPath(fill, area);
    painter.setPen(QPen(color, 1.6));
    painter.drawPath(path);
    painter.restore();
}

} // namespace Nocturne::Ui
