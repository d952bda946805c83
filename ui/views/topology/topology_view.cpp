#include "topology_view.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QHBoxLayout>
#include <QHelpEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMouseEvent>
#include <QPainter>
#include <QPushButton>
#include <QScrollBar>
#include <QSpinBox>
#include <QStaticText>
#include <QStyleOptionGraphicsItem>
#include <QToolTip>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <QtConcurrent>

#include <array>
#include <cmath>
#include <deque>
#include <unordered_map>

#include "runtime/engine.h"
#include "shell/snapshot_hub.h"
#include "theme/theme.h"

namespace Nocturne::Ui {

namespace {
Engine::HealthState stateOf(int s)
{
    switch (s) {
    case 0: return Engine::HealthState::Ok;
    case 1: return Engine::HealthState::Warning;
    case 2: return Engine::HealthState::Critical;
    default: return Engine::HealthState::Unknown;
    }
}

const QColor kSearchColor(0xd0, 0x4c, 0xe0);

// Liang–Barsky: clips a segment to a rectangle; false when nothing is left.
bool clipSegment(QPointF &a, QPointF &b, const QRectF &r)
{
    const double dx = b.x() - a.x(), dy = b.y() - a.y();
    double t0 = 0, t1 = 1;
    const double p[4] = {-dx, dx, -dy, dy};
    const double q[4] = {a.x() - r.left(), r.right() - a.x(), a.y() - r.top(), r.bottom() - a.y()};
    for (int i = 0; i < 4; ++i) {
        if (p[i] == 0) {
            if (q[i] < 0)
                return false;
            continue;
        }
        const double t = q[i] / p[i];
        if (p[i] < 0)
            t0 = std::max(t0, t);
        else
            t1 = std::min(t1, t);
        if (t0 > t1)
            return false;
    }
    const QPointF a0 = a;
    a = QPointF(a0.x() + t0 * dx, a0.y() + t0 * dy);
    b = QPointF(a0.x() + t1 * dx, a0.y() + t1 * dy);
    return true;
}
} // namespace

// The whole graph as one item: nodes and edges painted from arrays (per-item QGraphicsItems cost too much beyond a
// few thousand). Edges are flattened once into polylines; a frame clips each visible segment to the exposed area
// and draws them in a handful of batches (one per pen), so a long edge crossing a zoomed-in view costs its visible
// part only. Nodes are culled through a uniform grid. Level of detail: far out, nodes are coloured blocks and, on
// big graphs, only edges touching trouble are drawn; closer, rounded boxes with a state glyph; closer still, names.
class GraphItem : public QGraphicsItem
{
public:
    GraphItem(const GraphInput &graph, std::shared_ptr<const GraphLayout> layoutRef)
        : m_graph(graph)
        , m_layoutRef(std::move(layoutRef))
        , m_layout(*m_layoutRef)
    {
        const GraphLayout &layout = m_layout;
        setFlag(QGraphicsItem::ItemUsesExtendedStyleOption); // exposedRect is what needs painting, not the whole graph
        m_bounds = QRectF(QPointF(-20, -20), layout.bounds + QSizeF(40, 40));
        m_edgeStart.reserve(layout.edgePaths.size() + 1);
        for (const auto &p : layout.edgePaths) {
            m_edgeStart.push_back(int(m_points.size()));
            QRectF bounds;
            if (p.size() >= 4 && (p.size() - 1) % 3 == 0) {
                m_points.push_back(p.front());
                for (int k = 1; k + 2 < p.size(); k += 3) {
                    const QPointF p0 = p[k - 1], p1 = p[k], p2 = p[k + 1], p3 = p[k + 2];
                    // A straight piece (control points on the chord, as sfdp writes them) stays one segment.
                    const QLineF chord(p0, p3);
                    const auto offChord = [&](const QPointF &c) {
                        const double len = std::max(1e-9, chord.length());
                        return std::abs((p3.x() - p0.x()) * (p0.y() - c.y()) - (p0.x() - c.x()) * (p3.y() - p0.y())) / len;
                    };
                    if (offChord(p1) < 0.5 && offChord(p2) < 0.5) {
                        m_points.push_back(p3);
                        continue;
                    }
                    for (int s = 1; s <= 8; ++s) {
                        const double t = s / 8.0, u = 1 - t;
                        m_points.push_back(u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3);
                    }
                }
            } else {
                for (const QPointF &q : p)
                    m_points.push_back(q);
            }
            for (int i = m_edgeStart.back(); i < int(m_points.size()); ++i)
                bounds = bounds.united(QRectF(m_points[std::size_t(i)], QSizeF(0.01, 0.01)));
            m_edgeBounds.push_back(bounds);
        }
        m_edgeStart.push_back(int(m_points.size()));
        for (std::size_t i = 0; i < layout.centres.size(); ++i)
            m_grid[key(layout.centres[i])].push_back(int(i));
    }

