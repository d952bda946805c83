#pragma once

#include <QElapsedTimer>
#include <QGraphicsView>
#include <QStringList>
#include <QWidget>

#include <memory>

#include "views/topology/graph_layout.h"

class QGraphicsScene;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace Nocturne::Ui {

class GraphItem;
class Minimap;
class SnapshotHub;

// The estate as a graph: services, databases, caches, queues and hosts with their calls, laid out by Graphviz on a
// worker (dot up to 300 nodes, sfdp beyond; re-laid out only when the graph changes), health by colour and by shape
// (circle ok, triangle warning, square critical, ring unknown), edge width by request rate and colour by errors,
// labels only when zoomed in far enough to read them. Search highlights matching nodes; a selected node's k-hop
// neighbourhood can be focused (the rest dims); an incident's propagation path is drawn thick with its order; the
// minimap shows where the view is and moves it. One item paints everything, culled to the exposed area.
class TopologyView : public QWidget
{
    Q_OBJECT
public:
    explicit TopologyView(SnapshotHub *hub, QWidget *parent = nullptr);
    ~TopologyView() override;

    // Shows a graph directly (tests, benchmarks, the war room); `states` parallel to the nodes (0 ok, 1 warning,
    // 2 critical, 3 unknown). The same nodes and edges again only restyle (no new layout).
    void setGraph(const GraphInput &graph, std::vector<int> states);
    bool waitForLayout(int timeoutMs = 30000);
    const GraphLayout *layout() const { return m_layout.get(); }
    const GraphInput &graph() const { return m_graph; }
    QGraphicsView *graphicsView() const { return m_view; }
    int matches() const { return m_matches; }
    // Nodes drawn at full strength (all when no focus is set).
    int focusedCount() const;
    QString selectedNode() const { return m_selected; }
    // Allows the minimap (default on); it shows only while part of the graph is out of view.
    void setMinimapVisible(bool visible);
    // Entities outside the given set are not shown (the war room's incident sub-graph); empty: everything.
    void setScope(const QStringList &entities);

public Q_SLOTS:
    void fit();
    void setSearch(const QString &text);
    // The incident's propagation path, cause first (node ids); empty clears it.
    void setPropagationPath(const QStringList &path);
    // Dims everything further than `hops` from `node` (hops ≤ 0 or empty node: no focus) and fits the rest.
    void setFocusNode(const QString &node, int hops);
    void selectNode(const QString &node);

Q_SIGNALS:
    void nodeActivated(const QString &node); // double-click

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    void refreshFromEngine(bool force = false);
    void rebuildScene();
    void applyStates();
    void placeMinimap();
    void updateMinimap();

    SnapshotHub *m_hub;
    QGraphicsView *m_view;
    QGraphicsScene *m_scene;
    GraphItem *m_item = nullptr; // the graph (one item painting every node and edge)
    Minimap *m_minimap;
    QLineEdit *m_search;
    QSpinBox *m_hops;
    QLabel *m_status;
    GraphInput m_graph;
    std::vector<int> m_states;
    std::shared_ptr<const GraphLayout> m_layout;
    QString m_signature; // of the graph laid out (nodes + edges), to skip layouts that would change nothing
    QStringList m_path;
    QStringList m_scope;
    QString m_selected;
    QString m_focusNode;
    int m_focusHops = 0;
    int m_generation = 0;
    bool m_layoutPending = false;
    int m_matches = 0;
    bool m_minimapWanted = true;
    QElapsedTimer m_refreshAge; // since the last read of the engine's graph
};

} // namespace Nocturne::Ui
