#pragma once

#include <QPointF>
#include <QSizeF>
#include <QString>
#include <QHash>
#include <QVector>

#include <vector>

namespace Nocturne::Ui {

// A graph to lay out: node ids and directed edges between them.
struct GraphInput
{
    struct Node
    {
        QString id;
        QString label;
        QSizeF size; // points (1/72 in), as Graphviz measures
        QString tag; // short kind tag drawn at the right of the box ("DB", "CACHE", …); empty for services
    };
    struct Edge
    {
        int from = 0;
        int to = 0;
        double rate = 0; // requests per second (edge width); 0: unknown
        int state = 0;   // 0 ok, 1 slow or some errors, 2 failing (edge colour); does not change the layout
    };
    std::vector<Node> nodes;
    std::vector<Edge> edges;
};

// Positions (node centres) and edge polylines in scene coordinates (points, y down).
struct GraphLayout
{
    std::vector<QPointF> centres;
    // Parallel to GraphInput::edges: cubic Bézier control points (1 + 3k points; two for a straight line) and the
    // arrow tip (null when the layout drew no arrow).
    std::vector<QVector<QPointF>> edgePaths;
    std::vector<QPointF> arrowTips;
    QSizeF bounds;
    QString engine; // "dot" or "sfdp"
    QString error;  // empty on success
    double seconds = 0;
};

// Lays a graph out with Graphviz: dot (layered, left to right) up to `dotLimit` nodes, sfdp beyond. Serialised
// internally (Graphviz is not thread-safe); call it from a worker thread.
// `previous`: where nodes were in an earlier layout (scene coordinates, by id). The new layout is turned (and mirrored
// when that fits better) onto those positions, so a graph that changed a little does not come back rotated or flipped
// (sfdp's output orientation is arbitrary; its initial positions cannot be set through this API). Dot is
// deterministic: unchanged parts keep their ranks.
GraphLayout layoutGraph(const GraphInput &input, int dotLimit = 300, const QHash<QString, QPointF> &previous = {});

} // namespace Nocturne::Ui