    const GraphInput &graph() const { return m_graph; }
    // Same nodes and edges, new rates and states.
    void setEdges(const std::vector<GraphInput::Edge> &edges)
    {
        if (edges.size() == m_graph.edges.size())
            m_graph.edges = edges;
    }
    void setStyle(std::vector<int> states, std::vector<char> searchHits, std::vector<char> dimmed, std::vector<int> pathOrder,
                  std::vector<char> pathEdges)
    {
        m_states = std::move(states);
        m_hits = std::move(searchHits);
        m_dimmed = std::move(dimmed);
        m_pathOrder = std::move(pathOrder);
        m_pathEdges = std::move(pathEdges);
        m_maxRate = 0;
        for (const auto &e : m_graph.edges)
            m_maxRate = std::max(m_maxRate, e.rate);
        update();
    }
    void setSelected(int node)
    {
        m_selected = node;
        update();
    }
    bool thinned() const { return m_thinned; } // the last frame left healthy calls out (too many to read)
    bool dimmed(int node) const { return node >= 0 && std::size_t(node) < m_dimmed.size() && m_dimmed[std::size_t(node)]; }

    int nodeAt(const QPointF &p) const
    {
        const auto [cx, cy] = key(p);
        for (int dx = -1; dx <= 1; ++dx)
            for (int dy = -1; dy <= 1; ++dy) {
                const auto it = m_grid.find({cx + dx, cy + dy});
                if (it == m_grid.end())
                    continue;
                for (int i : it->second)
                    if (nodeRect(std::size_t(i)).contains(p))
                        return i;
            }
        return -1;
    }
    QRectF boundingRect() const override { return m_bounds; }

    void paint(QPainter *p, const QStyleOptionGraphicsItem *option, QWidget *) override
    {
        const Theme &theme = Theme::current();
        const qreal lod = option->levelOfDetailFromTransform(p->worldTransform());
        const QRectF exposed = option->exposedRect.isEmpty() ? m_bounds : option->exposedRect;
        const QRectF clip = exposed.adjusted(-10, -10, 10, 10);
        const bool many = m_graph.nodes.size() > 1500;
        const bool overview = many && lod < 0.25;
        for (auto &b : m_buckets)
            b.clear();
        // Which edges: the propagation path always; the others by priority within a budget of lines a frame can
        // draw and a person can read. Priority = ends in view (0–2) + 1 for trouble (unhealthy end or failing call):
        // far out on a big graph only trouble; closer in, the lowest threshold whose edges fit the budget (calls that
        // only pass through the view go first, then healthy ones without both ends in view, …).
        m_scratch.clear();
        std::array<std::size_t, 5> atLeast{}; // edges with priority ≥ k
        for (std::size_t i = 0; i < m_graph.edges.size() && i + 1 < m_edgeStart.size(); ++i) {
            if (!m_edgeBounds[i].intersects(clip))
                continue;
            const auto &e = m_graph.edges[i];
            if (i < m_pathEdges.size() && m_pathEdges[i]) {
                m_scratch.push_back({int(i), 4});
                continue;
            }
            const bool trouble = e.state > 0 || state(e.from) != 0 || state(e.to) != 0;
            if (overview && !trouble)
                continue;
            const int ends = int(clip.contains(m_points[std::size_t(m_edgeStart[i])])) +
                             int(clip.contains(m_points[std::size_t(m_edgeStart[i + 1] - 1)]));
            const int priority = std::min(4, ends + (trouble ? 1 : 0) + (e.state > 0 ? 1 : 0));
            m_scratch.push_back({int(i), priority});
            for (int k = 0; k <= priority; ++k)
                ++atLeast[std::size_t(k)];
        }
        constexpr std::size_t kLineBudget = 900;
        int minPriority = 0;
        if (many)
            while (minPriority < 4 && atLeast[std::size_t(minPriority)] > kLineBudget)
                ++minPriority;
        m_thinned = minPriority > 0 || overview;
        double sceneLength = 0;
        for (const auto &[edge, priority] : m_scratch) {
            if (priority < minPriority)
                continue;
            const std::size_t i = std::size_t(edge);
            const auto &e = m_graph.edges[i];
            const bool onPath = i < m_pathEdges.size() && m_pathEdges[i];
            const bool faint = !onPath && (dimmed(e.from) || dimmed(e.to));
            const int s = std::clamp(e.state, 0, 2);
            const int bucket = onPath ? kPathBucket : faint ? kFaintBucket : s * 4 + widthClass(e.rate);
            auto &lines = m_buckets[std::size_t(bucket)];
            const int from = m_edgeStart[i], to = m_edgeStart[i + 1];
            for (int k = from; k + 1 < to; ++k) {
                QPointF a = m_points[std::size_t(k)], b = m_points[std::size_t(k + 1)];
                if (clipSegment(a, b, clip)) {
                    lines.push_back(QLineF(a, b));
                    sceneLength += lines.back().length();
                }
            }
            if (lod >= 0.5 && to - from >= 2)
                arrow(lines, i, clip);
        }
        // One-pixel cosmetic pens take the raster engine's fast line path; wider pens go through the stroker, which
        // turns a batch into one huge polygon: so width (request rate) and antialiasing only where few lines show.
        std::size_t visibleLines = 0;
        for (const auto &b : m_buckets)
            visibleLines += b.size();
        const bool detailed = lod >= 0.5 && visibleLines <= 800 && sceneLength * lod < 120'000; // device pixels of line
        p->setRenderHint(QPainter::Antialiasing, detailed);
        for (std::size_t b = 0; b < m_buckets.size(); ++b) {
            if (m_buckets[b].empty())
                continue;
            QPen pen(bucketColor(int(b), theme, overview), detailed || int(b) == kPathBucket ? bucketWidth(int(b)) : 1.0);
            pen.setCosmetic(true);
            pen.setCapStyle(Qt::RoundCap);
            p->setPen(pen);
            if (pen.widthF() > 1.0) {
                for (const QLineF &line : m_buckets[b]) // stroked one by one: small polygons rasterise fast
                    p->drawLine(line);
            } else {
                p->drawLines(m_buckets[b].data(), int(m_buckets[b].size()));
            }
        }
        // Nodes in the exposed cells.
        const auto [x0, y0] = key(exposed.topLeft() - QPointF(100, 40));
        const auto [x1, y1] = key(exposed.bottomRight() + QPointF(100, 40));
        QFont font = p->font();
        font.setPointSizeF(9);
        p->setFont(font);
        for (int cx = x0; cx <= x1; ++cx)
            for (int cy = y0; cy <= y1; ++cy) {
                const auto it = m_grid.find({cx, cy});
                if (it == m_grid.end())
                    continue;
                for (int i : it->second)
                    paintNode(p, std::size_t(i), lod, theme, font);
            }
    }

private:
    static constexpr int kFaintBucket = 12;
    static constexpr int kPathBucket = 13;

