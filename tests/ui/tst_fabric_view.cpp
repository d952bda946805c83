// GPU fabric map: the engine builds the fabric from the gpu-cluster scenario and feeds the monitor from stored samples
// (scenario entity labels and dcgm-exporter labels); the view shows its health, traces paths by clicks, finds
// elements, changes heat maps and has a wall page. NOCTURNE_SCREENSHOT_DIR saves the frames.
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QTest>

#include <set>

#include "runtime/engine.h"
#include "scenario/scenario_library.h"
#include "shell/snapshot_hub.h"
#include "theme/theme.h"
#include "screenshot_support.h"
#include "views/fabric/fabric_map_view.h"
#include "wall/wall_window.h"

using namespace Nocturne;
using namespace Nocturne::Engine;

namespace {
// Ten minutes of a calm cluster, then an XID 79, a hot GPU, and an optic whose RX power falls 4 dB an hour.
void feed(Engine::Engine &engine)
{
    SeriesStore &store = engine.store();
    auto id = [&](const char *metric, const std::string &entity) { return store.intern(SeriesKey::make(metric, {{"entity", entity}})); };
    const SeriesId xid = id("DCGM_FI_DEV_XID_ERRORS", "gpu-node21/gpu5");
    const SeriesId rx = id("transceiver_rx_power_dbm", "leaf-03/p17/xcvr");
    const SeriesId farTx = id("transceiver_tx_power_dbm", "gpu-node16/mlx5_3/p1/xcvr");
    // dcgm-exporter's own labels: gpu + Hostname, no entity.
    const SeriesId hot = store.intern(SeriesKey::make("DCGM_FI_DEV_GPU_TEMP", {{"gpu", "2"}, {"Hostname", "gpu-node07"}, {"UUID", "GPU-x"}}));
    std::vector<SeriesId> utils;
    for (int s = 0; s < 32; ++s)
        for (int g = 0; g < 8; ++g) {
            char e[32];
            std::snprintf(e, sizeof e, "gpu-node%02d/gpu%d", s, g);
            utils.push_back(id("DCGM_FI_DEV_GPU_UTIL", e));
        }
    const Timestamp start = engine.scenario()->start;
    for (int step = 0; step < 40 * 12; ++step) {
        const Timestamp t = start + step * 5 * kSecond;
        const bool fault = step >= 10 * 12;
        const double minutes = fault ? (step - 120) / 12.0 : 0;
        std::vector<SampleRef> batch{{xid, t, fault ? 79.0 : 0.0}, {rx, t, -1.8 - minutes * 4.0 / 60 + 0.01 * ((step * 7) % 5 - 2)},
                                     {farTx, t, -0.9 + 0.01 * ((step * 3) % 5 - 2)}, {hot, t, fault ? 91.0 : 62.0}};
        for (std::size_t u = 0; u < utils.size(); ++u)
            batch.push_back({utils[u], t, u == 21 * 8 + 5 && fault ? 0.0 : 90.0 + double((u * 13 + std::size_t(step)) % 9)});
        engine.ingestSamples(batch, "test");
        engine.advanceTo(t);
    }
}
} // namespace

