#include "fabric_map_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QPushButton>
#include <QSplitter>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <map>

#include "runtime/engine.h"
#include "shell/snapshot_hub.h"
#include "theme/theme.h"

namespace Nocturne::Ui {

using Engine::Fabric;
using Engine::FabricNodeKind;
using Engine::SwitchRole;

namespace {
// Widths in device pixels whatever the zoom: cosmetic pens are also the fast path in the raster engine.
QPen screenPen(const QColor &colour, double px, Qt::PenStyle style = Qt::SolidLine)
{
    QPen pen(colour, px, style);
    pen.setCosmetic(true);
    return pen;
}

constexpr double kCell = 10, kCellPitch = 12;
constexpr double kServerW = 8 * kCellPitch + 6, kServerH = 46;
constexpr double kServerPitchX = kServerW + 8, kServerPitchY = kServerH + 8;
constexpr int kServersPerRow = 8;
constexpr double kSwitchH = 28;
constexpr double kUnitW = kServersPerRow * kServerPitchX, kUnitGapX = 80, kUnitGapY = 60;
constexpr double kLeafToServers = 70, kSpinesToUnits = 160;

QColor mix(QColor a, QColor b, double t)
{
    t = std::clamp(t, 0.0, 1.0);
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t), float(a.greenF() + (b.greenF() - a.greenF()) * t),
                            float(a.blueF() + (b.blueF() - a.blueF()) * t));
}

const QColor kNoData(0x3a, 0x40, 0x46);
const QColor kOk(0x00, 0x9e, 0x73), kWarn(0xe6, 0x9f, 0x00), kBad(0xd5, 0x5e, 0x00);
} // namespace

FabricMapLayout FabricMapLayout::build(const Fabric &fabric)
{
    FabricMapLayout l;
    l.nodeRect.assign(fabric.nodes.size(), QRectF());
    l.serverRect.assign(fabric.servers.size(), QRectF());
    l.gpuRect.assign(fabric.gpus.size(), QRectF());
    l.unitOfServer.assign(fabric.servers.size(), -1);
    int units = 0;
    for (const auto &s : fabric.servers)
        units = std::max(units, s.group + 1);
    units = std::max(units, 1);
    l.unitServers.assign(std::size_t(units), {});
    for (std::size_t s = 0; s < fabric.servers.size(); ++s) {
        const int u = std::max(0, fabric.servers[s].group);
        l.unitOfServer[s] = u;
        l.unitServers[std::size_t(u)].push_back(int(s));
    }
    std::vector<std::vector<int>> unitLeaves(static_cast<std::size_t>(units));
    std::vector<int> top; // spines, cores and leaves without servers
    for (std::size_t n = 0; n < fabric.nodes.size(); ++n) {
        const auto &node = fabric.nodes[n];
        if (node.kind != FabricNodeKind::Switch)
            continue;
        if (node.role == SwitchRole::Leaf && node.group >= 0 && node.group < units)
            unitLeaves[std::size_t(node.group)].push_back(int(n));
        else
            top.push_back(int(n));
    }
    const int perRow = std::max(1, int(std::lround(std::sqrt(double(units) * 1.2))));
    const int unitRows = (units + perRow - 1) / perRow;
    double unitH = 0;
    for (const auto &servers : l.unitServers)
        unitH = std::max(unitH, kSwitchH + kLeafToServers + std::ceil(double(servers.size()) / kServersPerRow) * kServerPitchY);
    const double width = std::min(units, perRow) * (kUnitW + kUnitGapX) - kUnitGapX;
    // Spines (and anything above the leaves) across the top, in rail order so a rail plane sits together.
    std::sort(top.begin(), top.end(), [&](int a, int b) {
        return std::make_pair(-fabric.nodes[std::size_t(a)].tier, fabric.nodes[std::size_t(a)].id) <
               std::make_pair(-fabric.nodes[std::size_t(b)].tier, fabric.nodes[std::size_t(b)].id);
    });
    if (!top.empty()) {
        const double pitch = width / double(top.size());
        const double w = std::min(110.0, pitch - 4);
        for (std::size_t i = 0; i < top.size(); ++i)
            l.nodeRect[std::size_t(top[i])] = QRectF(i * pitch + (pitch - w) / 2, 0, w, kSwitchH);
    }
    const double unitsTop = top.empty() ? 0 : kSwitchH + kSpinesToUnits;
    l.unitRect.assign(std::size_t(units), QRectF());
    for (int u = 0; u < units; ++u) {
        const double x0 = (u % perRow) * (kUnitW + kUnitGapX);
        const double y0 = unitsTop + (u / perRow) * (unitH + kUnitGapY);
        l.unitRect[std::size_t(u)] = QRectF(x0 - 10, y0 - 10, kUnitW + 20, unitH + 20);
        auto &leaves = unitLeaves[std::size_t(u)];
        std::sort(leaves.begin(), leaves.end(), [&](int a, int b) { return fabric.nodes[std::size_t(a)].rail < fabric.nodes[std::size_t(b)].rail; });
        if (!leaves.empty()) {
            const double pitch = kUnitW / double(leaves.size());
            const double w = std::min(100.0, pitch - 6);
            for (std::size_t i = 0; i < leaves.size(); ++i)
                l.nodeRect[std::size_t(leaves[i])] = QRectF(x0 + i * pitch + (pitch - w) / 2, y0, w, kSwitchH);
        }
        const auto &servers = l.unitServers[std::size_t(u)];
        for (std::size_t i = 0; i < servers.size(); ++i) {
            const int s = servers[i];
            const QRectF box(x0 + double(i % kServersPerRow) * kServerPitchX, y0 + kSwitchH + kLeafToServers + double(i / kServersPerRow) * kServerPitchY,
                             kServerW, kServerH);
            l.serverRect[std::size_t(s)] = box;
            const auto &server = fabric.servers[std::size_t(s)];
            for (int g : server.gpus) {
                const int idx = fabric.gpus[std::size_t(g)].index;
                l.gpuRect[std::size_t(g)] = QRectF(box.left() + 3 + (idx % 8) * kCellPitch, box.top() + 16, kCell, kCell);
            }
            for (std::size_t h = 0; h < server.hcas.size(); ++h) {
                const int rail = std::max(0, fabric.nodes[std::size_t(server.hcas[h])].rail);
                l.nodeRect[std::size_t(server.hcas[h])] = QRectF(box.left() + 3 + (rail % 8) * kCellPitch, box.bottom() - 14, kCell, 8);
            }
        }
    }
    (void)unitRows;
    for (const QRectF &r : l.unitRect)
        l.bounds |= r;
    for (int n : top)
        l.bounds |= l.nodeRect[std::size_t(n)];
    return l;
}

