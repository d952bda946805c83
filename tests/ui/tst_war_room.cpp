// War room: one incident of the shop scenario ranked, drawn and worked on: causes with evidence and paths, the
// incident's sub-graph with the propagation path, evidence charts, verdicts and notes (persisted, attributed,
// re-weighting), and the Markdown / HTML / PDF report with its images. Also the topology view's path, k-hop focus
// and minimap on the whole estate.
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QGraphicsView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include "runtime/engine.h"
#include "scenario/scenario_library.h"
#include "shell/snapshot_hub.h"
#include "theme/theme.h"
#include "views/topology/topology_view.h"
#include "views/warroom/war_room_view.h"

using namespace Nocturne;

class TestWarRoom : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;
    std::unique_ptr<Engine::Engine> m_engine;

    std::int64_t incidentOn(const std::string &entity) const
    {
        const auto snapshot = m_engine->publishNow();
        for (const auto &inc : *snapshot->incidents)
            if (inc.entities.count(entity))
                return inc.id;
        return 0;
    }

private Q_SLOTS:
    void initTestCase()
    {
        qputenv("NOCTURNE_USER", "alice");
        Ui::Theme::apply(Ui::Theme::Kind::Dark);
        Engine::Engine::Options options;
        options.eventDatabase = m_dir.filePath(QStringLiteral("events.sqlite")).toStdString();
        m_engine = std::make_unique<Engine::Engine>(options);
        auto scenario = Engine::loadScenario("shop");
        QVERIFY(scenario);
        QVERIFY(m_engine->loadScenario(std::move(*scenario)));
        Engine::Engine::ReplayOptions replay;
        replay.speed = 0;
        replay.duration = 21 * Engine::kMinute; // the Redis slot migration (6 m) and the row-lock contention (15 m)
        QVERIFY(m_engine->startReplay(replay));
        m_engine->waitForReplay();
    }

    void warRoomOnTheRowLockIncident()
    {
        const std::int64_t id = incidentOn("mysql-primary");
        QVERIFY(id > 0);
        Ui::SnapshotHub hub(*m_engine);
        hub.pollNow();
        Ui::WarRoomView room(hub);
        room.resize(1920, 1080);
        room.show();
        room.showIncident(id);
        QVERIFY(room.waitForDiagnosis());
        QVERIFY(room.topology()->waitForLayout());
        QVERIFY(room.waitForDiagnosis());
        QVERIFY(!room.causes().empty());
        // Every candidate shown has an entity, a class, a confidence, evidence, a path that ends at the symptom.
        const auto &top = room.causes().front();
        QVERIFY(!top.faultClass.empty());
        QVERIFY(top.confidence > 0);
        QVERIFY(!top.evidence.empty());
        QVERIFY(!top.propagationPath.empty());
        QCOMPARE(top.propagationPath.front(), top.entity);
        QCOMPARE(room.causeTree()->topLevelItemCount(), int(room.causes().size()));
        QVERIFY(room.causeTree()->topLevelItem(0)->childCount() >= 3); // evidence, blast radius, disproof
        QVERIFY(room.evidenceCharts() >= 1);
        // The sub-graph holds the incident's entities, and the path is drawn.
        const auto &graph = room.topology()->graph();
        QVERIFY(graph.nodes.size() >= 2);
        QVERIFY(graph.nodes.size() < 40); // a sub-graph, not the estate
        // Verdicts: attributed, noted, re-weighting the next ranking.
        const std::string rejected = top.entity, rejectedClass = top.faultClass;
        QVERIFY(room.rejectSelected(QString())); // a rejection may come without a note
        QVERIFY(room.waitForDiagnosis());
        QVERIFY(m_engine->causeFeedbackWeight(rejected, rejectedClass) < 1.0);
        const auto notes = m_engine->incidentNotes(id);
        QVERIFY(!notes.empty());
        QCOMPARE(notes.back().who, std::string("alice"));
        QCOMPARE(notes.back().kind, std::string("reject"));
        QVERIFY(room.addNote(QStringLiteral("Flash sale started 14:00; DBA paged")));
        QVERIFY(!room.addNote(QStringLiteral("   ")));
        QCOMPARE(room.notes()->count(), int(m_engine->incidentNotes(id).size()));
        QVERIFY(room.notes()->item(room.notes()->count() - 1)->text().contains(QStringLiteral("alice")));
        if (room.causes().size() > 1 && room.causes().front().tier == room.causes()[1].tier)
            QVERIFY(room.causes().front().entity != rejected || room.causes().front().faultClass != rejectedClass);
        // Confirm the (new) first cause.
        room.selectCause(0);
        QVERIFY(room.confirmSelected(QStringLiteral("InnoDB status shows the stock row lock")));
        QVERIFY(room.waitForDiagnosis());
        QCOMPARE(m_engine->incidentNotes(id).back().kind, std::string("confirm"));

        // Reports: Markdown with images beside it, self-contained HTML, a PDF.
        QTemporaryDir out;
        const QString md = out.filePath(QStringLiteral("INC.md")), html = out.filePath(QStringLiteral("INC.html")),
                      pdf = out.filePath(QStringLiteral("INC.pdf"));
        QCOMPARE(room.exportReport(md), QString());
        QCOMPARE(room.exportReport(html), QString());
        QCOMPARE(room.exportReport(pdf), QString());
        QVERIFY(!room.exportReport(out.filePath(QStringLiteral("INC.docx"))).isEmpty());
        QFile mdFile(md);
        QVERIFY(mdFile.open(QIODevice::ReadOnly));
        const QString mdText = QString::fromUtf8(mdFile.readAll());
        QVERIFY(mdText.contains(QStringLiteral("Likely causes")));
        QVERIFY(mdText.contains(QString::fromStdString(room.causes().front().entity)));
        QVERIFY(mdText.contains(QStringLiteral("INC-topology.png")));
        QVERIFY(QFileInfo(out.filePath(QStringLiteral("INC-topology.png"))).size() > 1000);
        QVERIFY(QFileInfo(out.filePath(QStringLiteral("INC-evidence-1.png"))).size() > 1000);
        QFile htmlFile(html);
        QVERIFY(htmlFile.open(QIODevice::ReadOnly));
        const QByteArray htmlText = htmlFile.readAll();
        QVERIFY(htmlText.contains("data:image/png;base64,"));
        QVERIFY(htmlText.contains("Flash sale started"));
        QFile pdfFile(pdf);
        QVERIFY(pdfFile.open(QIODevice::ReadOnly));
        QVERIFY(pdfFile.read(5) == "%PDF-");
        QVERIFY(pdfFile.size() > 20'000); // text and images

        const QString dir = qEnvironmentVariable("NOCTURNE_SCREENSHOT_DIR");
        if (!dir.isEmpty()) {
            room.grab().save(QDir(dir).filePath(QStringLiteral("warroom.png")));
            QFile::copy(pdf, QDir(dir).filePath(QStringLiteral("warroom-report.pdf")));
        }
    }

    void topologyPathFocusAndMinimap()
    {
        Ui::SnapshotHub hub(*m_engine);
        hub.pollNow();
        Ui::TopologyView view(&hub);
        view.resize(1600, 900);
        view.show();
        hub.pollNow();
        QVERIFY(view.waitForLayout());
        const int all = int(view.graph().nodes.size());
        QVERIFY(all > 20);
        view.setPropagationPath({QStringLiteral("redis-3"), QStringLiteral("inventory"), QStringLiteral("order"), QStringLiteral("gateway")});
        QCOMPARE(view.focusedCount(), all);
        view.setFocusNode(QStringLiteral("inventory"), 1);
        const int near = view.focusedCount();
        QVERIFY(near > 1 && near < all);
        view.setFocusNode(QStringLiteral("inventory"), 2);
        QVERIFY(view.focusedCount() > near);
        view.setFocusNode(QString(), 0);
        QCOMPARE(view.focusedCount(), all);
        view.selectNode(QStringLiteral("order"));
        QCOMPARE(view.selectedNode(), QStringLiteral("order"));
        const QString dir = qEnvironmentVariable("NOCTURNE_SCREENSHOT_DIR");
        if (!dir.isEmpty()) {
            view.fit();
            QApplication::processEvents();
            view.grab().save(QDir(dir).filePath(QStringLiteral("topology.png")));
            view.setFocusNode(QStringLiteral("inventory"), 1);
            QApplication::processEvents();
            view.grab().save(QDir(dir).filePath(QStringLiteral("topology-focus.png")));
        }
    }

    // A closed incident's diagnosis is frozen: the war room says when and by whom, and "Re-rank" recomputes it in the
    // operator's name (and the report says so). Last: it resolves the row-lock incident.
    void frozenDiagnosisOfAClosedIncident()
    {
        const std::int64_t id = incidentOn("mysql-primary");
        QVERIFY(id > 0);
        if (m_engine->incident(id)->open())
            QVERIFY(m_engine->resolveIncident(id, "bob", "row lock released").has_value());
        Ui::SnapshotHub hub(*m_engine);
        hub.pollNow();
        Ui::WarRoomView room(hub);
        room.resize(1600, 900);
        room.show();
        room.showIncident(id);
        QVERIFY(room.waitForDiagnosis());
        QVERIFY(!room.causes().empty());
        QVERIFY(room.freeze().frozen());
        QCOMPARE(room.freeze().by, QStringLiteral("system"));
        QCOMPARE(room.freeze().at, *m_engine->diagnosisFrozenAt(id));
        QVERIFY(room.freezeLabel()->isVisible());
        QVERIFY2(room.freezeLabel()->text().startsWith(QStringLiteral("Diagnosis frozen at ")), qPrintable(room.freezeLabel()->text()));
        QVERIFY(room.freezeLabel()->text().endsWith(QStringLiteral(" by system")));
        // Reading it again does not change it; only an explicit re-rank does, in the operator's name.
        room.rerank();
        QVERIFY(room.waitForDiagnosis());
        QCOMPARE(room.freeze().by, QStringLiteral("system"));
        room.rerankButton()->click();
        QVERIFY(room.waitForDiagnosis());
        QVERIFY(!room.causes().empty());
        QCOMPARE(room.freeze().by, QStringLiteral("alice"));
        QCOMPARE(m_engine->diagnosisFrozenBy(id), std::string("alice"));
        QVERIFY2(room.freezeLabel()->text().endsWith(QStringLiteral(" by alice")), qPrintable(room.freezeLabel()->text()));
        QTemporaryDir out;
        const QString html = out.filePath(QStringLiteral("INC.html"));
        QCOMPARE(room.exportReport(html), QString());
        QFile htmlFile(html);
        QVERIFY(htmlFile.open(QIODevice::ReadOnly));
        QVERIFY(htmlFile.readAll().contains(" by alice"));
    }
};

QTEST_MAIN(TestWarRoom)
#include "tst_war_room.moc"
