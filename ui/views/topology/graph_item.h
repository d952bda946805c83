#pragma once
// The topology view's graph item: the whole graph painted from arrays by one QGraphicsItem (used by TopologyView and
// its Minimap only; kept apart so the view's file stays about the view).
#include <QGraphicsItem>
#include <QPainter>
#include <QStaticText>
#include <QStyleOptionGraphicsItem>

#include <array>
#include <cmath>
#include <memory>
#include <unordered_map>

#include "theme/theme.h"
#include "views/topology/graph_layout.h"

namespace Nocturne::Ui {

namespace GraphItemDetail {
inline Engine::HealthState stateOf(int s)
{
    switch (s) {
    case 0: return Engine::HealthState::Ok;
    case 1: return Engine::HealthState::Warning;
    case 2: return Engine::HealthState::Critical;
    default: return Engine::HealthState::Unknown;
    }
}

inline const QColor kSearchColor(0xd0, 0x4c, 0xe0);

// Liang–Barsky: clips a segment to a rectangle; false when nothing is left.
inline bool clipSegment(QPointF &a, QPointF &b, const QRectF &r)
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
} // namespace GraphItemDetail

using GraphItemDetail::clipSegment;
using GraphItemDetail::kSearchColor;
using GraphItemDetail::stateOf;

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

} // namespace Nocturne::Ui