// ---------------------------------------------------------------------------------------------------------------------

FabricMapCanvas::FabricMapCanvas(QWidget *parent) : QWidget(parent)
{
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMouseTracking(false);
    setMinimumSize(320, 240);
    setFocusPolicy(Qt::StrongFocus);
}

void FabricMapCanvas::setFabric(std::shared_ptr<const Fabric> fabric)
{
    if (fabric == m_fabric)
        return;
    m_fabric = std::move(fabric);
    m_layout = m_fabric ? FabricMapLayout::build(*m_fabric) : FabricMapLayout{};
    m_paths.clear();
    m_onPath.assign(m_fabric ? m_fabric->ports.size() : 0, 0);
    m_fitted = false;
    m_userView = false;
    buildGeometry();
    restyle();
    fit();
}

void FabricMapCanvas::buildGeometry()
{
    m_linkGeom.clear();
    m_uplinks.clear();
    m_unitLinks.assign(m_layout.unitRect.size(), {});
    if (!m_fabric)
        return;
    const Fabric &f = *m_fabric;
    for (const auto &link : f.links) {
        int a = link.a, b = link.b;
        const auto &na = f.nodes[std::size_t(f.ports[std::size_t(a)].node)], &nb = f.nodes[std::size_t(f.ports[std::size_t(b)].node)];
        if (na.kind == FabricNodeKind::Hca || (na.kind == nb.kind && na.tier > nb.tier))
            std::swap(a, b); // a: the lower tier's switch side
        const auto &lower = f.nodes[std::size_t(f.ports[std::size_t(a)].node)];
        const auto &upper = f.nodes[std::size_t(f.ports[std::size_t(b)].node)];
        const QRectF ra = m_layout.nodeRect[std::size_t(f.ports[std::size_t(a)].node)];
        const QRectF rb = m_layout.nodeRect[std::size_t(f.ports[std::size_t(b)].node)];
        if (ra.isNull() || rb.isNull())
            continue;
        LinkGeom g;
        g.port = a;
        g.hca = upper.kind == FabricNodeKind::Hca;
        g.rail = g.hca ? upper.rail : lower.rail;
        // Port positions spread along the switch edge so parallel cables stay apart.
        const int portsA = std::max<int>(1, int(lower.ports.size()));
        const double xa = ra.left() + ra.width() * (f.ports[std::size_t(a)].number - 0.5) / portsA;
        if (g.hca) {
            g.line = QLineF(QPointF(xa, ra.bottom()), QPointF(rb.center().x(), rb.top()));
        } else {
            const int portsB = std::max<int>(1, int(upper.ports.size()));
            g.line = QLineF(QPointF(xa, ra.top()), QPointF(rb.left() + rb.width() * (f.ports[std::size_t(b)].number - 0.5) / portsB, rb.bottom()));
        }
        g.box = QRectF(g.line.p1(), g.line.p2()).normalized().adjusted(-1, -1, 1, 1);
        const int index = int(m_linkGeom.size());
        m_linkGeom.push_back(g);
        if (g.hca && upper.server >= 0)
            m_unitLinks[std::size_t(m_layout.unitOfServer[std::size_t(upper.server)])].push_back(index);
        else
            m_uplinks.push_back(index);
    }
}

