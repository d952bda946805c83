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

    void smallChangesKeepTheShape()
    {
        // 400 services (sfdp): laid out, then one more service and call; aligned onto the old positions, the old nodes
        // move about half as far as in a layout from scratch (sfdp's orientation is arbitrary).
        Ui::GraphInput g;
        for (int i = 0; i < 400; ++i)
            g.nodes.push_back({QStringLiteral("s%1").arg(i), QStringLiteral("s%1").arg(i), QSizeF(120, 26), QString()});
        for (int i = 1; i < 400; ++i)
            g.edges.push_back({(i - 1) / 3, i, 1, 0}); // a call tree
        const Ui::GraphLayout first = Ui::layoutGraph(g);
        QCOMPARE(first.engine, QStringLiteral("sfdp"));
        Ui::GraphInput changed = g;
        changed.nodes.push_back({QStringLiteral("new"), QStringLiteral("new"), QSizeF(120, 26), QString()});
        changed.edges.push_back({7, 400, 1, 0});
        QHash<QString, QPointF> previous;
        for (std::size_t i = 0; i < g.nodes.size(); ++i)
            previous.insert(g.nodes[i].id, first.centres[i]);
        const Ui::GraphLayout seeded = Ui::layoutGraph(changed, 300, previous);
        const Ui::GraphLayout scratch = Ui::layoutGraph(changed);
        // Displacement after aligning the centroids (a layout may shift as a whole).
        auto moved = [&](const Ui::GraphLayout &l) {
            QPointF ca, cb;
            for (std::size_t i = 0; i < g.nodes.size(); ++i)
                ca += first.centres[i], cb += l.centres[i];
            ca /= double(g.nodes.size());
            cb /= double(g.nodes.size());
            double sum = 0;
            for (std::size_t i = 0; i < g.nodes.size(); ++i)
                sum += QLineF(first.centres[i] - ca, l.centres[i] - cb).length();
            return sum / double(g.nodes.size());
        };
        const double seededMove = moved(seeded), scratchMove = moved(scratch);
        qInfo("mean displacement of the old nodes: aligned %.0f pt, from scratch %.0f pt (layout %.0f × %.0f pt)", seededMove, scratchMove,
              first.bounds.width(), first.bounds.height());
        QVERIFY(seededMove < 0.75 * scratchMove);
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
