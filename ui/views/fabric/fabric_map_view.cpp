#include "fabric_map_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "runtime/engine.h"
#include "shell/snapshot_hub.h"

namespace Nocturne::Ui {

using Engine::Fabric;


FabricMapView::FabricMapView(SnapshotHub *hub, QWidget *parent)
    : QWidget(parent)
    , m_hub(hub)
    , m_toolbar(new QWidget(this))
    , m_heat(new QComboBox(m_toolbar))
    , m_links(new QComboBox(m_toolbar))
    , m_rail(new QComboBox(m_toolbar))
    , m_search(new QLineEdit(m_toolbar))
    , m_pathLabel(new QLabel(m_toolbar))
    , m_canvas(new FabricMapCanvas(this))
    , m_side(new QTextBrowser(this))
    , m_timer(new QTimer(this))
{
    auto *bar = new QHBoxLayout(m_toolbar);
    bar->setContentsMargins(4, 2, 4, 2);
    m_heat->addItems({tr("GPU utilisation"), tr("GPU temperature"), tr("GPU XID")});
    m_links->addItems({tr("Links: utilisation"), tr("Links: errors")});
    m_rail->addItem(tr("All rails"));
    m_search->setPlaceholderText(tr("Find host, GUID or port…"));
    m_search->setClearButtonEnabled(true);
    auto *fitButton = new QPushButton(tr("Fit"), m_toolbar);
    auto *clearPath = new QPushButton(tr("Clear path"), m_toolbar);
    m_pathLabel->setText(tr("Click two servers to trace the path between them"));
    for (QWidget *w : std::initializer_list<QWidget *>{m_heat, m_links, m_rail, m_search})
        bar->addWidget(w);
    bar->addWidget(fitButton);
    bar->addWidget(m_pathLabel, 1);
    bar->addWidget(clearPath);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_canvas);
    split->addWidget(m_side);
    split->setStretchFactor(0, 4);
    split->setStretchFactor(1, 1);
    m_side->setMinimumWidth(260);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_toolbar);
    layout->addWidget(split, 1);

    connect(m_heat, &QComboBox::currentIndexChanged, this, [this](int i) { m_canvas->setHeatMode(FabricMapCanvas::HeatMode(i)); });
    connect(m_links, &QComboBox::currentIndexChanged, this, [this](int i) { m_canvas->setLinkMode(FabricMapCanvas::LinkMode(i)); });
    connect(m_rail, &QComboBox::currentIndexChanged, this, [this](int i) { m_canvas->setRail(i - 1); });
    connect(m_search, &QLineEdit::returnPressed, this, [this] { search(m_search->text()); });
    connect(fitButton, &QPushButton::clicked, m_canvas, &FabricMapCanvas::fit);
    connect(clearPath, &QPushButton::clicked, this, [this] { setPathEndpoints({}, {}); });
    connect(m_canvas, &FabricMapCanvas::serverClicked, this, &FabricMapView::onServerClicked);
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &FabricMapView::refresh);
    if (m_hub)
        m_timer->start();
}

void FabricMapView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refresh();
}

void FabricMapView::refresh()
{
    if (!m_hub || !isVisible())
        return;
    setFabric(m_hub->engine().fabric());
    setHealth(m_hub->engine().fabricHealth());
}

void FabricMapView::setFabric(std::shared_ptr<const Engine::Fabric> fabric)
{
    if (fabric == m_fabric)
        return;
    m_fabric = std::move(fabric);
    m_canvas->setFabric(m_fabric);
    m_rail->blockSignals(true);
    while (m_rail->count() > 1)
        m_rail->removeItem(1);
    int rails = 0;
    if (m_fabric)
        for (const auto &n : m_fabric->nodes)
            rails = std::max(rails, n.rail + 1);
    for (int r = 0; r < rails; ++r)
        m_rail->addItem(tr("Rail %1").arg(r));
    m_rail->blockSignals(false);
    m_endA.clear();
    m_endB.clear();
    m_paths.clear();
    renderSide();
}

void FabricMapView::setHealth(std::shared_ptr<const Engine::FabricHealthSnapshot> health)
{
    if (health == m_health)
        return;
    m_health = std::move(health);
    m_canvas->setHealth(m_health);
    renderSide();
}

void FabricMapView::setWallMode(bool wall)
{
    m_toolbar->setVisible(!wall);
    m_side->setVisible(!wall);
    m_canvas->setWallMode(wall);
    m_canvas->fit();
}