void FabricMapCanvas::restyle()
{
    if (!m_fabric)
        return;
    const Fabric &f = *m_fabric;
    m_linkRgb.resize(m_linkGeom.size());
    m_linkTrouble.resize(m_linkGeom.size());
    for (std::size_t i = 0; i < m_linkGeom.size(); ++i) {
        const int port = m_linkGeom[i].port;
        m_linkRgb[i] = linkColour(port).rgb();
        // Trouble is a finding or errors on either end — not merely a busy link.
        char trouble = 0;
        if (m_health)
            for (int end : {port, f.ports[std::size_t(port)].peer})
                if (end >= 0 && (m_health->portState[std::size_t(end)] > 0 || m_health->portErrors[std::size_t(end)] >= 1.0f))
                    trouble = 1;
        m_linkTrouble[i] = trouble;
    }
    m_gpuRgb.resize(f.gpus.size());
    for (std::size_t g = 0; g < f.gpus.size(); ++g)
        m_gpuRgb[g] = gpuColour(int(g)).rgb();
    m_serverRgb.resize(f.servers.size());
    for (std::size_t s = 0; s < f.servers.size(); ++s)
        m_serverRgb[s] = serverColour(int(s)).rgb();
    m_switchRgb.assign(f.nodes.size(), 0);
    for (std::size_t n = 0; n < f.nodes.size(); ++n) {
        const auto &node = f.nodes[n];
        if (node.kind == FabricNodeKind::Hca) {
            const int port = node.ports.empty() ? -1 : node.ports.front();
            m_switchRgb[n] = (port >= 0 ? linkColour(port) : kNoData).rgb();
            continue;
        }
        int state = 0;
        if (m_health)
            for (int port : node.ports)
                state = std::max<int>(state, m_health->portState[std::size_t(port)]);
        const QColor base = node.role == SwitchRole::Spine ? QColor(0x44, 0x4f, 0x63) : QColor(0x3c, 0x55, 0x5c);
        m_switchRgb[n] = (state >= 2 ? mix(base, kBad, 0.75) : state == 1 ? mix(base, kWarn, 0.6) : base).rgb();
    }
    m_badOptics.clear();
    for (std::size_t port = 0; port < f.ports.size(); ++port)
        if (opticState(int(port)))
            m_badOptics.push_back(int(port));
}

void FabricMapCanvas::setHealth(std::shared_ptr<const Engine::FabricHealthSnapshot> health)
{
    m_health = std::move(health);
    restyle();
    update();
}

void FabricMapCanvas::setHeatMode(HeatMode mode) { m_heat = mode; restyle(); update(); }
void FabricMapCanvas::setLinkMode(LinkMode mode) { m_linkMode = mode; restyle(); update(); }
void FabricMapCanvas::setRail(int rail) { m_rail = rail; update(); }
void FabricMapCanvas::setWallMode(bool wall) { m_wall = wall; update(); }
void FabricMapCanvas::setHighlight(const QRectF &rect) { m_highlight = rect; update(); }

