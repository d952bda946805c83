// The alert timeline: the time↔x mapping (data tables), the layout (lanes, grouping, collapse, filter, bars, bands),
// interaction (zoom keeps the anchor, click opens an alert), and the Incidents and alerts dock on a live engine.
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QDir>
#include <QTest>

#include "models/alert_table_model.h"
#include "theme/theme.h"
#include "views/timeline/time_axis.h"
#include "views/timeline/timeline_layout.h"
#include "views/timeline/timeline_view.h"

using namespace Nocturne;
using Engine::kMinute;
using Engine::kSecond;

namespace {
constexpr std::int64_t T0 = 1'700'000'000LL * kSecond;

Engine::Alert makeAlert(std::int64_t id, const std::string &entity, const std::string &kind, std::int64_t start, std::int64_t end,
                        Engine::AlertState state = Engine::AlertState::Firing)
{
    Engine::Alert a;
    a.id = id;
    a.name = "Alert" + std::to_string(id);
    a.entity = entity;
    a.labels = {{"kind", kind}};
    a.startsAt = start;
    a.endsAt = end;
    a.state = state;
    return a;
}
} // namespace

class TestTimeline : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void axisMapping_data()
    {
        QTest::addColumn<qlonglong>("t");
        QTest::addColumn<double>("x");
        // from T0, 1 h over 100..1100 px
        QTest::newRow("start") << qlonglong(T0) << 100.0;
        QTest::newRow("end") << qlonglong(T0 + 60 * kMinute) << 1100.0;
        QTest::newRow("middle") << qlonglong(T0 + 30 * kMinute) << 600.0;
        QTest::newRow("before") << qlonglong(T0 - 6 * kMinute) << 0.0;
        QTest::newRow("after") << qlonglong(T0 + 66 * kMinute) << 1200.0;
    }
    void axisMapping()
    {
        QFETCH(qlonglong, t);
        QFETCH(double, x);
        const Ui::TimeAxis axis{T0, T0 + 60 * kMinute, 100, 1000};
        QCOMPARE(axis.toX(t), x);
        QCOMPARE(axis.toTime(x), std::int64_t(t));
    }

    void axisZoomKeepsAnchorAndLimits_data()
    {
        QTest::addColumn<double>("factor");
        QTest::addColumn<double>("anchorX");
        QTest::newRow("in at left third") << 2.0 << 433.0;
        QTest::newRow("out at right") << 0.5 << 1000.0;
        QTest::newRow("in at edge") << 4.0 << 100.0;
    }
    void axisZoomKeepsAnchorAndLimits()
    {
        QFETCH(double, factor);
        QFETCH(double, anchorX);
        Ui::TimeAxis axis{T0, T0 + 60 * kMinute, 100, 1000};
        const std::int64_t anchor = axis.toTime(anchorX);
        axis.zoom(factor, anchorX);
        QVERIFY(std::abs(axis.toTime(anchorX) - anchor) <= kSecond);
        QCOMPARE(axis.span(), std::int64_t(double(60 * kMinute) / factor));
        for (int i = 0; i < 50; ++i)
            axis.zoom(10, anchorX);
        QCOMPARE(axis.span(), Ui::TimeAxis::kMinSpan);
        for (int i = 0; i < 50; ++i)
            axis.zoom(0.1, anchorX);
        QCOMPARE(axis.span(), Ui::TimeAxis::kMaxSpan);
    }

    void axisPanAndTicks()
    {
        Ui::TimeAxis axis{T0, T0 + 60 * kMinute, 0, 1200};
        axis.pan(600); // drag right by half the width: half an hour earlier
        QCOMPARE(axis.from, T0 - 30 * kMinute);
        QCOMPARE(axis.tickStep(90), std::int64_t(5 * kMinute)); // 100 px per 5 min
        QCOMPARE((Ui::TimeAxis{T0, T0 + 7 * 86'400 * kSecond, 0, 1200}.tickStep(90)), std::int64_t(86'400) * kSecond);
    }

    void layoutGroupsCollapsesAndFilters()
    {
        std::vector<Engine::Alert> alerts = {
            makeAlert(1, "cart", "service", T0, 0), makeAlert(2, "cart", "service", T0 + kMinute, T0 + 2 * kMinute, Engine::AlertState::Resolved),
            makeAlert(3, "node-1", "host", T0, 0), makeAlert(4, "redis-3", "cache", T0 + 3 * kMinute, 0)};
        alerts[0].incidentId = alerts[1].incidentId = 7;
        Engine::Incident incident;
        incident.id = 7;
        incident.start = T0;
        incident.end = T0 + 10 * kMinute;
        incident.alerts = {1, 2};
        const auto layout = Ui::TimelineLayout::build(alerts, {incident}, T0 + 5 * kMinute);
        // headers: cache, host, service (sorted) each with one entity lane
        QCOMPARE(layout.lanes.size(), std::size_t(6));
        QVERIFY(layout.lanes[0].header);
        QCOMPARE(layout.lanes[0].label, std::string("cache"));
        QCOMPARE(layout.lanes[5].label, std::string("cart"));
        QCOMPARE(layout.bars.size(), std::size_t(4));
        QCOMPARE(layout.bands.size(), std::size_t(1));
        // an active bar runs to now; a resolved one to its end
        const auto cartBars = std::count_if(layout.bars.begin(), layout.bars.end(), [](const auto &b) { return b.lane == 5; });
        QCOMPARE(cartBars, 2);
        QCOMPARE(layout.bars.back().t1, T0 + 2 * kMinute);
        const auto collapsed = Ui::TimelineLayout::build(alerts, {}, T0 + 5 * kMinute, {"service"});
        QCOMPARE(collapsed.lanes.size(), std::size_t(5)); // cart folded into its header
        const auto filtered = Ui::TimelineLayout::build(alerts, {}, T0 + 5 * kMinute, {}, "REDIS");
        // One incident's alerts only (the war room).
        QVERIFY(Ui::TimelineLayout::build(alerts, {}, T0 + 5 * kMinute, {}, {}, 99).lanes.empty());
        const auto ofSeven = Ui::TimelineLayout::build(alerts, {incident}, T0 + 5 * kMinute, {}, {}, 7);
        QCOMPARE(ofSeven.bars.size(), std::size_t(2));
        QCOMPARE(ofSeven.lanes.size(), std::size_t(2)); // service header + cart
        QCOMPARE(filtered.bars.size(), std::size_t(1));
    }

    void viewPaintsAndOpensAlerts()
    {
        Ui::Theme::apply(Ui::Theme::Kind::Dark);
        std::vector<Engine::Alert> alerts;
        for (int i = 0; i < 300; ++i)
            alerts.push_back(makeAlert(i + 1, "svc-" + std::to_string(i % 30), i % 2 ? "service" : "pod", T0 + i * kMinute / 10, 0));
        Ui::TimelineView view(nullptr);
        view.resize(1200, 500);
        view.setLayoutData(std::make_shared<const Ui::TimelineLayout>(Ui::TimelineLayout::build(alerts, {}, T0 + 40 * kMinute)), T0 + 40 * kMinute);
        view.axis() = Ui::TimeAxis{T0 - kMinute, T0 + 40 * kMinute, double(Ui::TimelineView::kGutter), 1000};
        QImage image(view.size(), QImage::Format_ARGB32);
        view.render(&image);
        QVERIFY(image.save(QDir::temp().filePath(QStringLiteral("nocturne-timeline-test.png"))));
        QSignalSpy opened(&view, &Ui::TimelineView::alertActivated);
        // The first lane under the first header holds svc-0's bars from T0: click on its first bar.
        const int y = Ui::TimelineView::kAxisHeight + Ui::TimelineView::kLaneHeight + Ui::TimelineView::kLaneHeight / 2;
        const int x = int(view.axis().toX(T0 + 5 * kSecond));
        QTest::mouseClick(&view, Qt::LeftButton, {}, QPoint(x, y));
        QCOMPARE(opened.count(), 1);
        const std::int64_t before = view.axis().span();
        QTest::keyClick(&view, Qt::Key_Plus);
        QVERIFY(view.axis().span() < before);
        QSignalSpy brushed(&view, &Ui::TimelineView::rangeSelected);
        QTest::mousePress(&view, Qt::LeftButton, Qt::ShiftModifier, QPoint(400, 200));
        QTest::mouseMove(&view, QPoint(600, 200));
        QTest::mouseRelease(&view, Qt::LeftButton, Qt::ShiftModifier, QPoint(600, 200));
        QCOMPARE(brushed.count(), 1);
    }

    void alertModelSortsAndFilters()
    {
        auto alerts = std::make_shared<std::vector<Engine::Alert>>();
        alerts->push_back(makeAlert(1, "cart", "service", T0, 0));
        alerts->push_back(makeAlert(2, "redis-3", "cache", T0 + kMinute, 0));
        alerts->back().severity = Engine::AlertSeverity::Critical;
        Ui::AlertTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setAlerts(alerts);
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(Ui::AlertTableModel::SortRole);
        proxy.sort(Ui::AlertTableModel::Severity, Qt::AscendingOrder);
        QCOMPARE(proxy.index(0, Ui::AlertTableModel::Entity).data().toString(), QStringLiteral("redis-3"));
        proxy.setFilterKeyColumn(-1);
        proxy.setFilterFixedString(QStringLiteral("cart"));
        QCOMPARE(proxy.rowCount(), 1);
        QVERIFY(model.index(0, Ui::AlertTableModel::State).data().toString().contains(QStringLiteral("firing")));
    }
};

QTEST_MAIN(TestTimeline)
#include "tst_timeline.moc"