    std::pair<int, int> key(const QPointF &p) const { return {int(std::floor(p.x() / 200)), int(std::floor(p.y() / 200))}; }
    int state(int node) const { return node >= 0 && std::size_t(node) < m_states.size() ? m_states[std::size_t(node)] : 3; }
    QRectF nodeRect(std::size_t i) const
    {
        const QSizeF size = m_graph.nodes[i].size;
        return QRectF(m_layout.centres[i] - QPointF(size.width() / 2, size.height() / 2), size);
    }
    int widthClass(double rate) const
    {
        if (rate <= 0 || m_maxRate <= 0)
            return 0;
        const double r = rate / m_maxRate;
        return r > 0.4 ? 3 : r > 0.12 ? 2 : r > 0.03 ? 1 : 0;
    }
    static double bucketWidth(int bucket)
    {
        if (bucket == kPathBucket)
            return 4.5;
        if (bucket == kFaintBucket)
            return 1.0;
        static constexpr double widths[4] = {1.0, 1.7, 2.6, 3.6};
        return widths[bucket % 4];
    }
    // Opaque colours only: the raster engine fills opaque spans inline, but hands translucent ones to a thread pool
    // in small batches, which costs more than the drawing (a line is many tiny spans). Faint shades are pre-mixed
    // with the background instead.
    static QColor mixed(const QColor &a, const QColor &background, double alpha)
    {
        return QColor::fromRgbF(float(a.redF() * alpha + background.redF() * (1 - alpha)), float(a.greenF() * alpha + background.greenF() * (1 - alpha)),
                                float(a.blueF() * alpha + background.blueF() * (1 - alpha)));
    }
    static QColor bucketColor(int bucket, const Theme &theme, bool overview)
    {
        if (bucket == kPathBucket)
            return theme.accent();
        if (bucket == kFaintBucket)
            return mixed(theme.mutedText(), theme.panel(), 0.18);
        const int s = bucket / 4;
        if (s == 1)
            return theme.stateColor(Engine::HealthState::Warning);
        if (s == 2)
            return theme.stateColor(Engine::HealthState::Critical);
        return mixed(theme.mutedText(), theme.panel(), overview ? 0.3 : 0.7);
    }
    void arrow(std::vector<QLineF> &lines, std::size_t i, const QRectF &clip) const
    {
        const int to = m_edgeStart[i + 1];
        QPointF end = m_points[std::size_t(to - 1)];
        QPointF before = m_points[std::size_t(to - 2)];
        if (!m_layout.arrowTips[i].isNull()) {
            before = end;
            end = m_layout.arrowTips[i];
            lines.push_back(QLineF(before, end));
        }
        if (!clip.contains(end))
            return;
        const QLineF dir(end, before);
        if (dir.length() < 1e-6)
            return;
        QLineF a = dir, b = dir;
        a.setLength(9);
        b.setLength(9);
        a.setAngle(dir.angle() + 25);
        b.setAngle(dir.angle() - 25);
        lines.push_back(a);
        lines.push_back(b);
    }
    // Labels laid out once (elided to the box, glyph positions cached): drawing a prepared QStaticText costs a
    // fraction of drawText's shaping on every frame.
    const QStaticText &label(std::size_t i, const QFont &font, int width) const
    {
        if (m_labels.size() != m_graph.nodes.size())
            m_labels.assign(m_graph.nodes.size(), QStaticText());
        QStaticText &t = m_labels[i];
        if (t.text().isEmpty() && !m_graph.nodes[i].label.isEmpty()) {
            t.setText(QFontMetrics(font).elidedText(m_graph.nodes[i].label, Qt::ElideRight, width));
            t.setTextFormat(Qt::PlainText);
            t.setPerformanceHint(QStaticText::AggressiveCaching);
            t.prepare(QTransform(), font);
        }
        return t;
    }
    void paintNode(QPainter *p, std::size_t i, qreal lod, const Theme &theme, const QFont &font) const
    {
        const int s = state(int(i));
        QColor color = theme.stateColor(stateOf(s));
        const QRectF box = nodeRect(i);
        const bool hit = i < m_hits.size() && m_hits[i];
        const bool faint = dimmed(int(i));
        const int order = i < m_pathOrder.size() ? m_pathOrder[i] : 0;
        if (faint)
            color = mixed(color, theme.panel(), 0.22);
        if (lod < 0.5) {
            p->fillRect(order ? box.adjusted(-6, -6, 6, 6) : box, hit ? kSearchColor : order ? theme.accent() : color);
            return;
        }
        // Antialiased rounded boxes only when close enough for it to show (and few enough to be cheap).
        const bool fine = lod >= 0.9;
        p->setRenderHint(QPainter::Antialiasing, fine);
        QColor fill = s == 1 || s == 2 ? QColor::fromHsl(color.hslHue(), 90, 45) : theme.panelRaised();
        if (faint)
            fill = mixed(fill, theme.panel(), 0.3);
        const bool selected = int(i) == m_selected;
        const QColor frame = hit ? kSearchColor : order ? theme.accent() : selected ? theme.text() : color;
        QPen framePen(frame, hit || order || selected ? 3 : fine ? 1.5 : 0);
        framePen.setCosmetic(!fine && !(hit || order || selected));
        p->setPen(framePen);
        p->setBrush(fill);
        if (fine)
            p->drawRoundedRect(box, 5, 5);
        else
            p->drawRect(box);
        const QRectF glyph(box.left() + 6, box.center().y() - 6, 12, 12);
        p->setPen(Qt::NoPen);
        p->setBrush(color);
        if (s == 1) {
            const QPointF tri[3] = {{glyph.center().x(), glyph.top()}, glyph.bottomRight(), glyph.bottomLeft()};
            p->drawPolygon(tri, 3);
        } else if (s == 2) {
            p->drawRect(glyph.adjusted(1, 1, -1, -1));
        } else if (s == 0) {
            p->drawEllipse(glyph);
        } else {
            p->setPen(QPen(color, 1.5));
            p->setBrush(Qt::NoBrush);
            p->drawEllipse(glyph);
        }
        if (order) {
            // The step on the propagation path (1 = the cause), in a badge above the box.
            const QRectF badge(box.right() - 14, box.top() - 11, 22, 18);
            p->setPen(Qt::NoPen);
            p->setBrush(theme.accent());
            p->drawRoundedRect(badge, 8, 8);
            p->setPen(theme.window());
            QFont bold = font;
            bold.setBold(true);
            p->setFont(bold);
            p->drawText(badge, Qt::AlignCenter, QString::number(order));
            p->setFont(font);
        }
        if (lod >= 0.55) {
            QColor text = theme.text();
            if (faint)
                text = mixed(text, theme.panel(), 0.35);
            p->setPen(text);
            const QString &tag = m_graph.nodes[i].tag;
            const int tagWidth = tag.isEmpty() ? 0 : QFontMetrics(font).horizontalAdvance(tag) + 6;
            const QStaticText &name = label(i, font, int(box.width()) - 26 - tagWidth);
            p->drawStaticText(QPointF(box.left() + 22, box.center().y() - name.size().height() / 2), name);
            if (!tag.isEmpty()) {
                QColor muted = theme.mutedText();
                if (faint)
                    muted = mixed(muted, theme.panel(), 0.35);
                p->setPen(muted);
                p->drawText(box.adjusted(0, 0, -5, 0), Qt::AlignVCenter | Qt::AlignRight, tag);
            }
        }
    }

