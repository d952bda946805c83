// The Profiles view end to end: imports on a worker, flame graph zoom and breadcrumbs, search share, diff overlay and
// split (aligned panes), sandwich, time order. With NOCTURNE_SCREENSHOT_DIR set it saves the screenshots used in
// docs/profiles.md.
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "models/function_table_model.h"
#include "profile/hotspots.h"
#include "profile/profile_import.h"
#include "theme/theme.h"
#include "views/profiles/flame_chart_widget.h"
#include "views/profiles/flame_graph_widget.h"
#include "views/profiles/profiles_view.h"
#include "runtime/engine.h"
#include "scenario/scenario_library.h"
#include "scenario/scenario_profiler.h"
#include "shell/snapshot_hub.h"

using namespace Nocturne;

namespace {
QString fixture(const char *name)
{
    return QStringLiteral(NOCTURNE_SHARED_DIR "/bench/fixtures/profiles/") + QLatin1String(name);
}

void shoot(QWidget &w, const char *name)
{
    const QString dir = qEnvironmentVariable("NOCTURNE_SCREENSHOT_DIR");
    if (dir.isEmpty())
        return;
    QApplication::processEvents();
    w.grab().save(QDir(dir).filePath(QLatin1String(name)));
}

std::shared_ptr<const Engine::Profile> folded(const std::string &text, const char *name)
{
    Engine::ProfileImportOptions o;
    o.format = "folded";
    auto p = Engine::importProfile(text, name, o);
    if (!p)
        qFatal("%s", p.error().toString().c_str());
    return std::make_shared<const Engine::Profile>(std::move(*p));
}
} // namespace

