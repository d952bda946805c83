#pragma once

#include <QColor>
#include <QList>
#include <QRectF>

class QPainter;

namespace Nocturne::Ui {

// Draws a small line of recent values scaled to its own min/max; flat series sit in the middle.
void paintSparkline(QPainter &painter, const QRectF &rect, const QList<double> &values, const QColor &color);

} // namespace Nocturne::Ui