void FabricMapView::onServerClicked(int server)
{
    if (!m_fabric)
        return;
    const QString name = QString::fromStdString(m_fabric->servers[std::size_t(server)].name);
    if (m_endA.isEmpty() || !m_endB.isEmpty()) {
        m_endA = name;
        m_endB.clear();
        m_paths.clear();
        m_canvas->setPaths({});
        m_canvas->setHighlight(m_canvas->mapLayout().serverRect[std::size_t(server)]);
        m_pathLabel->setText(tr("From %1 — click a second server").arg(name));
        renderSide();
        return;
    }
    setPathEndpoints(m_endA, name);
}

bool FabricMapView::setPathEndpoints(const QString &a, const QString &b)
{
    m_endA = a;
    m_endB = b;
    m_paths.clear();
    m_canvas->setHighlight({});
    if (!m_fabric || a.isEmpty() || b.isEmpty()) {
        m_canvas->setPaths({});
        m_pathLabel->setText(tr("Click two servers to trace the path between them"));
        renderSide();
        return false;
    }
    auto paths = m_fabric->pathsBetween(a.toStdString(), b.toStdString());
    if (!paths) {
        m_pathLabel->setText(QString::fromStdString(paths.error().message));
        m_canvas->setPaths({});
        renderSide();
        return false;
    }
    m_paths = std::move(*paths);
    m_canvas->setPaths(m_paths);
    m_pathLabel->setText(tr("Path %1 → %2: %n rail(s)", nullptr, int(m_paths.size())).arg(a, b));
    renderSide();
    return true;
}

bool FabricMapView::search(const QString &text)
{
    if (!m_fabric)
        return false;
    const Fabric::Lookup l = m_fabric->lookup(text.trimmed().toStdString());
    const FabricMapLayout &layout = m_canvas->mapLayout();
    QRectF r;
    switch (l.kind) {
    case Fabric::Lookup::Kind::Server: r = layout.serverRect[std::size_t(l.index)]; break;
    case Fabric::Lookup::Kind::Gpu: r = layout.gpuRect[std::size_t(l.index)]; break;
    case Fabric::Lookup::Kind::Node: r = layout.nodeRect[std::size_t(l.index)]; break;
    case Fabric::Lookup::Kind::Port:
    case Fabric::Lookup::Kind::Transceiver: r = layout.nodeRect[std::size_t(m_fabric->ports[std::size_t(l.index)].node)]; break;
    case Fabric::Lookup::Kind::None: break;
    }
    if (r.isNull()) {
        m_pathLabel->setText(tr("Nothing named “%1”").arg(text));
        return false;
    }
    m_canvas->setHighlight(r);
    m_canvas->centreOn(r, 2.0);
    return true;
}

QString FabricMapView::pathReport() const
{
    return m_side->toPlainText();
}

