#pragma once

#include <QGraphicsView>
#include <QWidget>

#include <memory>

#include "views/topology/graph_layout.h"

class QGraphicsScene;
class QLabel;
class QLineEdit;

namespace Nocturne::Ui {

class SnapshotHub;

// The estate as a graph: services, databases, caches and queues with their calls, laid out by Graphviz on a worker
// (dot up to 300 nodes, sfdp beyond; re-laid out only when the graph changes), health by colour and by shape (circle
// ok, triangle warning, square critical), labels only when zoomed in far enough to read them. Search highlights
// matching nodes; Fit shows everything.
class TopologyView : public QWidget
{
    Q_OBJECT
public:
    explicit TopologyView(SnapshotHub *hub, QWidget *parent = nullptr);
    ~TopologyView() override;

    // Shows a graph directly (tests, benchmarks); `states` parallel to the nodes (0 ok, 1 warning, 2 critical, 3 unknown).
    void setGraph(const GraphInput &graph, std::vector<int> states);
    bool waitForLayout(int timeoutMs = 30000);
    const GraphLayout *layout() const { return m_layout.get(); }
    QGraphicsView *graphicsView() const { return m_view; }
    int matches() const { return m_matches; }

public Q_SLOTS:
    void fit();
    void setSearch(const QString &text);

private:
    void refreshFromEngine();
    void rebuildScene();
    void applyStates();

    SnapshotHub *m_hub;
    QGraphicsView *m_view;
    QGraphicsScene *m_scene;
    QLineEdit *m_search;
    QLabel *m_status;
    GraphInput m_graph;
    std::vector<int> m_states;
    std::shared_ptr<const GraphLayout> m_layout;
    QString m_signature; // of the graph laid out (nodes + edges), to skip layouts that would change nothing
    int m_generation = 0;
    bool m_layoutPending = false;
    int m_matches = 0;
};

} // namespace Nocturne::Ui
