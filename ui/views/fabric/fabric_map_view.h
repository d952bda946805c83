#pragma once

#include <QPointer>
#include <QRectF>
#include <QWidget>

#include <memory>
#include <vector>

#include "fabric/fabric.h"
#include "fabric/fabric_health.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QTextBrowser;
class QTimer;

namespace Nocturne::Ui {

class SnapshotHub;

// Geometry of the layered fabric map (pure layout, no analytics): spines on top, then per scalable unit a row of
// leaves over its servers; each server a box of GPU cells over its NIC ports.
struct FabricMapLayout {
    std::vector<QRectF> nodeRect;   // by fabric node (switches; HCAs: the NIC port tick inside its server)
    std::vector<QRectF> serverRect; // by server
    std::vector<QRectF> gpuRect;    // by GPU
    std::vector<QRectF> unitRect;   // by group: leaves + servers, for culling
    std::vector<int> unitOfServer;
    std::vector<std::vector<int>> unitServers;
    QRectF bounds;
    static FabricMapLayout build(const Engine::Fabric &fabric);
};

// Paints the fabric: GPU heat map, links coloured by utilisation or errors, optic health marks, a highlighted path.
// Level of detail: whole servers as one cell when GPU cells would be under 3 px, links only where they can be told
// apart (uplinks in bulk only when zoomed in; troubled links and the path always), labels when they fit.
class FabricMapCanvas : public QWidget
{
    Q_OBJECT
public:
    enum class HeatMode { Utilisation, Temperature, Xid };
    enum class LinkMode { Utilisation, Errors };

    explicit FabricMapCanvas(QWidget *parent = nullptr);

    void setFabric(std::shared_ptr<const Engine::Fabric> fabric);
    void setHealth(std::shared_ptr<const Engine::FabricHealthSnapshot> health);
    void setHeatMode(HeatMode mode);
    void setLinkMode(LinkMode mode);
    void setRail(int rail); // -1: every rail
    void setPaths(std::vector<Engine::FabricPath> paths);
    void setWallMode(bool wall);
    void setHighlight(const QRectF &rect);

    const FabricMapLayout &mapLayout() const { return m_layout; }
    double scale() const { return m_scale; }
    QPointF offset() const { return m_offset; }
    void setView(double scale, QPointF offset);
    void fit();
    void centreOn(const QRectF &rect, double minScale);
    // The server under a widget position, or -1.
    int serverAt(QPointF pos) const;

Q_SIGNALS:
    void serverClicked(int server);

protected:
    void paintEvent(QPaintEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void buildGeometry();
    void restyle();
    QColor gpuColour(int gpu) const;
    QColor serverColour(int server) const;
    QColor linkColour(int port) const;
    int opticState(int port) const; // 0 ok / no data, 1 degraded, 2 bad

    std::shared_ptr<const Engine::Fabric> m_fabric;
    std::shared_ptr<const Engine::FabricHealthSnapshot> m_health;
    FabricMapLayout m_layout;
    HeatMode m_heat = HeatMode::Utilisation;
    LinkMode m_linkMode = LinkMode::Utilisation;
    int m_rail = -1;
    bool m_wall = false;
    std::vector<Engine::FabricPath> m_paths;
    std::vector<char> m_onPath; // by port: 1 when a path stage names it
    std::vector<QRectF> m_pathRects; // switches and GPUs on the path, outlined
    // Geometry fixed per fabric, colours per health snapshot / mode (restyle), so a frame only culls and draws.
    struct LinkGeom {
        QLineF line;
        QRectF box;
        int port = -1; // the lower tier's end (its colour is the link's)
        int rail = -1;
        bool hca = false;
    };
    std::vector<LinkGeom> m_linkGeom;
    std::vector<std::vector<int>> m_unitLinks; // HCA links by unit
    std::vector<int> m_uplinks;
    std::vector<QRgb> m_linkRgb, m_gpuRgb, m_serverRgb, m_switchRgb;
    std::vector<char> m_linkTrouble;
    std::vector<int> m_badOptics; // ports whose optic is degraded
    QRectF m_highlight;
    double m_scale = 1;
    QPointF m_offset;
    QPointF m_pressPos;
    QPointF m_pressOffset;
    bool m_dragging = false;
    bool m_fitted = false;
    bool m_userView = false; // panned, zoomed or centred by someone: resizes keep the view
};

// The fabric map dock: toolbar (GPU heat map, link colouring, rail, search, fit), the canvas and a side panel with the
// selected path's hops and their health, the active findings and the proposals. Click a server, then another: the
// path between them (all rails) is drawn and listed hop by hop.
class FabricMapView : public QWidget
{
    Q_OBJECT
public:
    explicit FabricMapView(SnapshotHub *hub, QWidget *parent = nullptr);

    FabricMapCanvas *canvas() const { return m_canvas; }
    void setFabric(std::shared_ptr<const Engine::Fabric> fabric);
    void setHealth(std::shared_ptr<const Engine::FabricHealthSnapshot> health);
    // Endpoints: hosts, GPUs or HCAs; an empty `b` clears the path.
    bool setPathEndpoints(const QString &a, const QString &b);
    bool search(const QString &text);
    void setWallMode(bool wall);
    QString pathReport() const;

public Q_SLOTS:
    void refresh();

protected:
    void showEvent(QShowEvent *event) override;

private:
    void onServerClicked(int server);
    void renderSide();

    SnapshotHub *m_hub;
    std::shared_ptr<const Engine::Fabric> m_fabric;
    std::shared_ptr<const Engine::FabricHealthSnapshot> m_health;
    QWidget *m_toolbar;
    QComboBox *m_heat;
    QComboBox *m_links;
    QComboBox *m_rail;
    QLineEdit *m_search;
    QLabel *m_pathLabel;
    FabricMapCanvas *m_canvas;
    QTextBrowser *m_side;
    QTimer *m_timer;
    QString m_endA, m_endB;
    std::vector<Engine::FabricPath> m_paths;
};

} // namespace Nocturne::Ui