    GraphInput m_graph;                          // its own copy: a new graph may be laying out meanwhile
    std::shared_ptr<const GraphLayout> m_layoutRef; // keeps m_layout alive
    const GraphLayout &m_layout;
    QRectF m_bounds;
    std::vector<QPointF> m_points; // every edge's polyline, back to back
    std::vector<int> m_edgeStart;  // edge i is m_points[m_edgeStart[i], m_edgeStart[i + 1])
    std::vector<QRectF> m_edgeBounds;
    std::map<std::pair<int, int>, std::vector<int>> m_grid;
    std::vector<int> m_states;
    std::vector<char> m_hits;
    std::vector<char> m_dimmed;
    std::vector<int> m_pathOrder;
    std::vector<char> m_pathEdges;
    double m_maxRate = 0;
    int m_selected = -1;
    mutable std::vector<QStaticText> m_labels;
    std::vector<std::pair<int, int>> m_scratch; // edges considered in a frame (index, priority; 4 = on the path)
    bool m_thinned = false;
    std::array<std::vector<QLineF>, 14> m_buckets; // scratch, reused across frames
};

// The whole graph small in a corner, with the visible area as a frame; click or drag to move the view there.
class Minimap : public QWidget
{
public:
    Minimap(QGraphicsView *view, QWidget *parent)
        : QWidget(parent)
        , m_view(view)
    {
        setFixedSize(240, 160);
        setCursor(Qt::PointingHandCursor);
        setToolTip(QObject::tr("Overview: click or drag to move the view"));
    }
    void setGraph(GraphItem *item)
    {
        m_item = item;
        m_image = QImage();
        update();
    }
    void invalidate()
    {
        m_image = QImage();
        update();
    }

protected:
    void paintEvent(QPaintEvent *) override
    {
        const Theme &theme = Theme::current();
        QPainter p(this);
        QColor back = theme.window();
        back.setAlpha(230);
        p.fillRect(rect(), back);
        p.setPen(theme.grid());
        p.drawRect(rect().adjusted(0, 0, -1, -1));
        if (!m_item)
            return;
        const QRectF bounds = m_item->boundingRect();
        const double scale = std::min((width() - 8) / bounds.width(), (height() - 8) / bounds.height());
        const QPointF offset((width() - bounds.width() * scale) / 2 - bounds.left() * scale,
                             (height() - bounds.height() * scale) / 2 - bounds.top() * scale);
        m_transform = QTransform(scale, 0, 0, scale, offset.x(), offset.y());
        if (m_image.isNull()) {
            m_image = QImage(size(), QImage::Format_ARGB32_Premultiplied);
            m_image.fill(Qt::transparent);
            QPainter ip(&m_image);
            ip.setTransform(m_transform);
            QStyleOptionGraphicsItem option;
            option.exposedRect = bounds;
            m_item->paint(&ip, &option, nullptr);
        }
        p.drawImage(0, 0, m_image);
        const QRectF visible = m_view->mapToScene(m_view->viewport()->rect()).boundingRect();
        QColor frame = theme.accent();
        p.setPen(QPen(frame, 1.5));
        frame.setAlpha(40);
        p.setBrush(frame);
        p.drawRect(m_transform.mapRect(visible).intersected(QRectF(rect()).adjusted(1, 1, -1, -1)));
    }
    void mousePressEvent(QMouseEvent *event) override { moveTo(event->position()); }
    void mouseMoveEvent(QMouseEvent *event) override
    {
        if (event->buttons() & Qt::LeftButton)
            moveTo(event->position());
    }

private:
    void moveTo(const QPointF &at)
    {
        if (!m_item || !m_transform.isInvertible())
            return;
        m_view->centerOn(m_transform.inverted().map(at));
        update();
    }
    QGraphicsView *m_view;
    GraphItem *m_item = nullptr;
    QImage m_image;
    QTransform m_transform;
};

namespace {
class ZoomingView : public QGraphicsView
{
public:
    using QGraphicsView::QGraphicsView;
    GraphItem *graph = nullptr;
    const GraphInput *input = nullptr;
    std::function<void()> viewChanged;

protected:
    bool viewportEvent(QEvent *event) override
    {
        if (event->type() == QEvent::ToolTip && graph && input) {
            auto *help = static_cast<QHelpEvent *>(event);
            const int node = graph->nodeAt(mapToScene(help->pos()));
            if (node >= 0)
                QToolTip::showText(help->globalPos(), input->nodes[std::size_t(node)].label, this);
            else
                QToolTip::hideText();
            return true;
        }
        return QGraphicsView::viewportEvent(event);
    }
    void wheelEvent(QWheelEvent *event) override
    {
        const double factor = event->angleDelta().y() > 0 ? 1.2 : 1 / 1.2;
        setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
        scale(factor, factor);
        if (viewChanged)
            viewChanged();
    }
    // Says so when the last frame left healthy calls out (too many to draw or read at this zoom).
    void drawForeground(QPainter *painter, const QRectF &) override
    {
        if (!graph || !graph->thinned())
            return;
        const Theme &theme = Theme::current();
        painter->save();
        painter->resetTransform();
        const QString text = tr("Some healthy calls are hidden at this zoom: zoom in or focus (double-click) to see them");
        const QFontMetrics metrics(painter->font());
        const QRect box(8, 8, metrics.horizontalAdvance(text) + 16, metrics.height() + 8);
        painter->fillRect(box, theme.panelRaised());
        painter->setPen(theme.accent());
        painter->drawRect(box.adjusted(0, 0, -1, -1));
        painter->setPen(theme.text());
        painter->drawText(box, Qt::AlignCenter, text);
        painter->restore();
    }
    void scrollContentsBy(int dx, int dy) override
    {
        QGraphicsView::scrollContentsBy(dx, dy);
        if (viewChanged)
            viewChanged();
    }
};

QString signatureOf(const GraphInput &g)
{
    QString s;
    for (const auto &n : g.nodes)
        s += n.id + QLatin1Char('|');
    for (const auto &e : g.edges)
        s += QStringLiteral("%1>%2|").arg(e.from).arg(e.to);
    return s;
}

QString tagOf(Engine::TopologyNodeKind kind)
{
    using K = Engine::TopologyNodeKind;
    switch (kind) {
    case K::Database: return QStringLiteral("DB");
    case K::Cache: return QStringLiteral("CACHE");
    case K::Queue: return QStringLiteral("QUEUE");
    case K::Host: return QStringLiteral("HOST");
    case K::Switch: return QStringLiteral("SW");
    case K::Gpu: return QStringLiteral("GPU");
    case K::External: return QStringLiteral("EXT");
    default: return {};
    }
}
} // namespace

TopologyView::TopologyView(SnapshotHub *hub, QWidget *parent)
    : QWidget(parent)
    , m_hub(hub)
    , m_view(new ZoomingView(this))
    , m_scene(new QGraphicsScene(this))
    , m_search(new QLineEdit(this))
    , m_hops(new QSpinBox(this))
    , m_status(new QLabel(this))
{
    m_scene->setItemIndexMethod(QGraphicsScene::NoIndex); // one item: an index only costs
    m_view->setScene(m_scene);
    m_view->setOptimizationFlag(QGraphicsView::DontAdjustForAntialiasing, true);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setDragMode(QGraphicsView::ScrollHandDrag);
    m_view->setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    m_view->setOptimizationFlag(QGraphicsView::DontSavePainterState, true);
    m_view->setBackgroundBrush(Theme::current().panel());
    m_view->viewport()->installEventFilter(this);
    m_minimap = new Minimap(m_view, this); // not the viewport's child: scrolling the viewport would move it
    static_cast<ZoomingView *>(m_view)->viewChanged = [this] { updateMinimap(); };
    m_search->setPlaceholderText(tr("Find entities…"));
    m_search->setClearButtonEnabled(true);
    m_hops->setRange(0, 6);
    m_hops->setPrefix(tr("Focus "));
    m_hops->setSuffix(tr(" hops"));
    m_hops->setSpecialValueText(tr("Focus: off"));
    m_hops->setToolTip(tr("Dim everything further than this many hops from the selected entity (click one first)"));
    connect(m_hops, &QSpinBox::valueChanged, this, [this](int hops) { setFocusNode(m_selected, hops); });
    auto *fitButton = new QPushButton(tr("Fit"), this);
    fitButton->setToolTip(tr("Zoom to show everything in focus"));
    connect(fitButton, &QPushButton::clicked, this, &TopologyView::fit);
    connect(m_search, &QLineEdit::textChanged, this, &TopologyView::setSearch);
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_status, 1);
    bar->addWidget(m_search, 1);
    bar->addWidget(m_hops);
    bar->addWidget(fitButton);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);
    if (m_hub) {
        connect(m_hub, &SnapshotHub::snapshotChanged, this, [this] { refreshFromEngine(); });
        refreshFromEngine();
    }
}

