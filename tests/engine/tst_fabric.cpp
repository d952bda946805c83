// GPU fabric: importer goldens against the ibsim fixtures, path reconstruction on hdr-su4, telemetry parsers and
// optic scores on the real dumps, the streaming monitor on hand-made signals, truncated and hostile input.
#include <QFile>
#include <QTest>

#include <cmath>
#include <random>
#include <set>

#include "decode/prometheus_text.h"
#include "fabric/fabric.h"
#include "fabric/fabric_health.h"
#include "fabric/fabric_telemetry.h"
#include "scenario/scenario_library.h"

using namespace Nocturne::Engine;

namespace {
std::string fixture(const char *relative)
{
    QFile f(QStringLiteral(NOCTURNE_SHARED_DIR "/bench/fixtures/") + QString::fromUtf8(relative));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("missing fixture %s", relative);
    const QByteArray b = f.readAll();
    return std::string(b.constData(), std::size_t(b.size()));
}

std::set<std::pair<std::string, std::string>> linkSet(const Fabric &fabric)
{
    std::set<std::pair<std::string, std::string>> out;
    for (const FabricLink &l : fabric.links) {
        std::string a = fabric.ports[std::size_t(l.a)].id, b = fabric.ports[std::size_t(l.b)].id;
        if (b < a)
            std::swap(a, b);
        out.emplace(a, b);
    }
    return out;
}

std::size_t countRole(const Fabric &f, SwitchRole role)
{
    return std::size_t(std::count_if(f.nodes.begin(), f.nodes.end(), [&](const FabricNode &n) { return n.role == role; }));
}
} // namespace

