#include "topology_view.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPushButton>
#include <QStyleOptionGraphicsItem>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <QtConcurrent>

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

// One entity: a rounded box with its health as a coloured glyph (shape carries the state too) and its name when the
// zoom leaves room to read it.
class NodeItem : public QGraphicsItem
{
public:
    NodeItem(QString label, QSizeF size)
        : m_label(std::move(label))
        , m_size(size)
    {
        setToolTip(m_label);
        setZValue(1);
    }
    void setState(int state, bool highlighted)
    {
        m_state = state;
        m_highlighted = highlighted;
        update();
    }
    QRectF boundingRect() const override { return QRectF(-m_size.width() / 2 - 2, -m_size.height() / 2 - 2, m_size.width() + 4, m_size.height() + 4); }
    void paint(QPainter *p, const QStyleOptionGraphicsItem *option, QWidget *) override
    {
        const Theme &theme = Theme::current();
        const QColor color = theme.stateColor(stateOf(m_state));
        const QRectF box(-m_size.width() / 2, -m_size.height() / 2, m_size.width(), m_size.height());
        const qreal lod = option->levelOfDetailFromTransform(p->worldTransform());
        p->setPen(QPen(m_highlighted ? QColor(0xd0, 0x4c, 0xe0) : color, m_highlighted ? 3 : 1.5));
        QColor fill = theme.panelRaised();
        if (m_state == 1 || m_state == 2)
            fill = QColor::fromHsl(color.hslHue(), 90, 45);
        p->setBrush(fill);
        if (lod < 0.25) { // far out: a coloured block is all that can be seen
            p->setBrush(color);
            p->drawRect(box);
            return;
        }
        p->drawRoundedRect(box, 5, 5);
        // Glyph: circle ok, triangle warning, square critical, hollow circle unknown.
        const QRectF glyph(box.left() + 6, box.center().y() - 6, 12, 12);
        p->setPen(Qt::NoPen);
        p->setBrush(color);
        if (m_state == 1) {
            const QPointF tri[3] = {{glyph.center().x(), glyph.top()}, glyph.bottomRight(), glyph.bottomLeft()};
            p->drawPolygon(tri, 3);
        } else if (m_state == 2) {
            p->drawRect(glyph.adjusted(1, 1, -1, -1));
        } else if (m_state == 0) {
            p->drawEllipse(glyph);
        } else {
            p->setPen(QPen(color, 1.5));
            p->setBrush(Qt::NoBrush);
            p->drawEllipse(glyph);
        }
        if (lod >= 0.55) {
            p->setPen(theme.text());
            QFont f = p->font();
            f.setPointSizeF(9);
            p->setFont(f);
            p->drawText(box.adjusted(22, 0, -4, 0), Qt::AlignVCenter | Qt::AlignLeft,
                        QFontMetrics(f).elidedText(m_label, Qt::ElideRight, int(box.width()) - 26));
        }
    }

private:
    QString m_label;
    QSizeF m_size;
    int m_state = 3;
    bool m_highlighted = false;
};

class ZoomingView : public QGraphicsView
{
public:
    using QGraphicsView::QGraphicsView;

protected:
    void wheelEvent(QWheelEvent *event) override
    {
        const double factor = event->angleDelta().y() > 0 ? 1.2 : 1 / 1.2;
        setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
        scale(factor, factor);
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
} // namespace

TopologyView::TopologyView(SnapshotHub *hub, QWidget *parent)
    : QWidget(parent)
    , m_hub(hub)
    , m_view(new ZoomingView(this))
    , m_scene(new QGraphicsScene(this))
    , m_search(new QLineEdit(this))
    , m_status(new QLabel(this))
{
    m_view->setScene(m_scene);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setDragMode(QGraphicsView::ScrollHandDrag);
    m_view->setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    m_view->setBackgroundBrush(Theme::current().panel());
    m_search->setPlaceholderText(tr("Find entities…"));
    m_search->setClearButtonEnabled(true);
    auto *fitButton = new QPushButton(tr("Fit"), this);
    connect(fitButton, &QPushButton::clicked, this, &TopologyView::fit);
    connect(m_search, &QLineEdit::textChanged, this, &TopologyView::setSearch);
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_status, 1);
    bar->addWidget(m_search, 1);
    bar->addWidget(fitButton);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);
    if (m_hub) {
        connect(m_hub, &SnapshotHub::snapshotChanged, this, &TopologyView::refreshFromEngine);
        refreshFromEngine();
    }
}

TopologyView::~TopologyView() = default;

void TopologyView::refreshFromEngine()
{
    const auto snapshot = m_hub->current();
    const Engine::Scenario *scenario = m_hub->engine().scenario();
    if (!snapshot || !scenario)
        return;
    // Components (pods and hosts roll into their service's health) and their calls.
    GraphInput graph;
    std::unordered_map<std::string, int> index;
    for (const Engine::Entity &e : scenario->estate.entities) {
        using K = Engine::EntityKind;
        if (e.kind != K::Service && e.kind != K::Database && e.kind != K::Cache && e.kind != K::Queue && e.kind != K::Switch && e.kind != K::Server)
            continue;
        index[e.id] = int(graph.nodes.size());
        graph.nodes.push_back({QString::fromStdString(e.id), QString::fromStdString(e.id), QSizeF(120, 26)});
    }
    for (const Engine::Edge &e : scenario->estate.edges) {
        const auto a = index.find(e.from), b = index.find(e.to);
        if (a != index.end() && b != index.end() && (e.kind == Engine::EdgeKind::Calls || e.kind == Engine::EdgeKind::ConnectsTo))
            graph.edges.push_back({a->second, b->second});
    }
    std::vector<int> states(graph.nodes.size(), 3);
    for (const auto &h : snapshot->health) {
        if (const auto it = index.find(h.entity); it != index.end())
            states[std::size_t(it->second)] = h.state == Engine::HealthState::Ok ? 0 : h.state == Engine::HealthState::Warning ? 1 : h.state == Engine::HealthState::Critical ? 2 : 3;
    }
    setGraph(graph, std::move(states));
}

