#include "flame_graph_widget.h"

#include <QContextMenuEvent>
#include <QGuiApplication>
#include <QClipboard>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <cmath>

#include "theme/theme.h"

namespace Nocturne::Ui {

using Engine::CallNodeId;
using Engine::CallTree;

namespace {
// The package a frame belongs to when the profile names no module: "a/b.(*T).f" → "a/b", "ns::C::f" → "ns::C",
// "java/lang/String.hash" → "java/lang".
QString packageOf(const Engine::Frame &frame)
{
    if (!frame.module.empty())
        return QString::fromStdString(frame.module);
    const std::string &n = frame.name;
    if (const auto colons = n.rfind("::"); colons != std::string::npos && colons > 0)
        return QString::fromStdString(n.substr(0, colons));
    const auto slash = n.rfind('/');
    const auto dot = n.find('.', slash == std::string::npos ? 0 : slash);
    if (dot != std::string::npos && dot > 0)
        return QString::fromStdString(n.substr(0, dot));
    return QString::fromStdString(n);
}

QString weightText(double v, const std::string &unit)
{
    if (unit == "nanoseconds") {
        if (v >= 1e9)
            return QStringLiteral("%1 s").arg(v / 1e9, 0, 'f', 2);
        return QStringLiteral("%1 ms").arg(v / 1e6, 0, 'f', 2);
    }
    if (unit == "microseconds")
        return QStringLiteral("%1 ms").arg(v / 1e3, 0, 'f', 2);
    if (unit == "bytes")
        return QLocale().formattedDataSize(qint64(v));
    return QStringLiteral("%1 %2").arg(QLocale().toString(v, 'f', v == std::floor(v) ? 0 : 2), QString::fromStdString(unit));
}
} // namespace

FlameGraphWidget::FlameGraphWidget(QWidget *parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void FlameGraphWidget::setTree(std::shared_ptr<const CallTree> tree)
{
    m_diff.reset();
    m_tree = std::move(tree);
    m_zoom = CallTree::root();
    if (m_colorMode == ColorMode::Diff)
        m_colorMode = ColorMode::Module;
    invalidateLayout();
}

void FlameGraphWidget::setDiff(std::shared_ptr<const Engine::CallTreeDiff> diff, bool showBaseline)
{
    m_diff = std::move(diff);
    m_tree = m_diff ? std::shared_ptr<const CallTree>(m_diff, &m_diff->tree) : nullptr;
    m_showBaseline = showBaseline;
    m_zoom = CallTree::root();
    m_colorMode = ColorMode::Diff;
    invalidateLayout();
}

void FlameGraphWidget::setOrientation(Orientation orientation)
{
    m_orientation = orientation;
    update();
}

void FlameGraphWidget::setColorMode(ColorMode mode)
{
    m_colorMode = mode == ColorMode::Diff && !m_diff ? ColorMode::Module : mode;
    update();
}

void FlameGraphWidget::setSearchMask(std::vector<char> mask)
{
    m_search = std::move(mask);
    update();
}

void FlameGraphWidget::setTitle(const QString &title)
{
    m_title = title;
    invalidateLayout();
}

void FlameGraphWidget::setZoom(CallNodeId node)
{
    if (!m_tree || node.value >= m_tree->size())
        node = CallTree::root();
    if (node == m_zoom)
        return;
    m_zoom = node;
    invalidateLayout();
    Q_EMIT zoomChanged(node);
}

void FlameGraphWidget::invalidateLayout()
{
    m_layoutValid = false;
    updateGeometry();
    update();
}

const FlameLayout &FlameGraphWidget::layout() const
{
    if (!m_layoutValid || m_layoutWidth != width()) {
        m_layout = m_tree ? layoutFlame(*m_tree, m_zoom, width(), 0.5, m_showBaseline && m_diff ? std::span<const double>(m_diff->before) : std::span<const double>())
                          : FlameLayout{};
        m_layoutValid = true;
        m_layoutWidth = width();
    }
    return m_layout;
}

QSize FlameGraphWidget::sizeHint() const
{
    const int rows = m_tree ? int(m_tree->maxDepth()) + 1 : 10;
    return {800, headerHeight() + rows * kRowHeight + 4};
}

QSize FlameGraphWidget::minimumSizeHint() const
{
    return {200, headerHeight() + (m_tree ? int(m_tree->maxDepth() + 1) : 4) * kRowHeight + 4};
}

void FlameGraphWidget::resizeEvent(QResizeEvent *event)
{
    m_layoutValid = false;
    QWidget::resizeEvent(event);
}

QRectF FlameGraphWidget::boxRect(const FlameRect &r) const
{
    const double y = m_orientation == Orientation::Icicle ? headerHeight() + r.depth * kRowHeight
                                                          : height() - (r.depth + 1) * kRowHeight - 2;
    return QRectF(r.x0, y, std::max(1.0f, r.x1 - r.x0), kRowHeight - 1);
}

QColor FlameGraphWidget::boxColor(CallNodeId id) const
{
    const auto &n = m_tree->node(id);
    if (!n.frame.isValid())
        return Theme::current().panelRaised();
    if (!m_search.empty()) {
        if (n.frame.value < m_search.size() && m_search[n.frame.value])
            return QColor(0xd0, 0x4c, 0xe0); // matches: magenta, whatever the colour mode
    }
    QColor c;
    switch (m_colorMode) {
    case ColorMode::Module: {
        const uint h = qHash(packageOf(m_tree->frames()[n.frame]));
        c = QColor::fromHsl(int(h % 50) + 8, 150 + int((h >> 8) % 70), 120 + int((h >> 16) % 50)); // warm, per package
        break;
    }
    case ColorMode::Self: {
        const double share = n.total > 0 ? n.self / n.total : 0.0; // how much of this box is its own work
        c = QColor::fromHsl(int(45 - 45 * share), 200, int(170 - 60 * share));
        break;
    }
    case ColorMode::Diff: {
        const double before = m_diff->before[id.value];
        const double after = n.total;
        const double base = std::max(before, after);
        const double r = base > 0 ? (after - before) / base : 0.0; // −1 … 1
        const double strength = std::min(1.0, std::abs(r) * 1.6);
        const int light = int(200 - 90 * strength);
        c = std::abs(r) < 0.02 ? QColor(0xb8, 0xb8, 0xb8) : QColor::fromHsl(r > 0 ? 2 : 212, int(60 + 170 * strength), light);
        break;
    }
    }
    if (!m_search.empty())
        c.setAlpha(90);
    return c;
}

void FlameGraphWidget::paintEvent(QPaintEvent *event)
{
    QPainter p(this);
    const Theme &theme = Theme::current();
    p.fillRect(event->rect(), theme.panel());
    if (!m_tree || m_tree->total() <= 0) {
        p.setPen(theme.mutedText());
        p.drawText(rect(), Qt::AlignCenter, tr("No profile loaded"));
        return;
    }
    if (!m_title.isEmpty()) {
        p.setPen(theme.text());
        QFont bold = font();
        bold.setBold(true);
        p.setFont(bold);
        p.drawText(QRect(6, 2, width() - 12, kRowHeight), Qt::AlignVCenter | Qt::AlignLeft, m_title);
        p.setFont(font());
    }
    const FlameLayout &l = layout();
    const QFontMetrics fm(font());
    const int minLabel = fm.horizontalAdvance(QStringLiteral("abc"));
    const QRectF clip = event->rect();
    for (const FlameRect &r : l.rects) {
        const QRectF box = boxRect(r);
        if (!box.intersects(clip))
            continue;
        const QColor fill = boxColor(r.node);
        p.fillRect(box.adjusted(0, 0, -0.5, 0), fill);
        if (box.width() >= minLabel + 6) {
            const QString name = QString::fromUtf8(m_tree->name(r.node).data(), qsizetype(m_tree->name(r.node).size()));
            p.setPen(fill.lightness() > 140 || fill.alpha() < 128 ? QColor(0x10, 0x10, 0x14) : QColor(0xf4, 0xf4, 0xf4));
            if (fill.alpha() < 128)
                p.setPen(theme.mutedText());
            p.drawText(box.adjusted(3, 0, -2, 0), Qt::AlignVCenter | Qt::AlignLeft, fm.elidedText(name, Qt::ElideRight, int(box.width()) - 5));
        }
    }
}

CallNodeId FlameGraphWidget::nodeAt(const QPoint &pos) const
{
    if (!m_tree)
        return {};
    for (const FlameRect &r : layout().rects) {
        if (boxRect(r).contains(pos))
            return r.node;
    }
    return {};
}

QString FlameGraphWidget::tooltipFor(CallNodeId id) const
{
    const auto &n = m_tree->node(id);
    const double total = m_tree->total();
    QString text = QStringLiteral("<b>%1</b>").arg(QString::fromUtf8(m_tree->name(id).data(), qsizetype(m_tree->name(id).size())).toHtmlEscaped());
    if (n.frame.isValid() && !m_tree->frames()[n.frame].module.empty())
        text += QStringLiteral("<br>module: %1").arg(QString::fromStdString(m_tree->frames()[n.frame].module).toHtmlEscaped());
    text += QStringLiteral("<br>total: %1 (%2 %)<br>self: %3 (%4 %)")
                .arg(weightText(n.total, m_tree->unit))
                .arg(100 * n.total / total, 0, 'f', 2)
                .arg(weightText(n.self, m_tree->unit))
                .arg(100 * n.self / total, 0, 'f', 2);
    if (m_diff) {
        const double before = m_diff->before[id.value];
        text += QStringLiteral("<br>baseline (normalised): %1 (%2 %)<br>change: %3%4 (%5%6 points of the profile)")
                    .arg(weightText(before, m_tree->unit))
                    .arg(100 * before / total, 0, 'f', 2)
                    .arg(n.total >= before ? QStringLiteral("+") : QString())
                    .arg(weightText(n.total - before, m_tree->unit))
                    .arg(n.total >= before ? QStringLiteral("+") : QString())
                    .arg(100 * (n.total - before) / total, 0, 'f', 2);
    }
    text += tr("<br><i>click: zoom · right click: sandwich</i>");
    return text;
}

void FlameGraphWidget::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton)
        return;
    const CallNodeId id = nodeAt(event->position().toPoint());
    if (id.isValid())
        setZoom(id);
}

