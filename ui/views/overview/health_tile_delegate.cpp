#include "health_tile_delegate.h"

#include <QPainter>

#include "models/entity_health_model.h"
#include "theme/theme.h"
#include "widgets/sparkline.h"

namespace Nocturne::Ui {

QSize HealthTileDelegate::sizeHint(const QStyleOptionViewItem &, const QModelIndex &) const
{
    return QSize(m_tileWidth > 0 ? m_tileWidth : baseWidth(), int(118 * m_scale));
}

void HealthTileDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const Theme &theme = Theme::current();
    const auto state = static_cast<Engine::HealthState>(index.data(EntityHealthModel::StateRole).toInt());
    const QColor stateColor = theme.stateColor(state);
    const QRectF tile = QRectF(option.rect).adjusted(4, 4, -4, -4);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    QColor background = theme.panel();
    if (state == Engine::HealthState::Critical)
        background = QColor::fromRgbF(background.redF() * 0.75f + stateColor.redF() * 0.25f,
                                      background.greenF() * 0.75f + stateColor.greenF() * 0.25f,
                                      background.blueF() * 0.75f + stateColor.blueF() * 0.25f);
    painter->setPen(option.state & QStyle::State_Selected ? QPen(theme.accent(), 2) : QPen(theme.grid(), 1));
    painter->setBrush(background);
    painter->drawRoundedRect(tile, 6, 6);
    painter->fillRect(QRectF(tile.left(), tile.top() + 3, 6 * m_scale, tile.height() - 6), stateColor);

    const double pad = 14 * m_scale;
    const QRectF content = tile.adjusted(pad, 8 * m_scale, -10 * m_scale, -8 * m_scale);

    QFont nameFont = option.font;
    nameFont.setPointSizeF(11.5 * m_scale);
    nameFont.setBold(true);
    QFont smallFont = option.font;
    smallFont.setPointSizeF(8.5 * m_scale);

    // Top row: name on the left, glyph + state word on the right (state never by colour alone).
    painter->setFont(nameFont);
    const QString stateText = Theme::stateGlyph(state) + QLatin1Char(' ') + Theme::stateWord(state);
    const QFontMetricsF nameMetrics(nameFont);
    const double stateWidth = nameMetrics.horizontalAdvance(stateText);
    const QRectF topRow(content.left(), content.top(), content.width(), nameMetrics.height());
    painter->setPen(theme.text());
    painter->drawText(topRow.adjusted(0, 0, -stateWidth - 6, 0), Qt::AlignLeft | Qt::AlignVCenter,
                      nameMetrics.elidedText(index.data(Qt::DisplayRole).toString(), Qt::ElideMiddle, topRow.width() - stateWidth - 6));
    painter->setPen(stateColor);
    painter->drawText(topRow, Qt::AlignRight | Qt::AlignVCenter, stateText);

    // Second row: kind and what it measures now.
    painter->setFont(smallFont);
    const QFontMetricsF smallMetrics(smallFont);
    QRectF row(content.left(), topRow.bottom() + 2 * m_scale, content.width(), smallMetrics.height());
    const QString kind = index.data(EntityHealthModel::KindRole).toString();
    QString headline = index.data(EntityHealthModel::HeadlineRole).toString();
    if (headline.isEmpty())
        headline = index.data(EntityHealthModel::ChildrenRole).toString();
    painter->setPen(theme.mutedText());
    painter->drawText(row, Qt::AlignLeft | Qt::AlignVCenter,
                      smallMetrics.elidedText(kind + QStringLiteral(" · ") + headline, Qt::ElideRight, row.width()));

    // Third row: why it is not OK.
    const QString reason = index.data(EntityHealthModel::ReasonRole).toString();
    row.translate(0, smallMetrics.height() + 1);
    if (!reason.isEmpty() && state >= Engine::HealthState::Warning) {
        painter->setPen(stateColor.lighter(theme.kind() == Theme::Kind::Dark ? 125 : 80));
        painter->drawText(row, Qt::AlignLeft | Qt::AlignVCenter, smallMetrics.elidedText(reason, Qt::ElideRight, row.width()));
    }

    const QRectF spark(content.left(), row.bottom() + 4 * m_scale, content.width(), content.bottom() - row.bottom() - 4 * m_scale);
    paintSparkline(*painter, spark, index.data(EntityHealthModel::SparklineRole).value<QList<double>>(),
                   state >= Engine::HealthState::Warning ? stateColor : theme.accent());
    painter->restore();
}

} // namespace Nocturne::Ui