void FabricMapView::renderSide()
{
    QString html;
    auto esc = [](const std::string &s) { return QString::fromStdString(s).toHtmlEscaped(); };
    auto stateOf = [&](const std::string &element, QString &detail) -> int {
        int state = 0;
        if (!m_health || !m_fabric)
            return 0;
        const Fabric::Lookup l = m_fabric->lookup(element);
        if (l.kind == Fabric::Lookup::Kind::Gpu) {
            const std::size_t g = std::size_t(l.index);
            detail = QStringLiteral("%1 % · %2 °C").arg(std::isnan(m_health->gpuUtil[g]) ? QStringLiteral("–") : QString::number(m_health->gpuUtil[g], 'f', 0),
                                                         std::isnan(m_health->gpuTemp[g]) ? QStringLiteral("–") : QString::number(m_health->gpuTemp[g], 'f', 0));
            if (m_health->gpuXid[g] > 0) {
                detail += QStringLiteral(" · XID %1").arg(m_health->gpuXid[g]);
                state = 2;
            }
        } else if (l.kind == Fabric::Lookup::Kind::Port) {
            const std::size_t p = std::size_t(l.index);
            state = m_health->portState[p];
            if (!std::isnan(m_health->portUtil[p]))
                detail += QStringLiteral("%1 % busy").arg(m_health->portUtil[p] * 100, 0, 'f', 0);
            if (!std::isnan(m_health->portErrors[p]) && m_health->portErrors[p] >= 0.5f)
                detail += QStringLiteral(" · %1 errors/s").arg(m_health->portErrors[p], 0, 'f', 1);
        } else if (l.kind == Fabric::Lookup::Kind::Transceiver) {
            const float s = m_health->xcvrScore[std::size_t(l.index)];
            if (!std::isnan(s)) {
                detail = QStringLiteral("optic score %1").arg(s, 0, 'f', 0);
                state = s < 40 ? 2 : s < 75 ? 1 : 0;
            }
        }
        for (const auto &f : m_health->findings)
            if (f.element == element && f.rootCandidate) {
                state = std::max(state, f.severity >= 0.6 ? 2 : 1);
                detail += QStringLiteral(" — ") + esc(f.summary);
            }
        return state;
    };
    static const char *glyph[] = {"✓", "▲", "✕"};
    static const char *colour[] = {"#009e73", "#e69f00", "#d55e00"};
    if (!m_paths.empty()) {
        html += tr("<h3>Path %1 → %2</h3>").arg(m_endA.toHtmlEscaped(), m_endB.toHtmlEscaped());
        // Rails with trouble first: the hop that needs attention should not sit below seven healthy rails.
        std::vector<std::pair<int, const Engine::FabricPath *>> ordered;
        for (const auto &path : m_paths) {
            int worst = 0;
            for (const auto &stage : path.stages)
                for (const std::string &e : stage.elements) {
                    QString ignored;
                    worst = std::max(worst, stateOf(e, ignored));
                }
            ordered.emplace_back(worst, &path);
        }
        std::stable_sort(ordered.begin(), ordered.end(), [](const auto &a, const auto &b) { return a.first > b.first; });
        for (const auto &[pathState, pathPtr] : ordered) {
            const auto &path = *pathPtr;
            html += tr("<p><b>Rail %1</b>: %2 → %3, %4 equal-cost path(s)</p><table cellspacing=2>")
                        .arg(path.rail).arg(esc(path.from), esc(path.to)).arg(path.ecmpPaths, 0, 'f', 0);
            for (const auto &stage : path.stages) {
                int worst = 0;
                QString detail, worstName = esc(stage.elements.front());
                for (const std::string &e : stage.elements) {
                    QString d;
                    const int s = stateOf(e, d);
                    if (s > worst || detail.isEmpty()) {
                        if (s >= worst) {
                            worstName = esc(e);
                            detail = d;
                        }
                        worst = std::max(worst, s);
                    }
                }
                const QString alternatives = stage.elements.size() > 1 ? tr(" <i>(1 of %1)</i>").arg(stage.elements.size()) : QString();
                html += QStringLiteral("<tr><td style='color:%1'>%2</td><td>%3%4</td><td style='color:#9aa4ad'>%5</td></tr>")
                            .arg(QLatin1String(colour[worst]), QString::fromUtf8(glyph[worst]), worstName, alternatives, detail);
            }
            html += QStringLiteral("</table>");
        }
    }
    if (m_health && !m_health->findings.empty()) {
        std::vector<const Engine::FabricFinding *> findings;
        for (const auto &f : m_health->findings)
            findings.push_back(&f);
        std::stable_sort(findings.begin(), findings.end(), [](auto *a, auto *b) {
            return std::make_pair(a->rootCandidate, a->severity) > std::make_pair(b->rootCandidate, b->severity);
        });
        html += tr("<h3>Findings (%1)</h3><table cellspacing=2>").arg(findings.size());
        for (std::size_t i = 0; i < findings.size() && i < 12; ++i) {
            const auto *f = findings[i];
            const int s = f->severity >= 0.6 ? 2 : 1;
            html += QStringLiteral("<tr><td style='color:%1'>%2</td><td><b>%3</b><br>%4%5</td></tr>")
                        .arg(QLatin1String(colour[s]), QString::fromUtf8(glyph[s]), esc(f->element), esc(f->summary),
                             f->rootCandidate ? QString() : tr(" <i>(symptom)</i>"));
        }
        html += QStringLiteral("</table>");
        if (!m_health->proposals.empty()) {
            html += tr("<h3>Proposed actions</h3><ul>");
            for (const auto &p : m_health->proposals)
                html += tr("<li><b>%1 %2</b> — %3<br>blast radius: %n host(s)", nullptr, int(p.hosts.size()))
                            .arg(esc(p.action), esc(p.target), esc(p.reason)) +
                        (p.jobs.empty() ? QString() : tr(", jobs: %1").arg(esc(p.jobs.front()) + (p.jobs.size() > 1 ? QStringLiteral(" …") : QString()))) +
                        QStringLiteral("</li>");
            html += QStringLiteral("</ul><p style='color:#9aa4ad'>") + tr("Proposals wait for the remediation engine and an operator's approval.") +
                    QStringLiteral("</p>");
        }
    } else if (m_fabric) {
        html += tr("<p style='color:#009e73'>✓ No fabric findings.</p>");
    }
    if (m_fabric)
        html += tr("<p style='color:#9aa4ad'>%1 servers · %2 GPUs · %3 switches · %4 links</p>")
                    .arg(m_fabric->servers.size()).arg(m_fabric->gpus.size()).arg(m_fabric->switchCount()).arg(m_fabric->links.size());
    m_side->setHtml(html);
}

} // namespace Nocturne::Ui
