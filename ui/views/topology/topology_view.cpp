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
#include "views/topology/graph_item.h"

namespace Nocturne::Ui {

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