class TestFabricView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { Ui::Theme::apply(Ui::Theme::Kind::Dark); }

    void engineFeedsTheMonitor()
    {
        Engine::Engine::Options options;
        options.detection = false;
        Engine::Engine engine(options);
        auto scenario = loadScenario("gpu-cluster");
        QVERIFY(scenario.has_value());
        QVERIFY(engine.loadScenario(std::move(*scenario)));
        QVERIFY(engine.fabric());
        QCOMPARE(engine.fabric()->gpus.size(), std::size_t(256));
        feed(engine);
        const auto health = engine.fabricHealth();
        QVERIFY(health);
        std::set<std::string> found;
        for (const FabricFinding &f : health->findings)
            found.insert(f.element + " " + findingKindName(f.kind));
        QVERIFY(found.count("gpu-node21/gpu5 gpu_xid"));
        QVERIFY(found.count("gpu-node07/gpu2 gpu_thermal")); // from dcgm-exporter labels
        QVERIFY(found.count("leaf-03/p17/xcvr transceiver_predicted_failure"));
        QCOMPARE(health->suspects.front(), std::string("gpu-node21/gpu5"));
        QCOMPARE(health->proposals.front().action, std::string("drain_node"));

        // Telemetry decoded from files: a DOM reading under its alarm, twice, is an optic alarm on that module.
        TransceiverDom dom;
        dom.lanes = {TransceiverDom::Lane{7.0, -1.0, -9.5}, TransceiverDom::Lane{7.0, -1.0, -2.0}};
        dom.temperatureC = 41;
        const Timestamp t = engine.scenario()->start + 3 * kHour;
        for (int i = 0; i < 2; ++i) {
            const auto obs = domObservations("spine-01/p05/xcvr", dom);
            engine.ingestFabricObservations(obs, t + i * 5 * kSecond, "optics");
        }
        engine.advanceTo(t + 10 * kSecond);
        bool alarm = false;
        for (const FabricFinding &f : engine.fabricHealth()->findings)
            alarm |= f.element == "spine-01/p05/xcvr" && f.kind == FindingKind::TransceiverAlarm;
        QVERIFY(alarm);
    }

    void nodeExporterCountersOnAnImportedFabric()
    {
        // A real fabric (hdr-su1) and node_exporter's infiniband counters scraped from one host: the counters become
        // rates on the right HCA port, and a burst of receive errors is a link finding there.
        Engine::Engine::Options options;
        options.detection = false;
        Engine::Engine engine(options);
        QFile topo(QStringLiteral(NOCTURNE_SHARED_DIR "/bench/fixtures/fabric/ibsim-hdr-su1.ibnetdiscover.txt"));
        QVERIFY(topo.open(QIODevice::ReadOnly));
        auto fabric = importIbnetdiscover(topo.readAll().toStdString(), "hdr-su1");
        QVERIFY(fabric.has_value());
        engine.loadFabric(std::move(*fabric));
        auto series = [&](const char *name) {
            return engine.store().intern(SeriesKey::make(name, {{"device", "mlx5_2"}, {"instance", "gpu-node003:9100"}, {"job", "node"}, {"port", "1"}}));
        };
        const SeriesId errors = series("node_infiniband_port_errors_received_total");
        const SeriesId bytes = series("node_infiniband_port_data_transmitted_bytes_total");
        const SeriesId rate = series("node_infiniband_rate_bytes_per_second");
        double errorCount = 100, byteCount = 1e12;
        for (int i = 0; i < 40; ++i) {
            const Timestamp t = i * 15 * kSecond;
            errorCount += i < 36 ? 0 : 15 * 60; // 60 errors/s for the last samples
            byteCount += 15 * 1.25e9;           // 10 Gb/s on a 200 Gb/s link
            engine.ingestSamples(std::vector<SampleRef>{{rate, t, 25e9}, {errors, t, errorCount}, {bytes, t, byteCount}}, "node_exporter");
            engine.advanceTo(t + kSecond * 2);
        }
        const auto health = engine.fabricHealth();
        const int port = engine.fabric()->findPort("gpu-node003/mlx5_2/p1");
        QVERIFY(port >= 0);
        QCOMPARE(health->portUtil[std::size_t(port)], 0.05f);
        bool linkErrors = false;
        for (const FabricFinding &f : health->findings)
            linkErrors |= f.element == "gpu-node003/mlx5_2/p1" && f.kind == FindingKind::LinkErrors;
        QVERIFY(linkErrors);
    }

    void mapPathSearchAndModes()
    {
        Engine::Engine::Options options;
        options.detection = false;
        Engine::Engine engine(options);
        QVERIFY(engine.loadScenario(*loadScenario("gpu-cluster")));
        feed(engine);
        Ui::SnapshotHub hub(engine);
        Ui::FabricMapView view(&hub);
        view.resize(1600, 900);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.refresh();
        Ui::FabricMapCanvas *canvas = view.canvas();
        const auto &layout = canvas->mapLayout();
        QCOMPARE(layout.serverRect.size(), std::size_t(32));
        QCOMPARE(layout.gpuRect.size(), std::size_t(256));
        for (const QRectF &r : layout.serverRect)
            QVERIFY(layout.bounds.contains(r));
        Nocturne::Test::saveScreenshot(view, "fabric-map.png");

        // Two clicks: the path between the two servers, one per rail, hop by hop.
        auto click = [&](int server) {
            const QPointF scenePoint = layout.serverRect[std::size_t(server)].center();
            const QPoint widgetPoint = (scenePoint * canvas->scale() + canvas->offset()).toPoint();
            QCOMPARE(canvas->serverAt(widgetPoint), server);
            QTest::mouseClick(canvas, Qt::LeftButton, {}, widgetPoint);
        };
        const auto &fabric = *engine.fabric();
        click(fabric.findServer("gpu-node16"));
        click(fabric.findServer("gpu-node21"));
        const QString report = view.pathReport();
        QVERIFY2(report.contains(QStringLiteral("Path gpu-node16 → gpu-node21")), qPrintable(report));
        QVERIFY(report.contains(QStringLiteral("Rail 3")));
        QVERIFY(report.contains(QStringLiteral("leaf-03/p17")));             // the hop with the failing optic …
        QVERIFY(report.contains(QStringLiteral("forecast to cross")));        // … and its health
        QVERIFY(report.contains(QStringLiteral("XID 79")));                   // gpu5 of the far end on rail 5
        Nocturne::Test::saveScreenshot(view, "fabric-path.png");

        QVERIFY(view.search(QStringLiteral("leaf-03/p17/xcvr")));
        QVERIFY(canvas->scale() >= 2.0);
        QVERIFY(!view.search(QStringLiteral("no-such-thing")));
        Nocturne::Test::saveScreenshot(view, "fabric-search.png");

        view.setPathEndpoints({}, {});
        canvas->fit();
        canvas->setHeatMode(Ui::FabricMapCanvas::HeatMode::Temperature);
        canvas->setRail(3);
        Nocturne::Test::saveScreenshot(view, "fabric-heat-temperature.png");
        QVERIFY(!view.setPathEndpoints(QStringLiteral("gpu-node00"), QStringLiteral("nowhere")));

        // Wall page: no toolbar or side panel, the state banner on the map.
        Ui::FabricMapView wall(&hub);
        wall.setWallMode(true);
        wall.resize(1920, 1080);
        wall.show();
        QVERIFY(QTest::qWaitForWindowExposed(&wall));
        wall.refresh();
        const QImage frame = wall.grab().toImage();
        // The banner is painted in the top tenth: a dark red band when something is wrong.
        const QColor banner = frame.pixelColor(frame.width() - 20, 10);
        QVERIFY2(banner.red() > banner.green() * 2, qPrintable(banner.name()));
        Nocturne::Test::saveScreenshot(wall, "fabric-wall.png");

        // On a GPU cluster the NOC wall gets the fabric as its fourth page, titled.
        Ui::WallWindow noc(hub, 60);
        noc.resize(1920, 1080);
        QCOMPARE(noc.pageCount(), 4);
        noc.showPage(3);
        QCOMPARE(noc.currentPage(), 3);
        QVERIFY(noc.findChild<Ui::FabricMapView *>());
        bool titled = false;
        for (QLabel *label : noc.findChildren<QLabel *>())
            titled |= label->text().contains(QStringLiteral("GPU fabric"));
        QVERIFY(titled);
    }
};

QTEST_MAIN(TestFabricView)
#include "tst_fabric_view.moc"