class TestProfilesView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { Ui::Theme::apply(Ui::Theme::Kind::Dark); }

    void flameZoomSearchAndSandwich()
    {
        if (!QFile::exists(fixture("flamegraph-example-perf-stacks.folded")))
            QSKIP("../shared/bench/fixtures/profiles not present");
        Ui::ProfilesView view;
        view.resize(1600, 900);
        view.show();
        QAbstractItemModelTester tester(view.functions(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy imported(&view, &Ui::ProfilesView::imported);
        view.openFile(fixture("flamegraph-example-perf-stacks.folded"));
        QVERIFY(imported.wait(20000));
        QVERIFY(view.waitIdle());
        QCOMPARE(view.profileCount(), 1);
        QCOMPARE(view.functions()->rowCount(), 531);
        const Ui::FlameGraphWidget *flame = view.flame();
        QVERIFY(flame->tree());
        QCOMPARE(flame->tree()->total(), 1315.0);
        // Every box drawn fits the widget, children inside their parent's span.
        const auto &layout = flame->layout();
        QVERIFY(layout.rects.size() > 100);
        for (const auto &r : layout.rects)
            QVERIFY(r.x0 >= 0 && r.x1 <= flame->width() + 0.5 && r.x1 >= r.x0);
        shoot(view, "profiles-flame.png");

        // Click the widest box of the second row: it becomes the full-width zoom node; breadcrumbs name it.
        const Ui::FlameRect *target = nullptr;
        for (const auto &r : layout.rects)
            if (r.depth == 1 && (!target || r.x1 - r.x0 > target->x1 - target->x0))
                target = &r;
        QVERIFY(target);
        const Engine::CallNodeId node = target->node;
        const QString name = QString::fromStdString(std::string(flame->tree()->name(node)));
        const int y = flame->height() - 2 * Ui::FlameGraphWidget::kRowHeight - 2 + 5;
        QTest::mouseClick(const_cast<Ui::FlameGraphWidget *>(flame), Qt::LeftButton, {}, QPoint(int((target->x0 + target->x1) / 2), y));
        QCOMPARE(flame->zoom(), node);
        QVERIFY(view.breadcrumbs().contains(name.toHtmlEscaped()));
        QCOMPARE(flame->layout().rects.at(1).x1, float(flame->width()));
        QTest::keyClick(const_cast<Ui::FlameGraphWidget *>(flame), Qt::Key_Escape);
        QCOMPARE(flame->zoom(), Engine::CallTree::root());

        // Search: matched share of the profile.
        view.setSearch(QStringLiteral("ScriptableObject"));
        QVERIFY(view.waitIdle());
        QVERIFY(view.matchedText().startsWith(QStringLiteral("matched ")));
        QVERIFY(!view.matchedText().startsWith(QStringLiteral("matched 0.0")));
        shoot(view, "profiles-search.png");
        view.setSearch(QStringLiteral("(["));
        QVERIFY(view.waitIdle());
        QCOMPARE(view.matchedText(), QStringLiteral("bad pattern"));
        view.setSearch({});

        // Sandwich of the top self function.
        const auto top = *flame->tree()->frames().find("org/mozilla/javascript/ScriptableObject:.createSlot");
        view.showSandwich(top);
        QVERIFY(view.waitIdle());
        shoot(view, "profiles-sandwich.png");

        // Icicle and time order (this file has none: the chart says so instead of drawing nothing).
        view.setMode(Ui::ProfilesView::Mode::Icicle);
        view.setMode(Ui::ProfilesView::Mode::Flame);
    }

    void diffOverlayAndSplit()
    {
        // Baseline: encrypt 20 %; current: encrypt 60 % and a new compress path.
        Ui::ProfilesView view;
        view.resize(1600, 900);
        view.show();
        std::string before, after;
        const char *paths[] = {"main;server;handle;parse", "main;server;handle;db;query", "main;server;handle;encrypt;aes_block",
                               "main;server;handle;render;template", "main;gc;mark", "main;gc;sweep"};
        const int beforeWeights[] = {30, 25, 20, 15, 6, 4};
        const int afterWeights[] = {30, 25, 120, 15, 6, 4};
        for (int i = 0; i < 6; ++i) {
            before += std::string(paths[i]) + " " + std::to_string(beforeWeights[i]) + "\n";
            after += std::string(paths[i]) + " " + std::to_string(afterWeights[i]) + "\n";
        }
        after += "main;server;handle;compress;deflate 20\n";
        view.addProfile(QStringLiteral("checkout 10:00–10:10 (baseline)"), folded(before, "before"));
        view.addProfile(QStringLiteral("checkout 10:30–10:40 (incident)"), folded(after, "after"));
        view.setBaseline(0);
        QVERIFY(view.waitIdle());
        const Ui::FlameGraphWidget *flame = view.flame();
        QVERIFY(flame->diff());
        QCOMPARE(flame->colorMode(), Ui::FlameGraphWidget::ColorMode::Diff);
        const auto &d = *flame->diff();
        const auto &frames = d.tree.frames();
        const auto path = [&](std::initializer_list<const char *> names) {
            std::vector<Engine::FrameId> p;
            for (const char *n : names)
                p.push_back(*frames.find(n));
            return *d.tree.findPath(p);
        };
        // encrypt: 20 % → 54.5 % of the profile; normalised baseline 20 × 220/100 = 44.
        QCOMPARE(d.before[path({"main", "server", "handle", "encrypt"}).value], 44.0);
        QVERIFY(d.deltaTotal(path({"main", "server", "handle", "encrypt"})) > 0);
        QVERIFY(d.deltaTotal(path({"main", "server", "handle", "parse"})) < 0); // same samples, smaller share
        // The top-functions table shows the change column.
        bool sawDelta = false;
        for (int r = 0; r < view.functions()->rowCount(); ++r)
            sawDelta |= view.functions()->index(r, Ui::FunctionTableModel::Delta).data().toString().contains(QStringLiteral("pp"));
        QVERIFY(sawDelta);
        view.setSearch({});
        shoot(view, "profiles-diff-overlay.png");

        view.setDiffLayout(Ui::ProfilesView::DiffLayout::Split);
        QApplication::processEvents();
        const auto *left = view.splitBaseline();
        const auto *right = view.splitCurrent();
        QVERIFY(left->isVisible() && right->isVisible());
        QVERIFY(left->diff() == right->diff());
        // Same union tree, same order: the baseline's encrypt box is narrower than the current one, both start
        // right after the same siblings.
        const auto findRect = [](const Ui::FlameGraphWidget *w, Engine::CallNodeId id) {
            for (const auto &r : w->layout().rects)
                if (r.node == id)
                    return r;
            return Ui::FlameRect{};
        };
        const auto encrypt = path({"main", "server", "handle", "encrypt"});
        const auto l = findRect(left, encrypt), r = findRect(right, encrypt);
        QVERIFY(l.x1 - l.x0 < r.x1 - r.x0);
        // Zooming one pane zooms the other.
        const_cast<Ui::FlameGraphWidget *>(left)->setZoom(path({"main", "server"}));
        QCOMPARE(right->zoom(), path({"main", "server"}));
        shoot(view, "profiles-diff-split.png");
    }

    void incidentWindowVersusBaseline()
    {
        // The shop scenario's profiles around the search bad deploy (onset 42 m, 5 m): the incident's profile diff
        // shows the new hot function that only the deploy brought.
        auto scenario = Engine::loadScenario("shop");
        QVERIFY(scenario);
        Engine::Engine engine;
        const Engine::ScenarioProfiler profiler(*scenario, true);
        QVERIFY(profiler.services() >= 10);
        for (Engine::Timestamp t = scenario->start; t < scenario->start + 90 * Engine::kMinute; t += Engine::ScenarioProfiler::kPeriod)
            for (auto &p : profiler.generate(t))
                engine.profiles().add(std::move(p));
        Ui::SnapshotHub hub(engine);
        Ui::ProfilesView view(&hub);
        view.resize(1600, 900);
        view.show();
        hub.pollNow();
        QApplication::processEvents();
        QVERIFY(view.services().contains(QStringLiteral("search")));
        const Engine::Timestamp onset = scenario->start + 42 * Engine::kMinute;
        view.showIncidentDiff(QStringLiteral("search"), onset, onset + 5 * Engine::kMinute);
        QVERIFY(view.waitIdle());
        QCOMPARE(view.profileCount(), 2);
        const auto *diff = view.flame()->diff();
        QVERIFY(diff);
        const auto rebuild = diff->tree.frames().find("search/catalog.(*Index).Rebuild");
        QVERIFY(rebuild.has_value());
        // Only the incident window has it; it is among the top movers of the function table.
        std::vector<char> mask(diff->tree.frames().size(), 0);
        mask[rebuild->value] = 1;
        QVERIFY(Engine::inclusiveShare(diff->tree, mask) > 0.2);
        bool top = false;
        for (int r = 0; r < view.functions()->rowCount(); ++r) {
            const QModelIndex name = view.functions()->index(r, Ui::FunctionTableModel::Function);
            if (name.data().toString() == QLatin1String("search/catalog.(*Index).Rebuild"))
                top = view.functions()->index(r, Ui::FunctionTableModel::Delta).data(Ui::FunctionTableModel::SortRole).toDouble() > 0.2;
        }
        QVERIFY(top);
        view.setSearch(QStringLiteral("Rebuild"));
        QVERIFY(view.waitIdle());
        shoot(view, "profiles-incident-diff.png");
        // A service without profiles answers with a message, adds nothing.
        view.showIncidentDiff(QStringLiteral("no-such-service"), onset, onset + 5 * Engine::kMinute);
        QVERIFY(view.waitIdle());
        QCOMPARE(view.profileCount(), 2);
    }

    void timeOrder()
    {
        if (!QFile::exists(fixture("speedscope-Chrome_65_sucrase.cpuprofile")))
            QSKIP("fixtures not present");
        Ui::ProfilesView view;
        view.resize(1600, 900);
        view.show();
        QSignalSpy imported(&view, &Ui::ProfilesView::imported);
        view.openFile(fixture("speedscope-Chrome_65_sucrase.cpuprofile"));
        QVERIFY(imported.wait(20000));
        QVERIFY(view.waitIdle());
        view.setMode(Ui::ProfilesView::Mode::TimeOrder);
        // Zoomed on 40 ms of the run so that frames carry labels.
        Ui::FlameChartWidget *chart = view.chart();
        QVERIFY(chart->to() > chart->from());
        chart->setTimeRange(chart->from() + 2e6, chart->from() + 2.04e6);
        QCOMPARE(chart->to() - chart->from(), 0.04e6);
        shoot(view, "profiles-time-order.png");
        // A broken file: an error in the summary, nothing added, the view keeps working.
        QSignalSpy failed(&view, &Ui::ProfilesView::importFailed);
        QTemporaryDir dir;
        QFile bad(dir.filePath(QStringLiteral("bad.json")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("{\"nodes\": [1, 2");
        bad.close();
        view.openFile(bad.fileName());
        QVERIFY(failed.wait(10000));
        QCOMPARE(view.profileCount(), 1);
    }
};

QTEST_MAIN(TestProfilesView)
#include "tst_profiles_view.moc"
