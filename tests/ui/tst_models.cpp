#include <QAbstractItemModelTester>
#include <QApplication>
#include <QSignalSpy>
#include <QTest>

#include "models/entity_health_model.h"
#include "models/series_list_model.h"

using namespace Nocturne;

namespace {
Engine::EntityHealth tile(std::string entity, Engine::HealthState state, int children = 0)
{
    Engine::EntityHealth h;
    h.entity = std::move(entity);
    h.state = state;
    h.headline = "p99 12 ms";
    h.sparkline = {1, 2, 3};
    h.children = children;
    return h;
}
} // namespace

class TestModels : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void entityHealthModel()
    {
        Ui::EntityHealthModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        model.setHealth({tile("a", Engine::HealthState::Ok), tile("b", Engine::HealthState::Critical, 4)});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.columnCount(), int(Ui::EntityHealthModel::ColumnCount));
        QCOMPARE(model.data(model.index(1, Ui::EntityHealthModel::StateColumn)).toString(), QStringLiteral("■ CRIT"));
        QCOMPARE(model.data(model.index(1, 0), Ui::EntityHealthModel::StateRole).toInt(), int(Engine::HealthState::Critical));
        QCOMPARE(model.data(model.index(0, 0), Ui::EntityHealthModel::SparklineRole).value<QList<double>>().size(), 3);
        QCOMPARE(model.data(model.index(1, 0), Ui::EntityHealthModel::ChildrenRole).toString(), QStringLiteral("4 parts healthy"));
        // Same rows, new values: dataChanged, not a reset.
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setHealth({tile("a", Engine::HealthState::Warning), tile("b", Engine::HealthState::Ok)});
        QCOMPARE(reset.count(), 0);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(model.stateCounts()[std::size_t(Engine::HealthState::Warning)], 1);
        // Different rows: reset.
        model.setHealth({tile("c", Engine::HealthState::Unknown)});
        QCOMPARE(reset.count(), 1);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.data(model.index(0, Ui::EntityHealthModel::StateColumn)).toString(), QStringLiteral("? N/A"));
        model.setHealth({});
        QCOMPARE(model.rowCount(), 0);
    }

    void seriesListModel()
    {
        Ui::SeriesListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.appendEntries({{Engine::SeriesId{0}, QStringLiteral("cpu"), QStringLiteral("cpu{host=\"a\"}")},
                             {Engine::SeriesId{1}, QStringLiteral("cpu"), QStringLiteral("cpu{host=\"b\"}")}});
        QCOMPARE(model.rowCount(), 2);
        // Known ids are not duplicated; new ones are appended.
        model.appendEntries({{Engine::SeriesId{1}, QStringLiteral("cpu"), QStringLiteral("cpu{host=\"b\"}")},
                             {Engine::SeriesId{2}, QStringLiteral("mem"), QStringLiteral("mem{host=\"a\"}")}});
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(inserted.count(), 2);
        QCOMPARE(model.rowOf(Engine::SeriesId{2}), 2);
        QCOMPARE(model.rowOf(Engine::SeriesId{9}), -1);
        QCOMPARE(model.data(model.index(2), Ui::SeriesListModel::MetricNameRole).toString(), QStringLiteral("mem"));
        QCOMPARE(model.data(model.index(0), Ui::SeriesListModel::SeriesIdRole).toUInt(), 0u);
    }
};

QTEST_MAIN(TestModels)
#include "tst_models.moc"
