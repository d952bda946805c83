#include <QAbstractItemModelTester>
#include <QApplication>
#include <QSignalSpy>
#include <QTest>

#include <QSortFilterProxyModel>
#include <QStandardItemModel>

#include "models/alert_group_model.h"
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

    void alertGroupModel()
    {
        // A flat table: column 0 = entity, column 1 = severity (SortRole = rank, 0 most severe).
        constexpr int SortRole = Qt::UserRole + 1;
        QStandardItemModel flat(0, 2);
        const auto add = [&](const QString &entity, int severity) {
            auto *e = new QStandardItem(entity);
            auto *s = new QStandardItem(QStringLiteral("S%1").arg(severity));
            s->setData(severity, SortRole);
            flat.appendRow({e, s});
        };
        add(QStringLiteral("db"), 2);
        add(QStringLiteral("web"), 3);
        add(QStringLiteral("db"), 0);
        add(QStringLiteral("cache"), 3);
        add(QStringLiteral("web"), 3);
        add(QStringLiteral("web"), 4);
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&flat);
        Ui::AlertGroupModel groups;
        QAbstractItemModelTester tester(&groups, QAbstractItemModelTester::FailureReportingMode::QtTest);
        groups.setSourceModel(&proxy, SortRole, 1);
        QCOMPARE(groups.rowCount(), 0); // no grouping: empty
        groups.setGroupColumn(0);
        // Worst severity first (db has a 0), then size (web 3 alerts before cache 1, both worst 3).
        QCOMPARE(groups.rowCount(), 3);
        QCOMPARE(groups.index(0, 0).data(Ui::AlertGroupModel::GroupKeyRole).toString(), QStringLiteral("db"));
        QCOMPARE(groups.index(1, 0).data(Ui::AlertGroupModel::GroupKeyRole).toString(), QStringLiteral("web"));
        QCOMPARE(groups.index(2, 0).data(Ui::AlertGroupModel::GroupKeyRole).toString(), QStringLiteral("cache"));
        QCOMPARE(groups.index(1, 0).data(Ui::AlertGroupModel::GroupSizeRole).toInt(), 3);
        QCOMPARE(groups.index(0, 1).data().toString(), QStringLiteral("S0")); // the group's worst severity
        const QModelIndex web = groups.index(1, 0);
        QCOMPARE(groups.rowCount(web), 3);
        // Children keep the flat model's order and read through to it.
        QCOMPARE(groups.index(2, 1, web).data().toString(), QStringLiteral("S4"));
        QCOMPARE(groups.sourceRow(groups.index(2, 1, web)), 5);
        QCOMPARE(groups.parent(groups.index(2, 1, web)), web);
        // Filtering the flat model regroups (coalesced to one rebuild per event-loop turn).
        QSignalSpy rebuilt(&groups, &Ui::AlertGroupModel::rebuilt);
        proxy.setFilterFixedString(QStringLiteral("web"));
        QVERIFY(rebuilt.wait(1000));
        QCOMPARE(rebuilt.count(), 1);
        QCOMPARE(groups.rowCount(), 1);
        QCOMPARE(groups.rowCount(groups.index(0, 0)), 3);
        // Group by severity instead.
        proxy.setFilterFixedString({});
        groups.setGroupColumn(1);
        QCOMPARE(groups.rowCount(), 4);
        QCOMPARE(groups.index(3, 0).data(Ui::AlertGroupModel::GroupKeyRole).toString(), QStringLiteral("S4"));
        groups.setGroupColumn(-1);
        QCOMPARE(groups.rowCount(), 0);
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