void FabricMapCanvas::setPaths(std::vector<Engine::FabricPath> paths)
{
    m_paths = std::move(paths);
    m_onPath.assign(m_fabric ? m_fabric->ports.size() : 0, 0);
    m_pathRects.clear();
    if (m_fabric)
        for (const auto &p : m_paths)
            for (const auto &stage : p.stages)
                for (const std::string &e : stage.elements) {
                    if (const int port = m_fabric->findPort(e); port >= 0)
                        m_onPath[std::size_t(port)] = std::max<char>(m_onPath[std::size_t(port)], stage.elements.size() == 1 ? 2 : 1);
                    const Fabric::Lookup l = m_fabric->lookup(e);
                    if (l.kind == Fabric::Lookup::Kind::Node && m_fabric->nodes[std::size_t(l.index)].kind == FabricNodeKind::Switch)
                        m_pathRects.push_back(m_layout.nodeRect[std::size_t(l.index)].adjusted(-2, -2, 2, 2));
                    else if (l.kind == Fabric::Lookup::Kind::Gpu)
                        m_pathRects.push_back(m_layout.gpuRect[std::size_t(l.index)].adjusted(-1, -1, 1, 1));
                }
    update();
}

void FabricMapCanvas::setView(double scale, QPointF offset)
{
    m_scale = std::clamp(scale, 0.01, 40.0);
    m_offset = offset;
    m_fitted = true;
    m_userView = true;
    update();
}

void FabricMapCanvas::fit()
{
    m_userView = false;
    if (m_layout.bounds.isEmpty() || width() <= 0)
        return;
    const QRectF b = m_layout.bounds.adjusted(-20, -20, 20, m_wall ? 20 : 60);
    const double top = m_wall ? height() * 0.12 : 0;
    const double s = std::min(width() / b.width(), (height() - top) / b.height());
    m_scale = std::clamp(s, 0.01, 40.0);
    m_offset = QPointF((width() - b.width() * m_scale) / 2 - b.left() * m_scale, top + (height() - top - b.height() * m_scale) / 2 - b.top() * m_scale);
    m_fitted = true;
    update();
}

void FabricMapCanvas::centreOn(const QRectF &rect, double minScale)
{
    m_scale = std::max(m_scale, minScale);
    m_offset = QPointF(width() / 2.0, height() / 2.0) - rect.center() * m_scale;
    m_fitted = true;
    m_userView = true;
    update();
}

int FabricMapCanvas::serverAt(QPointF pos) const
{
    const QPointF p = (pos - m_offset) / m_scale;
    for (std::size_t u = 0; u < m_layout.unitRect.size(); ++u) {
        if (!m_layout.unitRect[u].contains(p))
            continue;
        for (int s : m_layout.unitServers[u])
            if (m_layout.serverRect[std::size_t(s)].adjusted(-3, -3, 3, 3).contains(p))
                return s;
    }
    return -1;
}

QColor FabricMapCanvas::gpuColour(int gpu) const
{
    if (!m_health || std::size_t(gpu) >= m_health->gpuUtil.size())
        return kNoData;
    switch (m_heat) {
    case HeatMode::Utilisation: {
        const float u = m_health->gpuUtil[std::size_t(gpu)];
        if (std::isnan(u))
            return kNoData;
        if (m_health->gpuXid[std::size_t(gpu)] > 0)
            return kBad;
        return u < 20 ? mix(QColor(0x5a, 0x30, 0x60), QColor(0x4a, 0x4f, 0x7a), u / 20.0) : mix(QColor(0x2c, 0x5f, 0x8a), QColor(0x22, 0xb0, 0x8f), (u - 20) / 80.0);
    }
    case HeatMode::Temperature: {
        const float t = m_health->gpuTemp[std::size_t(gpu)];
        if (std::isnan(t))
            return kNoData;
        return t < 70 ? mix(QColor(0x2f, 0x6d, 0xb5), QColor(0xe6, 0xc3, 0x00), (t - 40) / 30.0) : mix(QColor(0xe6, 0xc3, 0x00), kBad, (t - 70) / 18.0);
    }
    case HeatMode::Xid: {
        const int x = m_health->gpuXid[std::size_t(gpu)];
        if (x == 0)
            return QColor(0x2f, 0x4a, 0x3f);
        return Engine::classifyXid(x).action == Engine::XidAction::DrainNode ? kBad : kWarn;
    }
    }
    return kNoData;
}