class TestFabric : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void importerGoldens_data()
    {
        QTest::addColumn<QString>("set");
        QTest::addColumn<int>("nodes");
        QTest::addColumn<int>("leaves");
        QTest::addColumn<int>("spines");
        QTest::addColumn<int>("hcas");
        QTest::addColumn<int>("links");
        QTest::addColumn<int>("servers");
        QTest::newRow("hdr-su1") << QStringLiteral("hdr-su1") << 140 << 8 << 4 << 128 << 256 << 16;
        QTest::newRow("hdr-su4") << QStringLiteral("hdr-su4") << 560 << 32 << 16 << 512 << 1024 << 64;
    }
    void importerGoldens()
    {
        QFETCH(QString, set);
        QFETCH(int, nodes);
        const std::string base = "fabric/ibsim-" + set.toStdString();
        auto disc = importIbnetdiscover(fixture((base + ".ibnetdiscover.txt").c_str()), base + ".ibnetdiscover.txt");
        QVERIFY2(disc.has_value(), disc ? "" : disc.error().toString().c_str());
        auto info = importIblinkinfo(fixture((base + ".iblinkinfo.txt").c_str()), base + ".iblinkinfo.txt");
        QVERIFY2(info.has_value(), info ? "" : info.error().toString().c_str());
        for (const Fabric *f : {&*disc, &*info}) {
            QCOMPARE(int(f->nodes.size()), nodes);
            QTEST(int(countRole(*f, SwitchRole::Leaf)), "leaves");
            QTEST(int(countRole(*f, SwitchRole::Spine)), "spines");
            QTEST(int(f->hcaCount()), "hcas");
            QTEST(int(f->links.size()), "links");
            QTEST(int(f->servers.size()), "servers");
            QCOMPARE(f->gpus.size(), f->servers.size() * 8);
            // Every HCA is cabled to a leaf; a switch node's 40 ports (HDR Quantum) bound the port numbers.
            for (const FabricNode &n : f->nodes) {
                if (n.kind == FabricNodeKind::Hca) {
                    QCOMPARE(n.tier, 0);
                    QVERIFY(n.rail >= 0 && n.rail < 8);
                }
            }
        }
        // Both tools describe the same cabling.
        QCOMPARE(linkSet(*disc), linkSet(*info));
        // iblinkinfo also lists the uncabled (down) switch ports.
        QVERIFY(info->ports.size() > disc->ports.size());
        // Names, GUIDs and rails come from the node descriptions.
        const int leaf = disc->findNode("leaf-su0-r3");
        QVERIFY(leaf >= 0);
        QCOMPARE(disc->nodes[std::size_t(leaf)].rail, 3);
        char guid[32];
        std::snprintf(guid, sizeof guid, "0x%llx", static_cast<unsigned long long>(disc->nodes[std::size_t(leaf)].guid));
        QCOMPARE(disc->lookup(guid).index, leaf);
        std::snprintf(guid, sizeof guid, "S-%016llx", static_cast<unsigned long long>(disc->nodes[std::size_t(leaf)].guid));
        QCOMPARE(disc->lookup(guid).index, leaf);
        QCOMPARE(int(disc->lookup("gpu-node015/mlx5_7").kind), int(Fabric::Lookup::Kind::Node));
        QCOMPARE(int(disc->lookup("leaf-su0-r3/p18/xcvr").kind), int(Fabric::Lookup::Kind::Transceiver));
        const int port = disc->findPort("gpu-node015/mlx5_7/p1");
        QVERIFY(port >= 0);
        QCOMPARE(disc->ports[std::size_t(port)].guid, std::uint64_t(0x1000ff));
        QCOMPARE(disc->ports[std::size_t(port)].speed, std::string("HDR"));
        QCOMPARE(disc->ports[std::size_t(disc->ports[std::size_t(port)].peer)].id, std::string("leaf-su0-r7/p16"));
    }

    void pathsOnHdrSu4()
    {
        auto fabric = importIbnetdiscover(fixture("fabric/ibsim-hdr-su4.ibnetdiscover.txt"), "su4");
        QVERIFY(fabric.has_value());
        // Across scalable units: through the spines, 16 equal-cost paths (4 uplinks × 4 spines of the rail plane).
        auto far = fabric->pathsBetween("gpu-node000/gpu3", "gpu-node063/gpu3");
        QVERIFY2(far.has_value(), far ? "" : far.error().toString().c_str());
        QCOMPARE(far->size(), std::size_t(1));
        const FabricPath &p = far->front();
        QCOMPARE(p.rail, 3);
        QCOMPARE(p.stages.front().elements, std::vector<std::string>{"gpu-node000/gpu3"});
        QCOMPARE(p.stages[1].elements, std::vector<std::string>{"gpu-node000/mlx5_3"});
        QCOMPARE(p.stages[3].elements, std::vector<std::string>{"gpu-node000/mlx5_3/p1/xcvr"});
        QCOMPARE(p.stages[6].elements, std::vector<std::string>{"leaf-su0-r3"});
        QCOMPARE(p.stages[7].elements.size(), std::size_t(16)); // every uplink of the leaf is a candidate
        QCOMPARE(p.stages.back().elements, std::vector<std::string>{"gpu-node063/gpu3"});
        QCOMPARE(p.ecmpPaths, 16.0);
        for (const std::string &spine : p.stages[11].elements)
            QVERIFY(fabric->nodes[std::size_t(fabric->findNode(spine))].role == SwitchRole::Spine);
        // Within one unit: leaf to leaf directly, no spine.
        auto near = fabric->pathsBetween("gpu-node000/gpu3", "gpu-node001/gpu3");
        QVERIFY(near.has_value());
        QCOMPARE(near->front().stages.size(), std::size_t(2 + 6 + 5 + 2 - 2));
        for (const std::string &e : near->front().elements())
            QVERIFY(e.find("spine") == std::string::npos);
        // Host to host: one path per rail.
        auto hosts = fabric->pathsBetween("gpu-node000", "gpu-node040");
        QVERIFY(hosts.has_value());
        QCOMPARE(hosts->size(), std::size_t(8));
        QVERIFY(!fabric->pathsBetween("gpu-node000", "nosuchhost").has_value());
        QVERIFY(!fabric->pathsBetween("leaf-su0-r0", "gpu-node001").has_value());

        // A job over 8 hosts; slow pairs are exactly those touching gpu-node005 on rail 3: tomography puts that
        // host's rail-3 segment first and no spine anywhere near the top.
        QVERIFY(applyJobsYaml(*fabric, "train: [gpu-node000, gpu-node001, gpu-node005, gpu-node017, gpu-node030, gpu-node044, gpu-node050, gpu-node063]",
                              "jobs.yaml").has_value());
        auto footprint = fabric->jobFootprint("train");
        QVERIFY(footprint.has_value());
        QVERIFY(footprint->count("gpu-node005/mlx5_3/p1/xcvr"));
        QVERIFY(footprint->count("leaf-su3-r7"));
        std::vector<PairResult> pairs;
        const auto &members = fabric->jobs.front().servers;
        for (std::size_t x = 0; x < members.size(); ++x)
            for (std::size_t y = x + 1; y < members.size(); ++y)
                for (int rail = 0; rail < 8; ++rail) {
                    const std::string a = fabric->servers[std::size_t(members[x])].name, b = fabric->servers[std::size_t(members[y])].name;
                    pairs.push_back(PairResult{a + "/gpu" + std::to_string(rail), b + "/gpu" + std::to_string(rail),
                                               rail == 3 && (a == "gpu-node005" || b == "gpu-node005")});
                }
        const auto ranked = localiseSlowPairs(*fabric, pairs);
        QVERIFY(ranked.size() >= 6);
        std::set<std::string> top;
        for (std::size_t i = 0; i < 7; ++i)
            top.insert(ranked[i].first);
        QVERIFY(top.count("gpu-node005/mlx5_3/p1/xcvr"));
        QVERIFY(top.count("gpu-node005/mlx5_3"));
        QVERIFY(top.count("gpu-node005/gpu3"));
        for (const auto &e : top)
            QVERIFY2(e.find("spine") == std::string::npos, e.c_str());
        QCOMPARE(ranked.front().second, 1.0);
        QVERIFY(applyJobsYaml(*fabric, "x: [nohost]", "jobs.yaml").error().context == "jobs.yaml:1:5");
    }

    void fromScenarioEstateAndYaml()
    {
        auto scenario = loadScenario("gpu-cluster");
        QVERIFY(scenario.has_value());
        const Fabric f = Fabric::fromEstate(scenario->estate);
        QCOMPARE(f.servers.size(), std::size_t(32));
        QCOMPARE(f.gpus.size(), std::size_t(256));
        QCOMPARE(f.switchCount(), std::size_t(12));
        QCOMPARE(f.links.size(), std::size_t(256 + 8 * 16));
        QCOMPARE(f.jobs.size(), std::size_t(1));
        const int p = f.findPort("leaf-03/p17");
        QVERIFY(p >= 0);
        QCOMPARE(f.ports[std::size_t(p)].transceiver.thresholds.rxPowerLowAlarm, -7.0);
        QCOMPARE(f.ports[std::size_t(f.ports[std::size_t(p)].peer)].id, std::string("gpu-node16/mlx5_3/p1"));
        QCOMPARE(f.gpus[std::size_t(f.findGpu("gpu-node16/gpu3"))].hca, f.findNode("gpu-node16/mlx5_3"));

        const char *yaml = R"(switches: [{name: leaf-0}, {name: leaf-1}, {name: spine-0}]
servers:
  - {name: h0, gpus: 2, nics: [{name: eth0, rail: 0, switch: leaf-0, port: 1}, {name: eth1, rail: 1, switch: leaf-1, port: 1}]}
  - {name: h1, gpus: 2, nics: [{name: eth0, rail: 0, switch: leaf-0, port: 2}, {name: eth1, rail: 1, switch: leaf-1, port: 2}]}
links: [{a: leaf-0/p9, b: spine-0/p1}, {a: leaf-1/p9, b: spine-0/p2}]
gpu_affinity: {gpu0: eth0, gpu1: eth1}
jobs: [{name: j, servers: [h0, h1]}]
)";
        auto roce = importFabricYaml(yaml, "roce.yaml");
        QVERIFY2(roce.has_value(), roce ? "" : roce.error().toString().c_str());
        QCOMPARE(roce->servers.size(), std::size_t(2));
        QCOMPARE(countRole(*roce, SwitchRole::Spine), std::size_t(1));
        QCOMPARE(roce->gpus[std::size_t(roce->findGpu("h1/gpu1"))].hca, roce->findNode("h1/eth1"));
        auto cross = roce->pathsBetween("h0/gpu0", "h1/gpu1");
        QVERIFY(cross.has_value());
        QVERIFY(cross->front().elements().size() > 10); // leaf-0 → spine-0 → leaf-1
        auto bad = importFabricYaml("switches: [{name: a}]\nservers: [{name: h, nics: [{name: e, switch: zz, port: 1}]}]\n", "bad.yaml");
        QVERIFY(!bad.has_value());
        QCOMPARE(bad.error().context, std::string("bad.yaml:2:46"));
        QVERIFY(bad.error().message.find("zz") != std::string::npos);
        QVERIFY(!importFabricYaml("bogus: 1", "b.yaml").has_value());
    }

    void telemetryParsers()
    {
        auto pq = parsePerfquery(fixture("fabric/ibsim-hdr-su1.perfquery-leaf-su0-r3-p18.txt"), "pq");
        QVERIFY(pq.has_value());
        QCOMPARE(pq->lid, 12);
        QCOMPARE(pq->port, 18);
        QCOMPARE(pq->values.at("SymbolErrorCounter"), std::uint64_t(1523));
        QCOMPARE(pq->values.at("LinkDownedCounter"), std::uint64_t(3));
        auto pqx = parsePerfquery(fixture("fabric/ibsim-hdr-su1.perfquery-x-leaf-su0-r3-p18.txt"), "pqx");
        QVERIFY(pqx.has_value() && pqx->extended);
        QCOMPARE(pqx->values.at("PortXmitData"), std::uint64_t(995552885529ull));

        auto errs = parseIbqueryerrors(fixture("fabric/ibsim-hdr-su1.ibqueryerrors-data.txt"), "iqe");
        QVERIFY(errs.has_value());
        bool sawOptic = false, sawCongestion = false;
        for (const PortErrorReport &r : *errs) {
            if (r.guid == 0x200009 && r.port == 25)
                sawCongestion = r.counters.at("PortXmitWait") == 88421377 && r.counters.at("PortXmitData") == 1819815564349ull;
            if (r.guid == 0x200007 && r.port == -1)
                sawOptic = r.counters.at("SymbolErrorCounter") == 1523 && r.description == "MF0;leaf-su0-r3:MQM8700/U1";
        }
        QVERIFY(sawOptic);
        QVERIFY(sawCongestion);

        auto sysfs = parseSysfsInfiniband(fixture("fabric/procfs-sysfs-infiniband-counters.txt"), "sysfs");
        QVERIFY(sysfs.has_value());
        bool sawMlx4 = false;
        for (const SysfsPort &p : *sysfs)
            if (p.device == "mlx4_0" && p.port == 1)
                sawMlx4 = p.counters.at("port_xmit_wait") == 3599 && p.rate == "40 Gb/sec (4X QDR)" && p.state == "4: ACTIVE";
        QVERIFY(sawMlx4);

        auto sfp = parseEthtoolModule(fixture("optics/go-ethtool-metrics-intel_i40e_02_sfp_10_or_25g_sr.ethtool-m.txt"), "sfp");
        QVERIFY2(sfp.has_value(), sfp ? "" : sfp.error().toString().c_str());
        QCOMPARE(sfp->serial, std::string("GJ2308161004"));
        QCOMPARE(sfp->lanes.size(), std::size_t(1));
        QCOMPARE(sfp->lanes[0].rxPowerDbm, -2.24);
        QCOMPARE(sfp->lanes[0].txPowerDbm, -2.88);
        QCOMPARE(sfp->lanes[0].biasMa, 6.762);
        QCOMPARE(sfp->temperatureC, 40.01);
        QVERIFY(sfp->hasThresholds);
        QCOMPARE(sfp->thresholds.rxPowerLowAlarm, -15.5);
        QCOMPARE(sfp->thresholds.txPowerLowWarning, -6.0);
        QVERIFY(sfp->raisedFlags.empty());
        auto bnxt = parseEthtoolModule(fixture("optics/go-ethtool-metrics-broadcom_bnxt_en_00_sfp_10gsr85.ethtool-m.txt"), "bnxt");
        QVERIFY(bnxt.has_value());

        auto sonic = parseSonicTransceiverTables(fixture("optics/sonic-state_db-TRANSCEIVER-tables.json"), "sonic");
        QVERIFY2(sonic.has_value(), sonic ? "" : sonic.error().toString().c_str());
        const TransceiverDom &e0 = sonic->at("Ethernet0");
        QCOMPARE(e0.lanes.size(), std::size_t(4));
        QCOMPARE(e0.lanes[0].rxPowerDbm, 0.3802);
        QVERIFY(std::isnan(e0.lanes[0].txPowerDbm)); // "N/A"
        QCOMPARE(e0.thresholds.rxPowerLowAlarm, -13.5067);
        QCOMPARE(e0.vendor, std::string("Mellanox"));
        QVERIFY(!parseSonicTransceiverTables("{\"TRANSCEIVER_DOM_SENSOR|E0\": [1,", "cut.json").has_value());

        const ExpositionResult expo = parseExposition(fixture("dcgm/datadog-dcgm-metrics.prom.txt"));
        const DcgmSamples dcgm = dcgmGpuSamples(expo, "fallback-host");
        QVERIFY(dcgm.samples.size() > 20);
        QVERIFY(dcgm.unattributed >= 5); // the fixture's label-less dummies
        bool sawT4 = false;
        for (const GpuSample &s : dcgm.samples)
            if (s.gpu == "424773df46e0/gpu0" && s.metric == "DCGM_FI_DEV_SM_CLOCK")
                sawT4 = s.value == 300;
        QVERIFY(sawT4);
        const ExpositionResult blank = parseExposition("DCGM_FI_DEV_XID_ERRORS{gpu=\"1\",hostname=\"h\"} 9223372036854775794\n"
                                                       "DCGM_FI_DEV_GPU_TEMP{gpu=\"1\",hostname=\"h\"} 61\n");
        const DcgmSamples b = dcgmGpuSamples(blank, "x");
        QCOMPARE(b.blanks, std::size_t(1));
        QCOMPARE(b.samples.size(), std::size_t(1));
        QCOMPARE(b.samples[0].gpu, std::string("h/gpu1"));
    }

    void counterRates()
    {
        CounterRate r(ibCounterSaturation("SymbolErrorCounter"));
        QVERIFY(!r.update(0, 10));
        QCOMPARE(*r.update(10 * kSecond, 110), 10.0);
        QCOMPARE(*r.update(20 * kSecond, 30), 3.0); // cleared: 30 since the reset
        QCOMPARE(r.resets(), std::size_t(1));
        QVERIFY(!r.update(30 * kSecond, 65535));    // saturated: no rate
        QVERIFY(r.saturated());
        CounterRate wide;
        QVERIFY(!wide.update(0, 1ull << 40));
        QCOMPARE(*wide.update(2 * kSecond, (1ull << 40) + 4), 2.0);
    }

    void countersBecomeRates()
    {
        // perfquery snapshots 10 s apart: symbol errors climb, the data counter is in 4-byte words; a reset (perfquery
        // -R) restarts the rate from the new value instead of going negative.
        FabricCounterRates rates;
        std::map<std::string, std::uint64_t> c{{"SymbolErrorCounter", 100}, {"PortXmitWait", 5000}, {"LinkDownedCounter", 1},
                                               {"PortXmitData", 1'000'000}, {"rx_prio3_pause", 10}, {"tx_prio3_pause", 0}};
        QVERIFY(rates.update("leaf-03/p17", 0, c, true, ibLinkGbps("4x", "HDR")).size() == 1); // only the link-down count
        c["SymbolErrorCounter"] = 600;
        c["PortXmitWait"] = 15000;
        c["PortXmitData"] = 1'000'000 + 250'000'000; // 1 GB in 10 s
        c["rx_prio3_pause"] = 2010;
        c["tx_prio3_pause"] = 1000;
        std::map<std::string, double> got;
        for (const FabricObservation &o : rates.update("leaf-03/p17", 10 * kSecond, c, true, ibLinkGbps("4x", "HDR")))
            got[o.metric] = o.value;
        QCOMPARE(got.at("ib_port_symbol_errors_per_second"), 50.0);
        QCOMPARE(got.at("ib_port_xmit_wait_per_second"), 1000.0);
        QCOMPARE(got.at("ib_port_xmit_data_bytes_per_second"), 1e8);
        QCOMPARE(got.at("ib_port_utilization_ratio"), 1e8 * 8 / 200e9);
        QCOMPARE(got.at("roce_pfc_pause_frames_per_second"), 300.0);
        QCOMPARE(got.at("ib_port_link_downed_total"), 1.0);
        c["SymbolErrorCounter"] = 20; // cleared
        got.clear();
        for (const FabricObservation &o : rates.update("leaf-03/p17", 20 * kSecond, c, true))
            got[o.metric] = o.value;
        QCOMPARE(got.at("ib_port_symbol_errors_per_second"), 2.0);
        QCOMPARE(rates.resets(), std::size_t(1));
        QCOMPARE(ibLinkGbps("4x", "EDR"), 100.0);
        QCOMPARE(ibErrorThreshold("PortXmitWait"), std::uint64_t(1000));
        QCOMPARE(ibErrorThreshold("SymbolErrorCounter"), std::uint64_t(10));

        // DOM readings: the weakest lane speaks for the module; a dark lane is a number far below any alarm.
        auto sonic = parseSonicTransceiverTables(fixture("optics/sonic-state_db-TRANSCEIVER-tables.json"), "sonic");
        QVERIFY(sonic.has_value());
        std::map<std::string, double> dom;
        for (const FabricObservation &o : domObservations("leaf-01/p05/xcvr", sonic->at("Ethernet8")))
            dom[o.metric] = o.value;
        QCOMPARE(dom.at("transceiver_rx_power_dbm"), -22.9243);
        QCOMPARE(dom.at("transceiver_bias_current_ma"), 17.476);
        QCOMPARE(dom.at("transceiver_temperature_celsius"), 44.9883);
    }

    void opticScores()
    {
        auto sfp = parseEthtoolModule(fixture("optics/go-ethtool-metrics-intel_i40e_02_sfp_10_or_25g_sr.ethtool-m.txt"), "sfp");
        QVERIFY(sfp.has_value());
        const TransceiverAssessment healthy = assessTransceiver(*sfp, nullptr);
        QCOMPARE(healthy.score, 100.0);
        QVERIFY(healthy.worstRxMarginDb > 13);
        TransceiverDom weak = *sfp;
        weak.lanes[0].rxPowerDbm = -14.5; // 1 dB above its alarm
        const TransceiverAssessment w = assessTransceiver(weak, nullptr, -1, 2 * 86400.0);
        QVERIFY(w.score < 60);
        QVERIFY(w.reasons.size() >= 2);
        TransceiverDom dead = *sfp;
        dead.lanes[0].rxPowerDbm = -std::numeric_limits<double>::infinity(); // dark lane
        QVERIFY(assessTransceiver(dead, nullptr).score <= 40);
        // The far end transmits fine but little arrives: a lossy cable or a dirty connector.
        TransceiverDom far = *sfp, near = *sfp;
        near.lanes[0].rxPowerDbm = -9.5;
        const TransceiverAssessment lossy = assessTransceiver(near, &far);
        QVERIFY(std::any_of(lossy.reasons.begin(), lossy.reasons.end(), [](const std::string &r) { return r.find("link loss") != std::string::npos; }));
        auto sonic = parseSonicTransceiverTables(fixture("optics/sonic-state_db-TRANSCEIVER-tables.json"), "sonic");
        QVERIFY(sonic.has_value());
        for (const auto &[iface, dom] : *sonic)
            if (!dom.lanes.empty())
                QVERIFY2(assessTransceiver(dom, nullptr).score >= 0, iface.c_str());
        QCOMPARE(classifyXid(79).action, XidAction::DrainNode);
        QCOMPARE(classifyXid(63).action, XidAction::ResetGpu);
        QCOMPARE(classifyXid(94).action, XidAction::RestartApp);
        for (int drain : {48, 64, 74, 79, 95})
            QCOMPARE(classifyXid(drain).action, XidAction::DrainNode);
    }

    void monitorFindingsAndProposals()
    {
        auto scenario = loadScenario("gpu-cluster");
        QVERIFY(scenario.has_value());
        auto fabric = std::make_shared<const Fabric>(Fabric::fromEstate(scenario->estate));
        FabricMonitor m(fabric);
        std::mt19937 rng(7);
        std::normal_distribution<double> noise(0, 1);
        // 10 min of normal, then: an XID 79, a PFC storm with victims, a far-end laser decaying.
        const Duration step = 5 * kSecond;
        for (Timestamp t = 0; t < 40 * kMinute; t += step) {
            const bool fault = t >= 10 * kMinute;
            const double minutes = double(t - 10 * kMinute) / double(kMinute);
            for (int g = 0; g < 8; ++g)
                m.observe("gpu-node03/gpu" + std::to_string(g), "DCGM_FI_DEV_XID_ERRORS", t, fault && g == 2 ? 79 : 0);
            for (int p = 1; p <= 8; ++p) {
                char id[32];
                std::snprintf(id, sizeof id, "leaf-05/p%02d", p);
                const double storm = !fault ? 0 : p == 4 ? 200000 : 2500;
                m.observe(id, "roce_pfc_pause_frames_per_second", t, 20 * (1 + 0.3 * noise(rng)) + storm);
            }
            // leaf-01/p05 ↔ gpu-node04/mlx5_1/p1: the NIC's laser fades, so the leaf's RX falls with it.
            const double fade = fault ? -0.06 * minutes : 0; // 3.6 dB/h
            m.observe("gpu-node04/mlx5_1/p1/xcvr", "transceiver_tx_power_dbm", t, -0.9 + fade + 0.02 * noise(rng));
            m.observe("leaf-01/p05/xcvr", "transceiver_rx_power_dbm", t, -1.8 + fade + 0.03 * noise(rng));
            m.observe("leaf-01/p05/xcvr", "transceiver_tx_power_dbm", t, -0.9 + 0.02 * noise(rng));
            m.observe("gpu-node04/mlx5_1/p1/xcvr", "transceiver_rx_power_dbm", t, -1.8 + 0.03 * noise(rng));
            m.evaluate(t);
        }
        QCOMPARE(m.resolve("leaf-05/p04", "no_such_metric"), -1);
        QCOMPARE(m.resolve("not-an-element", "DCGM_FI_DEV_GPU_UTIL"), -1);
        auto find = [&](const std::string &element, FindingKind kind) -> const FabricFinding * {
            for (const FabricFinding &f : m.findings())
                if (f.element == element && f.kind == kind)
                    return &f;
            return nullptr;
        };
        const FabricFinding *xid = find("gpu-node03/gpu2", FindingKind::GpuXid);
        QVERIFY(xid);
        QCOMPARE(xid->firstSeen, 10 * kMinute);
        QVERIFY(find("leaf-05/p04", FindingKind::PfcStorm)->rootCandidate);
        QVERIFY(!find("leaf-05/p01", FindingKind::PfcStorm)->rootCandidate); // a victim
        const FabricFinding *optic = find("gpu-node04/mlx5_1/p1/xcvr", FindingKind::TransceiverPredicted);
        QVERIFY2(optic, "the far-end laser is the culprit of the leaf's falling RX");
        QVERIFY(optic->secondsToFailure > 0 && optic->secondsToFailure < 3 * 3600);
        QVERIFY(!find("leaf-01/p05/xcvr", FindingKind::TransceiverPredicted));
        const auto suspects = m.suspects();
        QCOMPARE(suspects.front().element, std::string("gpu-node03/gpu2"));
        std::set<std::string> ranked;
        for (const FabricSuspect &s : suspects)
            ranked.insert(s.element);
        QVERIFY(!ranked.count("leaf-05/p01"));
        const auto proposals = m.proposals();
        QVERIFY(proposals.size() >= 3);
        QCOMPARE(proposals[0].action, std::string("drain_node"));
        QCOMPARE(proposals[0].target, std::string("gpu-node03"));
        QCOMPARE(proposals[0].jobs, std::vector<std::string>{"llm-pretrain-70b"});
        QCOMPARE(proposals[1].action, std::string("migrate_job"));
        QCOMPARE(proposals[1].hosts.size(), std::size_t(32));
        bool isolateStorm = false;
        for (const FabricProposal &p : proposals)
            if (p.action == "isolate_port" && p.target == "leaf-05/p04")
                isolateStorm = p.hosts == std::vector<std::string>{"gpu-node03"};
        QVERIFY(isolateStorm);
        const FabricHealthSnapshot snap = m.snapshot();
        QCOMPARE(snap.gpuXid[std::size_t(fabric->findGpu("gpu-node03/gpu2"))], 79);
        QVERIFY(snap.xcvrScore[std::size_t(fabric->findPort("leaf-01/p05"))] < 100);
        // Quiet findings close.
        m.evaluate(60 * kMinute);
        QVERIFY(m.findings().empty());
    }

    void hostileInput()
    {
        const std::string texts[] = {
            fixture("fabric/ibsim-hdr-su1.ibnetdiscover.txt"), fixture("fabric/ibsim-hdr-su1.iblinkinfo.txt"),
            fixture("fabric/ibsim-hdr-su1.ibqueryerrors-data.txt"), fixture("fabric/ibsim-hdr-su1.perfquery-x-local.txt"),
            fixture("optics/go-ethtool-metrics-broadcom_bnxt_en_00_sfp_10gsr85.ethtool-m.txt"),
            fixture("fabric/procfs-sysfs-infiniband-counters.txt"), fixture("optics/sonic-state_db-TRANSCEIVER-tables.json")};
        auto runAll = [](const std::string &s) {
            (void)importIbnetdiscover(s, "x");
            (void)importIblinkinfo(s, "x");
            (void)importFabricYaml(s, "x");
            (void)parseIbqueryerrors(s, "x");
            (void)parsePerfquery(s, "x");
            (void)parseEthtoolModule(s, "x");
            (void)parseSysfsInfiniband(s, "x");
            (void)parseSonicTransceiverTables(s, "x");
        };
        std::mt19937 rng(1234);
        for (const std::string &text : texts) {
            for (int i = 0; i < 60; ++i) {
                std::string s = text.substr(0, std::uniform_int_distribution<std::size_t>(0, text.size())(rng));
                runAll(s); // truncated
                for (int k = 0; k < 8 && !s.empty(); ++k)
                    s[std::uniform_int_distribution<std::size_t>(0, s.size() - 1)(rng)] =
                        "\"[]()#:=\n\t 0xS-;/\0\xff"[std::uniform_int_distribution<int>(0, 18)(rng)];
                runAll(s); // mutated
            }
        }
        // Truncated mid-record: an error naming the source and position, not a half-built fabric.
        const std::string disc = texts[0];
        const std::string cut = disc.substr(0, disc.find("[3]\t\"S-0000000000200004\"") + 9);
        auto r = importIbnetdiscover(cut, "cut.ibnetdiscover");
        QVERIFY(!r.has_value());
        QVERIFY2(r.error().context.rfind("cut.ibnetdiscover:", 0) == 0, r.error().context.c_str());
        auto garbage = importIblinkinfo("hello\n", "g.txt");
        QVERIFY(!garbage.has_value());
        QCOMPARE(garbage.error().context, std::string("g.txt:1:1"));
        QVERIFY(!parseEthtoolModule("", "empty").has_value());
        QVERIFY(!parsePerfquery("PortXmitData:....12x\n", "pq").has_value());
        // A port cabled to two different peers is a contradiction, reported with its line.
        const std::string twice = "Switch\t2 \"S-0000000000000001\"\t# \"a\"\n[1]\t\"S-0000000000000002\"[1]\n\n"
                                  "Switch\t2 \"S-0000000000000002\"\t# \"b\"\n[1]\t\"S-0000000000000001\"[2]\n";
        auto contradiction = importIbnetdiscover(twice, "twice");
        QVERIFY(!contradiction.has_value());
        QCOMPARE(contradiction.error().context, std::string("twice:5:1"));
    }
};

QTEST_GUILESS_MAIN(TestFabric)
#include "tst_fabric.moc"