void TopologyView::setGraph(const GraphInput &graph, std::vector<int> states)
{
    m_states = std::move(states);
    const QString signature = signatureOf(graph);
    if (signature == m_signature) {
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
    watcher->setFuture(QtConcurrent::run([graph] { return layoutGraph(graph); }));
}

void TopologyView::rebuildScene()
{
    m_scene->clear();
    if (!m_layout)
        return;
    if (!m_layout->error.isEmpty()) {
        m_status->setText(m_layout->error);
        return;
    }
    const QColor edgeColor = Theme::current().mutedText();
    for (std::size_t i = 0; i < m_layout->edgePaths.size(); ++i) {
        const auto &pts = m_layout->edgePaths[i];
        if (pts.size() < 2)
            continue;
        QPainterPath path(pts.front());
        if ((pts.size() - 1) % 3 == 0 && pts.size() >= 4) {
            for (int k = 1; k + 2 < pts.size(); k += 3)
                path.cubicTo(pts[k], pts[k + 1], pts[k + 2]);
        } else {
            for (int k = 1; k < pts.size(); ++k)
                path.lineTo(pts[k]);
        }
        const QPointF tip = m_layout->arrowTips[i].isNull() ? pts.back() : m_layout->arrowTips[i];
        path.lineTo(tip);
        // Arrow head at the callee.
        const QPointF from = pts.back() == tip ? pts[pts.size() - 2] : pts.back();
        const QLineF dir(tip, from);
        QLineF a = dir, b = dir;
        a.setLength(8);
        b.setLength(8);
        a.setAngle(dir.angle() + 25);
        b.setAngle(dir.angle() - 25);
        path.moveTo(tip);
        path.lineTo(a.p2());
        path.moveTo(tip);
        path.lineTo(b.p2());
        auto *item = m_scene->addPath(path, QPen(edgeColor, 1.2));
        item->setZValue(0);
    }
    for (std::size_t i = 0; i < m_graph.nodes.size() && i < m_layout->centres.size(); ++i) {
        auto *node = new NodeItem(m_graph.nodes[i].label, m_graph.nodes[i].size);
        node->setPos(m_layout->centres[i]);
        node->setData(0, m_graph.nodes[i].id);
        m_scene->addItem(node);
    }
    m_scene->setSceneRect(QRectF(QPointF(-20, -20), m_layout->bounds + QSizeF(40, 40)));
    applyStates();
    fit();
}

void TopologyView::applyStates()
{
    if (!m_layout)
        return;
    const QString needle = m_search->text().trimmed();
    int i = 0, matches = 0, unhealthy = 0;
    const auto items = m_scene->items(Qt::AscendingOrder);
    for (QGraphicsItem *item : items) {
        auto *node = dynamic_cast<NodeItem *>(item);
        if (!node)
            continue;
        const QString id = node->data(0).toString();
        const int nodeIndex = [&] {
            for (std::size_t k = 0; k < m_graph.nodes.size(); ++k)
                if (m_graph.nodes[k].id == id)
                    return int(k);
            return -1;
        }();
        const int state = nodeIndex >= 0 && std::size_t(nodeIndex) < m_states.size() ? m_states[std::size_t(nodeIndex)] : 3;
        const bool hit = !needle.isEmpty() && id.contains(needle, Qt::CaseInsensitive);
        matches += hit;
        unhealthy += state == 1 || state == 2;
        node->setState(state, hit);
        ++i;
    }
    m_matches = matches;
    m_status->setText(tr("%1 entities · %2 calls · %3 unhealthy · %4 layout %5 ms%6")
                          .arg(m_graph.nodes.size())
                          .arg(m_graph.edges.size())
                          .arg(unhealthy)
                          .arg(m_layout->engine)
                          .arg(qRound(m_layout->seconds * 1000))
                          .arg(needle.isEmpty() ? QString() : tr(" · %1 match “%2”").arg(matches).arg(needle)));
}

void TopologyView::setSearch(const QString &text)
{
    if (m_search->text() != text) {
        const QSignalBlocker block(m_search);
        m_search->setText(text);
    }
    applyStates();
}

void TopologyView::fit()
{
    if (!m_scene->itemsBoundingRect().isEmpty())
        m_view->fitInView(m_scene->itemsBoundingRect().adjusted(-20, -20, 20, 20), Qt::KeepAspectRatio);
}

bool TopologyView::waitForLayout(int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (m_layoutPending && timer.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    QCoreApplication::processEvents();
    return !m_layoutPending;
}

} // namespace Nocturne::Ui
