#include <QAbstractItemModelTester>
#include <QApplication>
#include <QSignalSpy>
#include <QTest>

#include <QSortFilterProxyModel>
#include <QStandardItemModel>

#include "models/alert_group_model.h"
#include "models/entity_health_model.h"
#include "models/pattern_filter_proxy.h"
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

    void patternFilterProxy_data()
    {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QStringList>("rows");
        QTest::addColumn<bool>("refused");
        const QStringList all{QStringLiteral("http_errors{entity=\"order\"}"), QStringLiteral("cpu{entity=\"cart\"}"),
                              QStringLiteral("Order_latency{path=\"/a(b\"}")};
        QTest::newRow("empty shows all") << QString() << all << false;
        QTest::newRow("word anywhere, any case") << QStringLiteral("ORDER") << QStringList{all[0], all[2]} << false;
        QTest::newRow("anchored regex") << QStringLiteral("^cpu") << QStringList{all[1]} << false;
        QTest::newRow("alternation") << QStringLiteral("cart|latency") << QStringList{all[1], all[2]} << false;
        // RE2 refuses "a(b": the text is matched literally instead of emptying the list.
        QTest::newRow("refused falls back to literal") << QStringLiteral("a(b") << QStringList{all[2]} << true;
        QTest::newRow("backreference refused") << QStringLiteral("(o)\\1") << QStringList{} << true;
    }
    void patternFilterProxy()
    {
        QFETCH(QString, pattern);
        QFETCH(QStringList, rows);
        QFETCH(bool, refused);
        Ui::SeriesListModel model;
        model.appendEntries(
            {{Engine::SeriesId{0}, QStringLiteral("http_errors"), QStringLiteral("http_errors{entity=\"order\"}")},
             {Engine::SeriesId{1}, QStringLiteral("cpu"), QStringLiteral("cpu{entity=\"cart\"}")},
             {Engine::SeriesId{2}, QStringLiteral("Order_latency"), QStringLiteral("Order_latency{path=\"/a(b\"}")}});
        Ui::PatternFilterProxy proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        proxy.setPattern(QStringLiteral("cpu")); // a change from another filter, so the tester sees rows come and go
        proxy.setPattern(pattern);
        QStringList shown;
        for (int r = 0; r < proxy.rowCount(); ++r)
            shown << proxy.index(r, 0).data().toString();
        QCOMPARE(shown, rows);
        QCOMPARE(!proxy.patternError().isEmpty(), refused);
        if (refused)
            QVERIFY2(proxy.patternError().contains(QStringLiteral("offset")), qPrintable(proxy.patternError()));
    }

    void patternFilterProxyAnyColumnAndHostilePatterns()
    {
        QStandardItemModel table(0, 2);
        table.appendRow({new QStandardItem(QStringLiteral("order")), new QStandardItem(QStringLiteral("critical"))});
        table.appendRow({new QStandardItem(QStringLiteral("cart")), new QStandardItem(QStringLiteral("warning"))});
        table.appendRow({new QStandardItem(QString(100000, QLatin1Char('a')) + QLatin1Char('b')), new QStandardItem()});
        Ui::PatternFilterProxy proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&table);
        proxy.setPattern(QStringLiteral("CRIT"));
        QCOMPARE(proxy.rowCount(), 0); // column 0 only, as QSortFilterProxyModel's default
        proxy.setFilterKeyColumn(-1);
        proxy.setPattern(QStringLiteral("crit|^cart$"));
        QCOMPARE(proxy.rowCount(), 2);
        // Exponential for a backtracking engine, linear for RE2. The test finishing is the assertion.
        proxy.setPattern(QStringLiteral("(a+)+$"));
        QCOMPARE(proxy.rowCount(), 0);
        proxy.setPattern(QStringLiteral("(a+)+b$"));
        QCOMPARE(proxy.rowCount(), 1);
    }
};

QTEST_MAIN(TestModels)
#include "tst_models.moc"
