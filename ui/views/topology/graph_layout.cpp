#include "graph_layout.h"

#include <chrono>
#include <cmath>
#include <mutex>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

namespace Nocturne::Ui {

namespace {
std::mutex &graphvizMutex()
{
    static std::mutex m;
    return m;
}

void set(void *object, const char *name, const QByteArray &value)
{
    agsafeset(object, const_cast<char *>(name), const_cast<char *>(value.constData()), const_cast<char *>(""));
}
// Force-directed layouts come out rotated or mirrored at random: turn (and mirror if that fits better) the new layout
// onto the previous positions of the nodes both share (least squares, no scaling), then move it back to the origin.
void alignTo(GraphLayout &layout, const GraphInput &input, const QHash<QString, QPointF> &previous)
{
    std::vector<std::pair<QPointF, QPointF>> pairs; // new, old
    for (std::size_t i = 0; i < input.nodes.size() && i < layout.centres.size(); ++i)
        if (const auto it = previous.constFind(input.nodes[i].id); it != previous.constEnd())
            pairs.push_back({layout.centres[i], *it});
    if (pairs.size() < 3)
        return;
    QPointF ca, cb;
    for (const auto &[a, b] : pairs)
        ca += a, cb += b;
    ca /= double(pairs.size());
    cb /= double(pairs.size());
    double best = INFINITY, bestAngle = 0;
    bool bestMirror = false;
    for (bool mirror : {false, true}) {
        double sin = 0, cos = 0;
        for (const auto &[a, b] : pairs) {
            const QPointF p = a - ca, q = b - cb;
            const double px = mirror ? -p.x() : p.x();
            cos += px * q.x() + p.y() * q.y();
            sin += px * q.y() - p.y() * q.x();
        }
        const double angle = std::atan2(sin, cos);
        double error = 0;
        for (const auto &[a, b] : pairs) {
            const QPointF p = a - ca, q = b - cb;
            const double px = mirror ? -p.x() : p.x();
            const QPointF r(px * std::cos(angle) - p.y() * std::sin(angle), px * std::sin(angle) + p.y() * std::cos(angle));
            error += QPointF::dotProduct(r - q, r - q);
        }
        if (error < best) {
            best = error;
            bestAngle = angle;
            bestMirror = mirror;
        }
    }
    const double c = std::cos(bestAngle), s = std::sin(bestAngle);
    auto map = [&](const QPointF &a) {
        const QPointF p = a - ca;
        const double px = bestMirror ? -p.x() : p.x();
        return QPointF(px * c - p.y() * s, px * s + p.y() * c) + cb;
    };
    for (auto &p : layout.centres)
        p = map(p);
    for (auto &path : layout.edgePaths)
        for (auto &p : path)
            p = map(p);
    for (auto &p : layout.arrowTips)
        if (!p.isNull())
            p = map(p);
    // Back to the origin, bounds around the nodes and edges.
    double minX = INFINITY, minY = INFINITY, maxX = -INFINITY, maxY = -INFINITY;
    auto grow = [&](const QPointF &p, double dx, double dy) {
        minX = std::min(minX, p.x() - dx), maxX = std::max(maxX, p.x() + dx);
        minY = std::min(minY, p.y() - dy), maxY = std::max(maxY, p.y() + dy);
    };
    for (std::size_t i = 0; i < layout.centres.size(); ++i)
        grow(layout.centres[i], input.nodes[i].size.width() / 2, input.nodes[i].size.height() / 2);
    for (const auto &path : layout.edgePaths)
        for (const auto &p : path)
            grow(p, 0, 0);
    const QPointF shift(-minX, -minY);
    for (auto &p : layout.centres)
        p += shift;
    for (auto &path : layout.edgePaths)
        for (auto &p : path)
            p += shift;
    for (auto &p : layout.arrowTips)
        if (!p.isNull())
            p += shift;
    layout.bounds = QSizeF(maxX - minX, maxY - minY);
}
} // namespace

GraphLayout layoutGraph(const GraphInput &input, int dotLimit, const QHash<QString, QPointF> &previous)
{
    GraphLayout out;
    const auto started = std::chrono::steady_clock::now();
    out.engine = int(input.nodes.size()) <= dotLimit ? QStringLiteral("dot") : QStringLiteral("sfdp");
    if (input.nodes.empty())
        return out;
    std::lock_guard lock(graphvizMutex());
    GVC_t *gvc = gvContext();
    Agraph_t *g = agopen(const_cast<char *>("topology"), Agdirected, nullptr);
    set(g, "rankdir", "LR");
    set(g, "nodesep", "0.25");
    set(g, "ranksep", "0.6");
    set(g, "overlap", "prism");
    set(g, "splines", out.engine == QLatin1String("dot") ? "true" : "false");
    std::vector<Agnode_t *> nodes;
    nodes.reserve(input.nodes.size());
    for (std::size_t i = 0; i < input.nodes.size(); ++i) {
        const QByteArray name = QByteArray::number(qulonglong(i));
        Agnode_t *n = agnode(g, const_cast<char *>(name.constData()), 1);
        set(n, "shape", "box");
        set(n, "fixedsize", "true");
        set(n, "width", QByteArray::number(input.nodes[i].size.width() / 72.0, 'f', 3));
        set(n, "height", QByteArray::number(input.nodes[i].size.height() / 72.0, 'f', 3));
        set(n, "label", "");
        nodes.push_back(n);
    }
    std::vector<Agedge_t *> edges;
    for (const auto &e : input.edges) {
        if (e.from < 0 || e.to < 0 || e.from >= int(nodes.size()) || e.to >= int(nodes.size())) {
            edges.push_back(nullptr);
            continue;
        }
        edges.push_back(agedge(g, nodes[std::size_t(e.from)], nodes[std::size_t(e.to)], nullptr, 1));
    }
    if (gvLayout(gvc, g, out.engine.toLatin1().constData()) != 0) {
        out.error = QStringLiteral("Graphviz %1 layout failed").arg(out.engine);
    } else {
        const boxf bb = GD_bb(g);
        out.bounds = QSizeF(bb.UR.x - bb.LL.x, bb.UR.y - bb.LL.y);
        const auto toScene = [&](pointf p) { return QPointF(p.x - bb.LL.x, bb.UR.y - p.y); }; // y down
        for (Agnode_t *n : nodes)
            out.centres.push_back(toScene(ND_coord(n)));
        for (Agedge_t *e : edges) {
            QVector<QPointF> path;
            QPointF tip;
            if (e && ED_spl(e) && ED_spl(e)->size > 0) {
                const bezier &b = ED_spl(e)->list[0];
                for (int k = 0; k < int(b.size); ++k)
                    path.push_back(toScene(b.list[k]));
                if (b.eflag)
                    tip = toScene(b.ep);
            } else if (e) {
                path = {toScene(ND_coord(agtail(e))), toScene(ND_coord(aghead(e)))};
            }
            out.edgePaths.push_back(path);
            out.arrowTips.push_back(tip);
        }
        gvFreeLayout(gvc, g);
    }
    agclose(g);
    gvFreeContext(gvc);
    if (out.error.isEmpty() && !previous.isEmpty())
        alignTo(out, input, previous);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out;
}

} // namespace Nocturne::Ui