void FlameGraphWidget::mouseDoubleClickEvent(QMouseEvent *)
{
    if (m_tree && m_zoom != CallTree::root())
        setZoom(m_tree->node(m_zoom).parent);
}

void FlameGraphWidget::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Escape || event->key() == Qt::Key_Backspace) {
        if (m_tree && m_zoom != CallTree::root())
            setZoom(m_tree->node(m_zoom).parent);
        return;
    }
    if (event->key() == Qt::Key_Home) {
        setZoom(CallTree::root());
        return;
    }
    QWidget::keyPressEvent(event);
}

void FlameGraphWidget::mouseMoveEvent(QMouseEvent *event)
{
    const CallNodeId id = nodeAt(event->position().toPoint());
    if (id.isValid())
        QToolTip::showText(event->globalPosition().toPoint(), tooltipFor(id), this);
    else
        QToolTip::hideText();
}

void FlameGraphWidget::contextMenuEvent(QContextMenuEvent *event)
{
    const CallNodeId id = nodeAt(event->pos());
    if (!id.isValid() || !m_tree->node(id).frame.isValid())
        return;
    const Engine::FrameId frame = m_tree->node(id).frame;
    const QString name = QString::fromStdString(m_tree->frames()[frame].name);
    QMenu menu(this);
    menu.addAction(tr("Sandwich: callers and callees of %1").arg(name.left(60)), this, [this, frame] { Q_EMIT sandwichRequested(frame); });
    menu.addAction(tr("Zoom here"), this, [this, id] { setZoom(id); });
    menu.addAction(tr("Copy function name"), this, [name] { QGuiApplication::clipboard()->setText(name); });
    menu.exec(event->globalPos());
}

} // namespace Nocturne::Ui