TopologyView::~TopologyView() = default;

void TopologyView::refreshFromEngine(bool force)
{
    const auto snapshot = m_hub->current();
    if (!snapshot)
        return;
    // The graph copy and the call statistics are read on this (the UI) thread: not for a hidden view (a tab behind
    // another; showEvent catches up), and at most every two seconds once a layout exists.
    if (!force && m_layout && (!isVisible() || (m_refreshAge.isValid() && m_refreshAge.elapsed() < 2000)))
        return;
    m_refreshAge.start();
    const Engine::Engine::TopologySnapshot topology = m_hub->engine().topology();
    using K = Engine::TopologyNodeKind;
    // Components (instances roll into their service's health) with their calls and what they run on.
    GraphInput graph;
    std::unordered_map<std::string, int> index;
    for (const Engine::TopologyNode &n : topology.nodes) {
        if (n.kind == K::Instance || n.kind == K::Link || n.kind == K::Other || n.kind == K::Gpu)
            continue;
        if (!m_scope.isEmpty() && !m_scope.contains(QString::fromStdString(n.id)))
            continue;
        index[n.id] = int(graph.nodes.size());
        graph.nodes.push_back({QString::fromStdString(n.id), QString::fromStdString(n.id), QSizeF(130, 26), tagOf(n.kind)});
    }
    std::vector<int> states(graph.nodes.size(), 3);
    for (const auto &h : snapshot->health) {
        if (const auto it = index.find(h.entity); it != index.end())
            states[std::size_t(it->second)] = h.state == Engine::HealthState::Ok        ? 0
                                            : h.state == Engine::HealthState::Warning ? 1
                                            : h.state == Engine::HealthState::Critical ? 2
                                                                                        : 3;
    }
    std::vector<char> linked(graph.nodes.size(), 0);
    for (const Engine::TopologyEdge &e : topology.edges) {
        const auto a = index.find(e.from), b = index.find(e.to);
        if (a == index.end() || b == index.end())
            continue;
        // Colour: the call's failures, else the health of what it calls (a slow dependency slows the call).
        const int calleeState = states[std::size_t(b->second)];
        int state = e.errorRatio > 0.05 ? 2 : e.errorRatio > 0.01 ? 1 : 0;
        if (e.kind == Engine::TopologyEdgeKind::Calls && (calleeState == 1 || calleeState == 2))
            state = std::max(state, calleeState);
        graph.edges.push_back({a->second, b->second, e.kind == Engine::TopologyEdgeKind::Calls ? e.rps : 0, state});
        linked[std::size_t(a->second)] = linked[std::size_t(b->second)] = 1;
    }
    // Hosts only when something drawn runs on them (pods are not drawn).
    GraphInput pruned;
    std::vector<int> remap(graph.nodes.size(), -1);
    std::vector<int> prunedStates;
    for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
        if (graph.nodes[i].tag == QLatin1String("HOST") && !linked[i])
            continue;
        remap[i] = int(pruned.nodes.size());
        pruned.nodes.push_back(graph.nodes[i]);
        prunedStates.push_back(states[i]);
    }
    for (auto e : graph.edges) {
        e.from = remap[std::size_t(e.from)];
        e.to = remap[std::size_t(e.to)];
        if (e.from >= 0 && e.to >= 0)
            pruned.edges.push_back(e);
    }
    setGraph(pruned, std::move(prunedStates));
}