QColor FabricMapCanvas::serverColour(int server) const
{
    // A whole server at low zoom: its most telling GPU (idle or erroring for utilisation, hottest, any XID).
    const auto &gpus = m_fabric->servers[std::size_t(server)].gpus;
    if (!m_health || gpus.empty())
        return kNoData;
    int pick = gpus.front();
    for (int g : gpus) {
        const std::size_t i = std::size_t(g), p = std::size_t(pick);
        switch (m_heat) {
        case HeatMode::Utilisation:
            if (m_health->gpuXid[i] > 0 || (!(m_health->gpuXid[p] > 0) && m_health->gpuUtil[i] < m_health->gpuUtil[p]))
                pick = g;
            break;
        case HeatMode::Temperature:
            if (m_health->gpuTemp[i] > m_health->gpuTemp[p])
                pick = g;
            break;
        case HeatMode::Xid:
            if (m_health->gpuXid[i] > m_health->gpuXid[p])
                pick = g;
            break;
        }
    }
    return gpuColour(pick);
}

QColor FabricMapCanvas::linkColour(int port) const
{
    if (!m_health || std::size_t(port) >= m_health->portUtil.size())
        return QColor(0x56, 0x60, 0x6b);
    const int peer = m_fabric->ports[std::size_t(port)].peer;
    auto worst = [&](const std::vector<float> &v) {
        float a = v[std::size_t(port)], b = peer >= 0 ? v[std::size_t(peer)] : std::nanf("");
        return std::isnan(a) ? b : std::isnan(b) ? a : std::max(a, b);
    };
    const int state = std::max<int>(m_health->portState[std::size_t(port)], peer >= 0 ? m_health->portState[std::size_t(peer)] : 0);
    if (state >= 2)
        return kBad;
    if (m_linkMode == LinkMode::Utilisation) {
        const float u = worst(m_health->portUtil);
        if (std::isnan(u))
            return QColor(0x56, 0x60, 0x6b);
        if (u >= 0.95f)
            return kBad;
        return u < 0.7f ? mix(QColor(0x4a, 0x5a, 0x6a), QColor(0x3b, 0x82, 0xc4), u / 0.7) : mix(QColor(0x3b, 0x82, 0xc4), kWarn, (u - 0.7) / 0.25);
    }
    const float e = worst(m_health->portErrors);
    if (std::isnan(e))
        return QColor(0x56, 0x60, 0x6b);
    return e < 1 ? (state == 1 ? kWarn : QColor(0x2e, 0x7d, 0x5b)) : e < 20 ? kWarn : kBad;
}

int FabricMapCanvas::opticState(int port) const
{
    if (!m_health || std::size_t(port) >= m_health->xcvrScore.size())
        return 0;
    const float s = m_health->xcvrScore[std::size_t(port)];
    return std::isnan(s) ? 0 : s < 40 ? 2 : s < 75 ? 1 : 0;
}

