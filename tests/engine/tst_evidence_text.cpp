// Evidence an operator can read: units and names from Prometheus conventions, the wording of rises, falls and values
// near zero, which evidence counts as abnormal, and GPU fabric findings as diagnosis evidence on estate entities.
#include "diagnose/evidence_text.h"
#include "diagnose/fabric_evidence.h"
#include "fabric/fabric.h"
#include "scenario/gpu_cluster_estate.h"
#include "scenario/scenario.h"

#include <QTest>
#include <cmath>
#include <limits>

using namespace Nocturne::Engine;

namespace {
// 2026-03-02T10:31:05Z
constexpr Timestamp kOnset = 1772447465LL * kSecond;

RcaEvidence evidence(const char *metric, const char *kind, double reference, double value, double score,
                     double direction, Timestamp onset = kOnset) {
    RcaEvidence e;
    e.metric = metric;
    e.kind = kind;
    e.reference = reference;
    e.value = value;
    e.score = score;
    e.direction = direction;
    e.onset = onset;
    return e;
}

FabricFinding finding(const char *element, FindingKind kind, double severity, Timestamp first, Timestamp last,
                      const char *summary, std::vector<std::string> details = {}, bool root = true) {
    FabricFinding f;
    f.element = element;
    f.kind = kind;
    f.severity = severity;
    f.firstSeen = first;
    f.lastSeen = last;
    f.summary = summary;
    f.evidence = std::move(details);
    f.rootCandidate = root;
    return f;
}

QString q(const std::string &s) {
    return QString::fromStdString(s);
}
} // namespace