void TopologyView::setScope(const QStringList &entities)
{
    m_scope = entities;
    if (m_hub)
        refreshFromEngine(true); // a new scope is read at once, visible or not
}

void TopologyView::setGraph(const GraphInput &graph, std::vector<int> states)
{
    m_states = std::move(states);
    const QString signature = signatureOf(graph);
    if (signature == m_signature) {
        m_graph.edges = graph.edges; // rates and states
        if (m_item)
            m_item->setEdges(graph.edges);
        applyStates(); // same graph: only the health changed
        return;
    }
    m_signature = signature;
    m_graph = graph;
    const int generation = ++m_generation;
    m_layoutPending = true;
    m_status->setText(tr("Laying out %1 entities…").arg(graph.nodes.size()));
    auto *watcher = new QFutureWatcher<GraphLayout>(this);
    connect(watcher, &QFutureWatcher<GraphLayout>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != m_generation)
            return;
        m_layoutPending = false;
        m_layout = std::make_shared<const GraphLayout>(watcher->result());
        rebuildScene();
    });
    // Where the nodes are now, so a graph that changed a little keeps its shape (sfdp starts from there).
    QHash<QString, QPointF> previous;
    if (m_item && m_layout)
        for (std::size_t i = 0; i < m_item->graph().nodes.size() && i < m_layout->centres.size(); ++i)
            previous.insert(m_item->graph().nodes[i].id, m_layout->centres[i]);
    watcher->setFuture(QtConcurrent::run([graph, previous] { return layoutGraph(graph, 300, previous); }));
}