void FabricMapCanvas::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    const Theme &theme = Theme::current();
    p.fillRect(rect(), theme.panel());
    if (!m_fabric) {
        p.setPen(theme.mutedText());
        p.drawText(rect(), Qt::AlignCenter, tr("No fabric: start a GPU-cluster scenario (--scenario gpu-cluster) or import a topology."));
        return;
    }
    if (!m_fitted)
        fit();
    const Fabric &f = *m_fabric;
    const QRectF visible = QRectF(-m_offset / m_scale, QSizeF(width(), height()) / m_scale).adjusted(-20, -20, 20, 20);
    p.save();
    p.translate(m_offset);
    p.scale(m_scale, m_scale);

    // Unit blocks.
    for (const QRectF &u : m_layout.unitRect)
        if (u.intersects(visible))
            p.fillRect(u, theme.panelRaised());

    // Links, batched by colour (opaque colours: no per-span blending). Cables to servers only where they can be
    // told apart; uplinks in full when few cross the view, else as stubs pointing at their spine; troubled links and
    // the path always in full.
    std::map<QRgb, QVector<QLineF>> thin, thick, heavy, alternatives;
    const bool linesReadable = m_scale >= 1.0;
    auto consider = [&](int i, bool full) {
        const LinkGeom &g = m_linkGeom[std::size_t(i)];
        if (m_rail >= 0 && g.rail != m_rail)
            return;
        if (!g.box.intersects(visible))
            return;
        const int peer = m_fabric->ports[std::size_t(g.port)].peer;
        const int onPath = std::max<int>(m_onPath[std::size_t(g.port)], peer >= 0 ? m_onPath[std::size_t(peer)] : 0);
        const QRgb rgb = m_linkRgb[std::size_t(i)];
        if (onPath == 2)
            thick[rgb].push_back(g.line);
        else if (onPath == 1)
            alternatives[rgb].push_back(g.line); // one of the equal-cost choices
        else if (m_linkTrouble[std::size_t(i)])
            heavy[rgb].push_back(g.line);
        else if (full)
            thin[rgb].push_back(g.line);
        else if (m_scale >= 0.5)
            thin[rgb].push_back(QLineF(g.line.p1(), g.line.p1() + (g.line.p2() - g.line.p1()) * std::min(1.0, 40.0 / std::max(1.0, g.line.length()))));
    };
    for (std::size_t u = 0; u < m_unitLinks.size(); ++u)
        if (m_layout.unitRect[u].intersects(visible))
            for (int i : m_unitLinks[u])
                if (linesReadable || m_linkTrouble[std::size_t(i)] || m_onPath[std::size_t(m_linkGeom[std::size_t(i)].port)])
                    consider(i, true);
    std::size_t crossing = 0;
    for (int i : m_uplinks)
        crossing += m_linkGeom[std::size_t(i)].box.intersects(visible);
    const bool fullUplinks = crossing <= 1500;
    for (int i : m_uplinks)
        consider(i, fullUplinks);
    for (auto &[rgb, lines] : thin) {
        p.setPen(QPen(QColor(rgb), 0));
        p.drawLines(lines);
    }
    for (auto &[rgb, lines] : heavy) {
        p.setPen(screenPen(QColor(rgb), m_scale < 0.5 ? 1.0 : 2.5));
        p.drawLines(lines);
    }

    // Switches: filled by their worst port state, with their name when it fits.
    QFont font = p.font();
    font.setPixelSize(11);
    p.setFont(font);
    for (std::size_t n = 0; n < f.nodes.size(); ++n) {
        const auto &node = f.nodes[n];
        if (node.kind != FabricNodeKind::Switch)
            continue;
        const QRectF r = m_layout.nodeRect[n];
        if (r.isNull() || !r.intersects(visible))
            continue;
        p.fillRect(r, QColor(m_switchRgb[n]));
        if (r.width() * m_scale >= 46) {
            p.setPen(Qt::white);
            p.drawText(r.adjusted(2, 0, -2, 0), Qt::AlignCenter, QFontMetrics(font).elidedText(QString::fromStdString(node.id), Qt::ElideMiddle, int(r.width() - 4)));
        }
    }

    // Servers: GPU cells when they are at least 3 px, otherwise one cell per server.
    const bool cells = m_scale * kCell >= 3;
    std::map<QRgb, QVector<QRectF>> fills;
    QVector<QRectF> boxes; // drawn first, under the cells
    for (std::size_t u = 0; u < m_layout.unitRect.size(); ++u) {
        if (!m_layout.unitRect[u].intersects(visible))
            continue;
        for (int s : m_layout.unitServers[u]) {
            const QRectF box = m_layout.serverRect[std::size_t(s)];
            if (!box.intersects(visible))
                continue;
            if (!cells) {
                fills[m_serverRgb[std::size_t(s)]].push_back(box);
                continue;
            }
            boxes.push_back(box);
            for (int g : f.servers[std::size_t(s)].gpus)
                fills[m_gpuRgb[std::size_t(g)]].push_back(m_layout.gpuRect[std::size_t(g)]);
            for (int h : f.servers[std::size_t(s)].hcas) {
                if (m_rail >= 0 && f.nodes[std::size_t(h)].rail != m_rail)
                    continue;
                fills[m_switchRgb[std::size_t(h)]].push_back(m_layout.nodeRect[std::size_t(h)]);
            }
        }
    }
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(0x26, 0x2b, 0x31));
    p.drawRects(boxes);
    for (auto &[rgb, rects] : fills) {
        p.setBrush(QColor(rgb));
        p.drawRects(rects);
    }
    if (cells && m_scale * kServerW >= 90) {
        p.setPen(theme.text());
        for (std::size_t u = 0; u < m_layout.unitRect.size(); ++u) {
            if (!m_layout.unitRect[u].intersects(visible))
                continue;
            for (int s : m_layout.unitServers[u]) {
                const QRectF box = m_layout.serverRect[std::size_t(s)];
                if (box.intersects(visible))
                    p.drawText(box.adjusted(3, 1, -3, 0), Qt::AlignLeft | Qt::AlignTop, QString::fromStdString(f.servers[std::size_t(s)].name));
            }
        }
    }

    // Optic marks: a triangle at the port for a degraded module (▲ amber, red when bad).
    if (m_health) {
        for (int port : m_badOptics) {
            const int st = opticState(port);
            const auto &fp = f.ports[std::size_t(port)];
            const QRectF r = m_layout.nodeRect[std::size_t(fp.node)];
            if (r.isNull())
                continue;
            const auto &node = f.nodes[std::size_t(fp.node)];
            const double x = node.kind == FabricNodeKind::Switch ? r.left() + r.width() * (fp.number - 0.5) / std::max<int>(1, int(node.ports.size())) : r.center().x();
            const double y = node.kind == FabricNodeKind::Switch && node.role == SwitchRole::Leaf && fp.peer >= 0 &&
                                     f.nodes[std::size_t(f.ports[std::size_t(fp.peer)].node)].kind == FabricNodeKind::Hca
                                 ? r.bottom() + 2 : r.top() - 2;
            const double size = (m_wall ? 18.0 : 11.0) / m_scale;
            QPainterPath tri;
            const double dir = y > r.center().y() ? 1 : -1;
            tri.moveTo(x, y);
            tri.lineTo(x - size / 2, y + dir * size);
            tri.lineTo(x + size / 2, y + dir * size);
            tri.closeSubpath();
            p.setPen(screenPen(Qt::black, 1));
            p.setBrush(st == 2 ? kBad : kWarn);
            p.drawPath(tri);
        }
    }

    // The path on top: thick, in the accent colour, with its switches and GPUs outlined.
    if (!m_paths.empty()) {
        for (auto &[rgb, lines] : alternatives) {
            p.setPen(screenPen(theme.accent(), 1.2, Qt::DashLine));
            p.drawLines(lines);
        }
        for (auto &[rgb, lines] : thick) {
            p.setPen(screenPen(theme.accent(), 4));
            p.drawLines(lines);
            p.setPen(screenPen(QColor(rgb), 1.5));
            p.drawLines(lines);
        }
        p.setBrush(Qt::NoBrush);
        p.setPen(screenPen(theme.accent(), 2.5));
        for (const QRectF &r : m_pathRects)
            if (r.intersects(visible))
                p.drawRect(r);
    }
    if (!m_highlight.isNull()) {
        p.setBrush(Qt::NoBrush);
        p.setPen(screenPen(Qt::white, 2.5, Qt::DashLine));
        p.drawRect(m_highlight.adjusted(-4, -4, 4, 4));
    }
    p.restore();

    // Legend (screen space).
    QFont legendFont = font;
    legendFont.setPixelSize(m_wall ? std::max(18, height() / 40) : 12);
    p.setFont(legendFont);
    const QFontMetrics fm(legendFont);
    const char *heat = m_heat == HeatMode::Utilisation ? "GPU utilisation: purple idle · blue → green busy · red XID"
                       : m_heat == HeatMode::Temperature ? "GPU temperature: blue cool · yellow 70 °C · red ≥ 88 °C"
                                                         : "GPU XID: green none · amber restart/reset · red drain";
    const QString legend = m_wall ? QString(tr(heat) + tr("   |   ▲ optic degraded")) : tr(heat) + tr("   |   Links: ") +
                           (m_linkMode == LinkMode::Utilisation ? tr("grey idle · blue busy · amber ≥ 70 % · red saturated or failing")
                                                                : tr("green clean · amber errors · red ≥ 20 errors/s")) +
                           tr("   |   ▲ optic degraded");
    const QRect legendRect(8, height() - fm.height() - 10, std::min(width() - 16, fm.horizontalAdvance(legend) + 32), fm.height() + 6);
    p.fillRect(legendRect, theme.window());
    p.setPen(theme.text());
    p.drawText(legendRect.adjusted(8, 0, -8, 0), Qt::AlignVCenter | Qt::AlignLeft, fm.elidedText(legend, Qt::ElideRight, legendRect.width() - 16));

    if (m_wall && m_health) {
        int xid = 0, optics = 0, congested = 0, links = 0, storms = 0, hot = 0, ecc = 0;
        for (const auto &finding : m_health->findings) {
            switch (finding.kind) {
            case Engine::FindingKind::GpuXid: ++xid; break;
            case Engine::FindingKind::GpuEcc:
            case Engine::FindingKind::GpuNvlink: ++ecc; break;
            case Engine::FindingKind::GpuThermal: ++hot; break;
            case Engine::FindingKind::TransceiverPredicted:
            case Engine::FindingKind::TransceiverAlarm: ++optics; break;
            case Engine::FindingKind::Congestion: ++congested; break;
            case Engine::FindingKind::LinkErrors:
            case Engine::FindingKind::LinkDown: ++links; break;
            case Engine::FindingKind::PfcStorm: storms += finding.rootCandidate; break;
            default: break;
            }
        }
        QFont big = legendFont;
        big.setPixelSize(std::max(28, height() / 22));
        big.setBold(true);
        p.setFont(big);
        // Only what is wrong, worst first; glyph and word as well as colour.
        QStringList parts;
        auto add = [&](int n, const char *glyph, const QString &what) {
            if (n > 0)
                parts << QStringLiteral("%1 %2 %3").arg(QString::fromUtf8(glyph)).arg(n).arg(what);
        };
        add(xid, "✕", tr("GPU XID"));
        add(storms, "✕", tr("PFC storm"));
        add(links, "✕", tr("link errors"));
        add(ecc, "✕", tr("GPU ECC/NVLink"));
        add(optics, "▲", tr("optics failing"));
        add(congested, "▲", tr("congested"));
        add(hot, "▲", tr("GPU hot"));
        const bool ok = parts.isEmpty();
        const QString text = ok ? tr("✓ FABRIC OK — %1 GPUs, %2 switches").arg(f.gpus.size()).arg(f.switchCount())
                                : tr("FABRIC: ") + parts.join(QStringLiteral("   "));
        const QRect banner(0, 0, width(), int(height() * 0.1));
        p.fillRect(banner, ok ? QColor(0x10, 0x3a, 0x2c) : QColor(0x5a, 0x1e, 0x08));
        p.setPen(Qt::white);
        p.drawText(banner.adjusted(16, 0, -16, 0), Qt::AlignVCenter | Qt::AlignLeft, QFontMetrics(big).elidedText(text, Qt::ElideRight, banner.width() - 32));
    }
}

