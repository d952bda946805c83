#include "graph_layout.h"

#include <chrono>
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
} // namespace

GraphLayout layoutGraph(const GraphInput &input, int dotLimit)
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
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out;
}

} // namespace Nocturne::Ui