void TopologyView::rebuildScene()
{
    auto *view = static_cast<ZoomingView *>(m_view);
    view->graph = nullptr;
    m_minimap->setGraph(nullptr);
    m_scene->clear();
    m_item = nullptr;
    if (!m_layout)
        return;
    if (!m_layout->error.isEmpty()) {
        m_status->setText(m_layout->error);
        return;
    }
    auto *item = new GraphItem(m_graph, m_layout);
    m_scene->addItem(item);
    m_item = item;
    view->graph = item;
    view->input = &item->graph();
    m_scene->setSceneRect(item->boundingRect());
    m_minimap->setGraph(item);
    applyStates();
    fit();
}

void TopologyView::applyStates()
{
    // While a new graph is laid out, the item keeps drawing the old one as it was (states index the new one).
    if (!m_layout || !m_item || m_layoutPending)
        return;
    const std::size_t n = m_graph.nodes.size();
    std::unordered_map<QString, int> index;
    for (std::size_t i = 0; i < n; ++i)
        index.emplace(m_graph.nodes[i].id, int(i));
    const QString needle = m_search->text().trimmed();
    std::vector<char> hits(n, 0);
    int matches = 0, unhealthy = 0;
    for (std::size_t i = 0; i < n; ++i) {
        hits[i] = !needle.isEmpty() && m_graph.nodes[i].id.contains(needle, Qt::CaseInsensitive);
        matches += hits[i];
        const int state = i < m_states.size() ? m_states[i] : 3;
        unhealthy += state == 1 || state == 2;
    }
    // Focus: breadth-first over edges in both directions from the focused node.
    std::vector<char> dimmed(n, 0);
    const auto focus = index.find(m_focusNode);
    if (m_focusHops > 0 && focus != index.end()) {
        std::vector<std::vector<int>> adjacent(n);
        for (const auto &e : m_graph.edges) {
            adjacent[std::size_t(e.from)].push_back(e.to);
            adjacent[std::size_t(e.to)].push_back(e.from);
        }
        std::vector<int> depth(n, -1);
        std::deque<int> queue{focus->second};
        depth[std::size_t(focus->second)] = 0;
        while (!queue.empty()) {
            const int at = queue.front();
            queue.pop_front();
            if (depth[std::size_t(at)] >= m_focusHops)
                continue;
            for (int next : adjacent[std::size_t(at)])
                if (depth[std::size_t(next)] < 0) {
                    depth[std::size_t(next)] = depth[std::size_t(at)] + 1;
                    queue.push_back(next);
                }
        }
        for (std::size_t i = 0; i < n; ++i)
            dimmed[i] = depth[i] < 0;
    }
    // The propagation path: node order (1 = cause) and the calls between consecutive steps.
    std::vector<int> order(n, 0);
    std::vector<char> pathEdges(m_graph.edges.size(), 0);
    for (int k = 0; k < m_path.size(); ++k)
        if (const auto it = index.find(m_path[k]); it != index.end())
            order[std::size_t(it->second)] = k + 1;
    for (int k = 0; k + 1 < m_path.size(); ++k) {
        const auto a = index.find(m_path[k]), b = index.find(m_path[k + 1]);
        if (a == index.end() || b == index.end())
            continue;
        for (std::size_t e = 0; e < m_graph.edges.size(); ++e) {
            const auto &edge = m_graph.edges[e];
            if ((edge.from == a->second && edge.to == b->second) || (edge.from == b->second && edge.to == a->second))
                pathEdges[e] = 1;
        }
    }
    const auto selected = index.find(m_selected);
    m_item->setSelected(selected == index.end() ? -1 : selected->second);
    m_item->setStyle(m_states, std::move(hits), std::move(dimmed), std::move(order), std::move(pathEdges));
    m_minimap->invalidate();
    m_matches = matches;
    QString extra;
    if (!needle.isEmpty())
        extra += tr(" · %1 match “%2”").arg(matches).arg(needle);
    if (!m_path.isEmpty())
        extra += tr(" · path: %1").arg(m_path.join(QStringLiteral(" → ")));
    if (m_focusHops > 0 && focus != index.end())
        extra += tr(" · focus: %1 ±%2 (%3 shown)").arg(m_focusNode).arg(m_focusHops).arg(focusedCount());
    m_status->setText(tr("%1 entities · %2 edges · %3 unhealthy · %4 %5 ms%6")
                          .arg(n)
                          .arg(m_graph.edges.size())
                          .arg(unhealthy)
                          .arg(m_layout->engine)
                          .arg(qRound(m_layout->seconds * 1000))
                          .arg(extra));
}

