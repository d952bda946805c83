#pragma once

#include <QStyledItemDelegate>

namespace Nocturne::Ui {

// Paints one health tile: state stripe, name, glyph and word, what it measures now, why it is not OK, sparkline.
class HealthTileDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    void setScale(double scale) { m_scale = scale; }
    int baseWidth() const { return int(232 * m_scale); }
    void setTileWidth(int width) { m_tileWidth = width; } // 0: the base width

private:
    double m_scale = 1.0; // wall mode draws larger tiles
    int m_tileWidth = 0;
};

} // namespace Nocturne::Ui