class TestEvidenceText : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void formatsValuesInTheirUnit_data() {
        QTest::addColumn<QString>("metric");
        QTest::addColumn<double>("value");
        QTest::addColumn<QString>("expected");
        QTest::newRow("seconds as ms") << QStringLiteral("http_request_duration_p99_seconds") << 0.22
                                       << QStringLiteral("220 ms");
        QTest::newRow("seconds as s") << QStringLiteral("http_request_duration_p99_seconds") << 1.5
                                      << QStringLiteral("1.5 s");
        QTest::newRow("seconds as µs") << QStringLiteral("trace_operation_self_seconds") << 12.3e-6
                                       << QStringLiteral("12.3 µs");
        QTest::newRow("seconds as min") << QStringLiteral("training_step_time_seconds") << 150.0
                                        << QStringLiteral("2.5 min");
        QTest::newRow("rounding moves the prefix") << QStringLiteral("x_seconds") << 0.9996 << QStringLiteral("1 s");
        QTest::newRow("ms") << QStringLiteral("redis_command_latency_ms") << 1500.0 << QStringLiteral("1.5 s");
        QTest::newRow("milliseconds") << QStringLiteral("node_network_rtt_milliseconds") << 0.25
                                      << QStringLiteral("250 µs");
        QTest::newRow("zero seconds") << QStringLiteral("db_pool_wait_seconds") << 0.0 << QStringLiteral("0 s");
        QTest::newRow("bytes as MiB") << QStringLiteral("container_memory_working_set_bytes") << 1.5 * 1048576
                                      << QStringLiteral("1.5 MiB");
        QTest::newRow("bytes as GiB") << QStringLiteral("container_memory_working_set_bytes") << 2.3 * 1073741824
                                      << QStringLiteral("2.3 GiB");
        QTest::newRow("bytes") << QStringLiteral("container_memory_working_set_bytes") << 512.0
                               << QStringLiteral("512 B");
        QTest::newRow("ratio as %") << QStringLiteral("http_errors_ratio") << 0.18 << QStringLiteral("18 %");
        QTest::newRow("small ratio") << QStringLiteral("http_errors_ratio") << 0.002 << QStringLiteral("0.2 %");
        QTest::newRow("percent") << QStringLiteral("disk_used_percent") << 87.25 << QStringLiteral("87.3 %");
        QTest::newRow("per second, kilo")
            << QStringLiteral("mysql_queries_per_second") << 1234.0 << QStringLiteral("1.23 k/s");
        QTest::newRow("per second") << QStringLiteral("roce_pfc_pause_frames_per_second") << 120.0
                                    << QStringLiteral("120/s");
        QTest::newRow("counter as rate") << QStringLiteral("http_requests_total") << 42.0 << QStringLiteral("42/s");
        QTest::newRow(":rate of bytes") << QStringLiteral("node_network_receive_bytes_total:rate") << 2.5 * 1048576
                                        << QStringLiteral("2.5 MiB/s");
        QTest::newRow(":p99 of seconds") << QStringLiteral("http_request_duration_seconds:p99") << 1.5
                                         << QStringLiteral("1.5 s");
        QTest::newRow(":p50 of ms") << QStringLiteral("rpc_latency_ms:p50") << 0.8 << QStringLiteral("800 µs");
        QTest::newRow("dBm") << QStringLiteral("transceiver_rx_power_dbm") << -7.5 << QStringLiteral("\u22127.5 dBm");
        QTest::newRow("celsius") << QStringLiteral("transceiver_temperature_celsius") << 41.25
                                 << QStringLiteral("41.3 °C");
        QTest::newRow("watts") << QStringLiteral("gpu_power_watts") << 1200.0 << QStringLiteral("1.2 kW");
        QTest::newRow("gbps") << QStringLiteral("nccl_allreduce_bus_bandwidth_gbps") << 180.0
                              << QStringLiteral("180 Gb/s");
        QTest::newRow("no unit") << QStringLiteral("mysql_global_status_threads_connected") << 12.3
                                 << QStringLiteral("12.3");
        QTest::newRow("no unit, mega") << QStringLiteral("db_pool_active_connections") << 12345678.0
                                       << QStringLiteral("12.3 M");
        QTest::newRow("not a number") << QStringLiteral("http_errors_ratio") << std::numeric_limits<double>::quiet_NaN()
                                      << QStringLiteral("n/a");
    }
    void formatsValuesInTheirUnit() {
        QFETCH(QString, metric);
        QFETCH(double, value);
        QFETCH(QString, expected);
        QCOMPARE(q(formatValue(value, unitOf(metric.toStdString()))), expected);
    }

    void unitsFromNamingConventions() {
        const MetricUnit ratio = unitOf("http_errors_ratio");
        QCOMPARE(ratio.symbol, std::string("%"));
        QCOMPARE(ratio.scale, 100.0);
        QVERIFY(!ratio.perSecond);

        const MetricUnit rate = unitOf("node_network_receive_bytes_total:rate");
        QCOMPARE(rate.symbol, std::string("B"));
        QVERIFY(rate.perSecond);
        QCOMPARE(unitOf("node_network_receive_bytes_total"), rate); // a counter reads as its rate either way

        const MetricUnit p99 = unitOf("http_request_duration_seconds:p99");
        QCOMPARE(p99.symbol, std::string("s"));
        QCOMPARE(p99.quantile, std::string("p99"));
        QCOMPARE(unitOf("http_request_duration_p99_seconds").quantile, std::string("p99"));
        QCOMPARE(unitOf("redis_command_latency_ms").scale, 1e-3);
        QVERIFY(unitOf("transceiver_rx_power_dbm").logarithmic);
        QVERIFY(unitOf("transceiver_temperature_celsius").interval);

        // No convention, no unit; a bare unit word is a name, not a suffix.
        QCOMPARE(unitOf("mysql_global_status_threads_connected").symbol, std::string());
        QCOMPARE(unitOf("seconds").symbol, std::string());
        QCOMPARE(unitOf("").symbol, std::string());
    }

    void humanNames_data() {
        QTest::addColumn<QString>("metric");
        QTest::addColumn<QString>("expected");
        QTest::newRow("p99 latency") << QStringLiteral("http_request_duration_p99_seconds")
                                     << QStringLiteral("p99 latency");
        QTest::newRow("histogram quantile")
            << QStringLiteral("http_request_duration_seconds:p99") << QStringLiteral("p99 latency");
        QTest::newRow("error ratio") << QStringLiteral("http_errors_ratio") << QStringLiteral("error ratio");
        QTest::newRow("memory") << QStringLiteral("container_memory_working_set_bytes")
                                << QStringLiteral("memory working set");
        QTest::newRow("db pool") << QStringLiteral("db_pool_active_connections")
                                 << QStringLiteral("db pool active connections");
        QTest::newRow("mysql status") << QStringLiteral("mysql_global_status_threads_connected")
                                      << QStringLiteral("threads connected");
        QTest::newRow("product prefix kept")
            << QStringLiteral("mysql_queries_per_second") << QStringLiteral("mysql queries");
        QTest::newRow("product prefix dropped")
            << QStringLiteral("redis_keyspace_hit_ratio") << QStringLiteral("keyspace hit ratio");
        QTest::newRow("capacity ratio") << QStringLiteral("container_cpu_usage_ratio") << QStringLiteral("CPU usage");
        QTest::newRow("client latency") << QStringLiteral("rpc_client_duration_p99_seconds")
                                        << QStringLiteral("p99 client latency");
        QTest::newRow("job step") << QStringLiteral("training_step_time_seconds")
                                  << QStringLiteral("training step time");
        QTest::newRow("abbreviations") << QStringLiteral("ib_port_xmit_wait_per_second")
                                       << QStringLiteral("port transmit wait");
        QTest::newRow("dcgm") << QStringLiteral("DCGM_FI_DEV_GPU_UTIL") << QStringLiteral("GPU utilisation");
        QTest::newRow("cpu seconds rate")
            << QStringLiteral("node_cpu_seconds_total:rate") << QStringLiteral("CPU time");
        QTest::newRow("unknown") << QStringLiteral("up") << QStringLiteral("up");
    }
    void humanNames() {
        QFETCH(QString, metric);
        QFETCH(QString, expected);
        QCOMPARE(q(humanMetricName(metric.toStdString())), expected);
    }

    void wording_data() {
        QTest::addColumn<QString>("metric");
        QTest::addColumn<QString>("kind");
        QTest::addColumn<double>("reference");
        QTest::addColumn<double>("value");
        QTest::addColumn<double>("score");
        QTest::addColumn<double>("direction");
        QTest::addColumn<QString>("expected");
        QTest::newRow("rise with factor")
            << QStringLiteral("http_request_duration_p99_seconds") << QStringLiteral("latency") << 0.22 << 1.5 << 14.0
            << 1.0 << QStringLiteral("p99 latency rose from 220 ms to 1.5 s (6.8×) at 10:31:05, 14σ above normal");
        QTest::newRow("reference near zero: no factor")
            << QStringLiteral("http_errors_ratio") << QStringLiteral("errors") << 0.002 << 0.18 << 40.0 << 1.0
            << QStringLiteral("error ratio rose from 0.2 % to 18 % at 10:31:05, 40σ above normal");
        QTest::newRow("reference zero") << QStringLiteral("kube_pod_container_restarts") << QStringLiteral("errors")
                                        << 0.0 << 3.0 << 30.0 << 1.0
                                        << QStringLiteral(
                                               "container restarts rose from 0 to 3 at 10:31:05, 30σ above normal");
        QTest::newRow("small rise in percent")
            << QStringLiteral("db_pool_active_connections") << QString() << 18.0 << 20.0 << 4.2 << 1.0
            << QStringLiteral("db pool active connections rose from 18 to 20 (+11 %) at 10:31:05, 4.2σ above normal");
        QTest::newRow("fall") << QStringLiteral("http_requests_per_second") << QStringLiteral("traffic") << 1200.0
                              << 440.0 << 6.1 << -1.0
                              << QStringLiteral(
                                     "requests fell from 1.2 k/s to 440/s (−63 %) at 10:31:05, 6.1σ below normal");
        QTest::newRow("dBm fall in dB")
            << QStringLiteral("transceiver_rx_power_dbm") << QString() << -2.1 << -9.6 << 22.0 << -1.0
            << QStringLiteral(
                   "transceiver RX power fell from −2.1 dBm to −9.6 dBm (−7.5 dB) at 10:31:05, 22σ below normal");
        QTest::newRow("bytes")
            << QStringLiteral("container_memory_working_set_bytes") << QStringLiteral("mem") << 512.0 * 1048576
            << 2.3 * 1073741824 << 9.2 << 1.0
            << QStringLiteral("memory working set rose from 512 MiB to 2.3 GiB (4.6×) at 10:31:05, 9.2σ above normal");
        QTest::newRow("percentages compare as they are")
            << QStringLiteral("container_cpu_usage_ratio") << QStringLiteral("cpu") << 0.4 << 0.54 << 5.0 << 1.0
            << QStringLiteral("CPU usage rose from 40 % to 54 % at 10:31:05, 5σ above normal");
        QTest::newRow("unchanged at three digits")
            << QStringLiteral("mysql_global_status_threads_connected") << QString() << 12.0 << 12.001 << 0.01 << 1.0
            << QStringLiteral("threads connected stayed near 12 at 10:31:05, 0.01σ above normal");
    }
    void wording() {
        QFETCH(QString, metric);
        QFETCH(QString, kind);
        QFETCH(double, reference);
        QFETCH(double, value);
        QFETCH(double, score);
        QFETCH(double, direction);
        QFETCH(QString, expected);
        const RcaEvidence e =
            evidence(metric.toUtf8().constData(), kind.toUtf8().constData(), reference, value, score, direction);
        QCOMPARE(q(describeEvidence(e)), expected);
    }

    void wordingDetails() {
        // No onset, no time; the entity's own name is not repeated.
        RcaEvidence e = evidence("mysql_queries_per_second", "traffic", 1200, 4800, 12, 1, 0);
        QCOMPARE(q(describeEvidence(e)),
                 QStringLiteral("mysql queries rose from 1.2 k/s to 4.8 k/s (4×), 12σ above normal"));
        QCOMPARE(q(describeEvidence(e, "mysql-primary")),
                 QStringLiteral("queries rose from 1.2 k/s to 4.8 k/s (4×), 12σ above normal"));
        QCOMPARE(q(describeEvidence(e, "mysqlx")),
                 QStringLiteral("mysql queries rose from 1.2 k/s to 4.8 k/s (4×), 12σ above normal"));
        // Events keep their own text.
        RcaEvidence log = evidence("log", "log", 0, 0, 7, 1);
        log.text = "log new_template: connection refused";
        QCOMPARE(q(describeEvidence(log, "cart")), QStringLiteral("log new_template: connection refused"));
        // A huge score is not printed digit by digit.
        e = evidence("training_step_time_seconds", "latency", 1.1, 22, 5e6, 1, 0);
        QCOMPARE(q(describeEvidence(e)),
                 QStringLiteral("training step time rose from 1.1 s to 22 s (20×), >1000σ above normal"));
    }

    void abnormality_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<double>("score");
        QTest::addColumn<double>("direction");
        QTest::addColumn<double>("minScore");
        QTest::addColumn<bool>("abnormal");
        QTest::newRow("latency rise") << QStringLiteral("latency") << 14.0 << 1.0 << 4.0 << true;
        QTest::newRow("latency fall") << QStringLiteral("latency") << 9.0 << -1.0 << 4.0 << false;
        QTest::newRow("cpu fall") << QStringLiteral("cpu") << 9.0 << -1.0 << 4.0 << false;
        QTest::newRow("mem fall") << QStringLiteral("mem") << 9.0 << -1.0 << 4.0 << false;
        QTest::newRow("errors fall") << QStringLiteral("errors") << 9.0 << -1.0 << 4.0 << false;
        QTest::newRow("0.8 sigma") << QStringLiteral("") << 0.8 << 1.0 << 4.0 << false;
        QTest::newRow("just below") << QStringLiteral("cpu") << 3.9 << 1.0 << 4.0 << false;
        QTest::newRow("lower bar") << QStringLiteral("cpu") << 3.9 << 1.0 << 3.0 << true;
        QTest::newRow("at the bar") << QStringLiteral("errors") << 4.0 << 1.0 << 4.0 << true;
        QTest::newRow("traffic fall") << QStringLiteral("traffic") << 6.0 << -1.0 << 4.0 << true;
        QTest::newRow("other fall") << QStringLiteral("") << 6.0 << -1.0 << 4.0 << true;
        QTest::newRow("NaN score") << QStringLiteral("latency") << std::numeric_limits<double>::quiet_NaN() << 1.0
                                   << 4.0 << false;
        QTest::newRow("log event") << QStringLiteral("log") << 0.0 << 0.0 << 4.0 << true;
        QTest::newRow("change event") << QStringLiteral("change") << 0.0 << 0.0 << 4.0 << true;
        QTest::newRow("fabric finding") << QStringLiteral("fabric") << 5.0 << 1.0 << 10.0 << true;
    }
    void abnormality() {
        QFETCH(QString, kind);
        QFETCH(double, score);
        QFETCH(double, direction);
        QFETCH(double, minScore);
        QFETCH(bool, abnormal);
        const RcaEvidence e = evidence("m", kind.toUtf8().constData(), 10, direction > 0 ? 20 : 5, score, direction);
        QCOMPARE(isAbnormal(e, minScore), abnormal);
    }

    void fabricFindingsInTheWindow() {
        const Timestamp from = kOnset, to = kOnset + 10 * kMinute;
        const std::vector<FabricFinding> findings{
            finding("gpu-node21/gpu5", FindingKind::GpuXid, 1.0, from + kMinute, to + kMinute,
                    "XID 79: GPU has fallen off the bus → drain node", {"DCGM_FI_DEV_XID_ERRORS = 79"}),
            finding("gpu-node03/gpu1", FindingKind::GpuThermal, 0.5, from - kHour, from - kMinute,
                    "GPU at 90 °C"),                                                                 // over before
            finding("gpu-node04/gpu2", FindingKind::GpuEcc, 0.8, to + kSecond, to + kMinute, "ECC"), // starts after
            finding("leaf-05/p09", FindingKind::PfcStorm, 0.9, from - kMinute, from,
                    "PFC pause frames 250000/s"), // ends at from
            finding("leaf-05/p03", FindingKind::PfcStorm, 0.5, to, to,
                    "PFC pause frames 3000/s (victim of a storm elsewhere)", {}, false),
            finding("leaf-05/p04", FindingKind::PfcVictim, 0.5, from, to, "PFC victim"),
            finding("gpu-node00/gpu0", FindingKind::GpuIdle, 0.3, from, to, "GPU utilisation 0 % (usually 97 %)", {},
                    false),
            finding("llm", FindingKind::JobSlow, 1.0, from, to, "step time 22 s, 20× usual"),
        };
        const std::vector<FabricEvidence> out = fabricEvidence(findings, nullptr, from, to);
        QCOMPARE(out.size(), std::size_t(6));
        QCOMPARE(out[0].entity, std::string("gpu-node21/gpu5"));
        QCOMPARE(out[1].entity, std::string("leaf-05/p09"));
        QCOMPARE(out[2].entity, std::string("leaf-05/p03"));
        QCOMPARE(out[3].entity, std::string("leaf-05/p04"));
        QCOMPARE(out[4].entity, std::string("gpu-node00/gpu0"));
        QCOMPARE(out[5].entity, std::string("llm"));

        const RcaEvidence &xid = out[0].evidence;
        QVERIFY(out[0].rootCandidate);
        QCOMPARE(xid.kind, std::string("fabric"));
        QCOMPARE(xid.metric, std::string("gpu_xid"));
        QCOMPARE(xid.score, 20.0);
        QCOMPARE(xid.direction, 1.0);
        QCOMPARE(xid.onset, from + kMinute);
        QCOMPARE(q(xid.text),
                 QStringLiteral("XID 79: GPU has fallen off the bus → drain node; DCGM_FI_DEV_XID_ERRORS = 79"));
        QCOMPARE(describeEvidence(xid, out[0].entity), xid.text);
        QVERIFY(isAbnormal(xid));

        QVERIFY(out[1].rootCandidate); // the storm's origin
        QCOMPARE(out[1].evidence.score, 4 + 16 * 0.9);
        QVERIFY(!out[2].rootCandidate); // a storm port the monitor judged a victim
        QVERIFY(!out[3].rootCandidate); // victims, idle GPUs and slow jobs are symptoms, whatever flag they carry
        QVERIFY(!out[4].rootCandidate);
        QVERIFY(!out[5].rootCandidate);
        QCOMPARE(out[5].evidence.metric, std::string("job_slow"));

        QVERIFY(fabricEvidence(findings, nullptr, to + kHour, to + 2 * kHour).empty());
        QVERIFY(fabricEvidence({}, nullptr, from, to).empty());
    }

    void portErrorsFollowTheirOptic() {
        const std::vector<FabricFinding> findings{
            finding("leaf-03/p17", FindingKind::LinkErrors, 0.6, 0, 100, "symbol errors 400/s"),
            finding("leaf-03/p17/xcvr", FindingKind::TransceiverPredicted, 0.7, 0, 100,
                    "RX power forecast to cross its low alarm in 3d", {"RX power falling -1.20 dB/h (t = 9)"}),
            finding("leaf-02/p33", FindingKind::LinkErrors, 0.6, 0, 100, "receive errors 40/s"),
        };
        const std::vector<FabricEvidence> out = fabricEvidence(findings, nullptr, 0, 100);
        QCOMPARE(out.size(), std::size_t(3));
        QVERIFY(!out[0].rootCandidate); // the optic is the replaceable part
        QVERIFY(out[1].rootCandidate);
        QVERIFY(out[2].rootCandidate); // no optic finding: the port itself
    }

    void fabricElementsAreEstateEntities() {
        // The gpu-cluster scenario's estate as the engine loads it: Fabric::fromEstate keeps the estate's ids.
        GpuClusterShape shape;
        shape.servers = 4;
        shape.gpusPerServer = 2;
        shape.leaves = 2;
        shape.spines = 1;
        shape.uplinksPerSpine = 1;
        shape.job = "llm-pretrain-70b";
        Estate estate;
        buildGpuClusterEstate(shape, estate);
        const Fabric fabric = Fabric::fromEstate(estate);
        for (const char *id : {"gpu-node01/gpu1", "gpu-node01/mlx5_1", "gpu-node01/mlx5_1/p1",
                               "gpu-node01/mlx5_1/p1/xcvr", "leaf-01/p02", "leaf-01/p02/xcvr", "leaf-01/p05",
                               "spine-00/p02", "leaf-01", "gpu-node01", "llm-pretrain-70b"}) {
            QVERIFY2(estate.find(id), id);
            QCOMPARE(fabricEntityOf(id, &fabric), std::string(id));
        }
        // Other spellings the fabric resolves name the element's estate entity.
        const std::string uuid = estate.find("gpu-node02/gpu0")->labels.at("UUID");
        QCOMPARE(fabricEntityOf(uuid, &fabric), std::string("gpu-node02/gpu0"));
        QCOMPARE(fabricEntityOf("not-an-element", &fabric), std::string("not-an-element"));
        QCOMPARE(fabricEntityOf("anything", nullptr), std::string("anything"));

        const std::vector<FabricFinding> findings{finding(uuid.c_str(), FindingKind::GpuXid, 1.0, 0, 10, "XID 79")};
        const std::vector<FabricEvidence> out = fabricEvidence(findings, &fabric, 0, 10);
        QCOMPARE(out.size(), std::size_t(1));
        QCOMPARE(out[0].entity, std::string("gpu-node02/gpu0"));
    }
};

QTEST_GUILESS_MAIN(TestEvidenceText)
#include "tst_evidence_text.moc"