int TopologyView::focusedCount() const
{
    if (!m_item)
        return 0;
    int count = 0;
    for (std::size_t i = 0; i < m_item->graph().nodes.size(); ++i)
        count += !m_item->dimmed(int(i));
    return count;
}

void TopologyView::setSearch(const QString &text)
{
    if (m_search->text() != text) {
        const QSignalBlocker block(m_search);
        m_search->setText(text);
    }
    applyStates();
}

void TopologyView::setPropagationPath(const QStringList &path)
{
    m_path = path;
    applyStates();
}

void TopologyView::selectNode(const QString &node)
{
    m_selected = node;
    if (m_focusHops > 0)
        m_focusNode = node;
    applyStates();
}

void TopologyView::setFocusNode(const QString &node, int hops)
{
    m_focusNode = node;
    m_focusHops = node.isEmpty() ? 0 : std::max(0, hops);
    if (!node.isEmpty())
        m_selected = node;
    if (m_hops->value() != m_focusHops) {
        const QSignalBlocker block(m_hops);
        m_hops->setValue(m_focusHops);
    }
    applyStates();
    fit();
}

void TopologyView::setMinimapVisible(bool visible)
{
    m_minimapWanted = visible;
    updateMinimap();
}

void TopologyView::updateMinimap()
{
    // Only useful when part of the graph is out of view.
    const bool partial = m_item && !m_view->mapToScene(m_view->viewport()->rect()).boundingRect().contains(m_item->boundingRect().adjusted(20, 20, -20, -20));
    m_minimap->setVisible(m_minimapWanted && partial);
    if (m_minimap->isVisible()) {
        placeMinimap();
        m_minimap->update();
    }
}

void TopologyView::fit()
{
    if (!m_item || !m_layout)
        return;
    QRectF area;
    for (std::size_t i = 0; i < m_item->graph().nodes.size() && i < m_layout->centres.size(); ++i)
        if (!m_item->dimmed(int(i)))
            area = area.united(QRectF(m_layout->centres[i] - QPointF(70, 20), QSizeF(140, 40)));
    if (area.isEmpty())
        area = m_item->boundingRect();
    m_view->fitInView(area.adjusted(-30, -30, 30, 30), Qt::KeepAspectRatio);
    updateMinimap();
}

bool TopologyView::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_view->viewport() && event->type() == QEvent::Resize)
        placeMinimap();
    if (watched == m_view->viewport() && m_item) {
        static QPoint pressedAt;
        if (event->type() == QEvent::MouseButtonPress)
            pressedAt = static_cast<QMouseEvent *>(event)->position().toPoint();
        if (event->type() == QEvent::MouseButtonRelease || event->type() == QEvent::MouseButtonDblClick) {
            const QPoint at = static_cast<QMouseEvent *>(event)->position().toPoint();
            if (event->type() == QEvent::MouseButtonRelease && (at - pressedAt).manhattanLength() > 4)
                return false; // a drag, not a click
            const int node = m_item->nodeAt(m_view->mapToScene(at));
            const QString id = node >= 0 ? m_item->graph().nodes[std::size_t(node)].id : QString();
            if (event->type() == QEvent::MouseButtonDblClick && !id.isEmpty()) {
                setFocusNode(id, std::max(1, m_hops->value()));
                Q_EMIT nodeActivated(id);
                return true;
            }
            selectNode(id);
        }
    }
    return QWidget::eventFilter(watched, event);
}

void TopologyView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_hub)
        refreshFromEngine(true);
}

void TopologyView::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    placeMinimap();
}

void TopologyView::placeMinimap()
{
    const QWidget *viewport = m_view->viewport();
    const QPoint corner = viewport->mapTo(this, QPoint(viewport->width(), viewport->height()));
    m_minimap->move(corner.x() - m_minimap->width() - 10, corner.y() - m_minimap->height() - 10);
    m_minimap->raise();
}

bool TopologyView::waitForLayout(int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (m_layoutPending && timer.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    QCoreApplication::processEvents();
    placeMinimap();
    return !m_layoutPending;
}

} // namespace Nocturne::Ui