void FabricMapCanvas::wheelEvent(QWheelEvent *event)
{
    const double factor = std::pow(1.0015, event->angleDelta().y());
    const QPointF at = event->position();
    const QPointF scene = (at - m_offset) / m_scale;
    m_scale = std::clamp(m_scale * factor, 0.01, 40.0);
    m_offset = at - scene * m_scale;
    m_fitted = true;
    m_userView = true;
    update();
}

void FabricMapCanvas::mousePressEvent(QMouseEvent *event)
{
    m_pressPos = event->position();
    m_pressOffset = m_offset;
    m_dragging = false;
}

void FabricMapCanvas::mouseMoveEvent(QMouseEvent *event)
{
    if (!(event->buttons() & Qt::LeftButton))
        return;
    if ((event->position() - m_pressPos).manhattanLength() > 4)
        m_dragging = true;
    if (m_dragging) {
        m_offset = m_pressOffset + (event->position() - m_pressPos);
        m_userView = true;
        update();
    }
}

void FabricMapCanvas::mouseReleaseEvent(QMouseEvent *event)
{
    if (!m_dragging && event->button() == Qt::LeftButton) {
        const int s = serverAt(event->position());
        if (s >= 0)
            Q_EMIT serverClicked(s);
    }
    m_dragging = false;
}

void FabricMapCanvas::resizeEvent(QResizeEvent *)
{
    if (!m_userView || m_wall)
        fit();
}

} // namespace Nocturne::Ui
