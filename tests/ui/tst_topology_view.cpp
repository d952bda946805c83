// Topology view: Graphviz layout on a worker, health by colour and shape, search, the shop estate from the engine.
#include <QApplication>
#include <QDir>
#include <QTest>

#include "runtime/engine.h"
#include "scenario/scenario_library.h"
#include "shell/snapshot_hub.h"
#include "theme/theme.h"
#include "views/topology/topology_view.h"

using namespace Nocturne;

class TestTopologyView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { Ui::Theme::apply(Ui::Theme::Kind::Dark); }

    void layoutSearchAndStates()
    {
        Ui::TopologyView view(nullptr);
        view.resize(1200, 800);
        view.show();
        Ui::GraphInput g;
        for (const char *n : {"gateway", "web", "order", "mysql", "redis"})
            g.nodes.push_back({QString::fromLatin1(n), QString::fromLatin1(n), QSizeF(120, 26), QString()});
        g.edges = {{0, 1, 10, 0}, {1, 2, 10, 0}, {2, 3, 5, 2}, {2, 4, 5, 0}};
        view.setGraph(g, {0, 0, 1, 2, 3});
        QVERIFY(view.waitForLayout());
        const Ui::GraphLayout *layout = view.layout();
        QVERIFY(layout && layout->error.isEmpty());
        QCOMPARE(layout->engine, QStringLiteral("dot"));
        QCOMPARE(layout->centres.size(), std::size_t(5));
        QCOMPARE(layout->edgePaths.size(), std::size_t(4));
        // Left to right: each caller sits left of what it calls.
        QVERIFY(layout->centres[0].x() < layout->centres[1].x());
        QVERIFY(layout->centres[2].x() < layout->centres[3].x());
        // Node boxes do not overlap.
        for (std::size_t a = 0; a < 5; ++a)
            for (std::size_t b = a + 1; b < 5; ++b) {
                const QRectF ra(layout->centres[a] - QPointF(60, 13), QSizeF(120, 26)), rb(layout->centres[b] - QPointF(60, 13), QSizeF(120, 26));
                QVERIFY(!ra.intersects(rb));
            }
        view.setSearch(QStringLiteral("r")); // order, mysql? no: "order", "redis"
        QCOMPARE(view.matches(), 2);
        // Same graph again: no new layout, only states.
        view.setGraph(g, {2, 2, 2, 2, 2});
        QVERIFY(view.waitForLayout(1));
        QCOMPARE(view.layout(), layout);
    }

    void shopEstateFromTheEngine()
    {
        auto scenario = Engine::loadScenario("shop");
        QVERIFY(scenario);
        Engine::Engine engine;
        QVERIFY(engine.loadScenario(std::move(*scenario)));
        Ui::SnapshotHub hub(engine);
        hub.pollNow();
        Ui::TopologyView view(&hub);
        view.resize(1600, 900);
        view.show();
        hub.pollNow();
        QVERIFY(view.waitForLayout());
        QVERIFY(view.layout());
        QVERIFY(view.layout()->centres.size() > 20);
        QVERIFY(view.layout()->error.isEmpty());
        const QString dir = qEnvironmentVariable("NOCTURNE_SCREENSHOT_DIR");
        if (!dir.isEmpty()) {
            view.graphicsView()->resetTransform();
            view.graphicsView()->scale(1.0, 1.0);
            QApplication::processEvents();
            view.grab().save(QDir(dir).filePath(QStringLiteral("topology.png")));
        }
    }
};

QTEST_MAIN(TestTopologyView)
#include "tst_topology_view.moc"
