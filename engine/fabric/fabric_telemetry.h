#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "fabric/fabric.h"

namespace Nocturne::Engine {

struct ExpositionResult;

constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

// Digital optical monitoring of one module, from `ethtool -m` or SONiC's STATE_DB. NaN: not reported.
struct TransceiverDom {
    std::string interface; // "Ethernet0" (SONiC); empty for ethtool
    std::string identifier, vendor, part, serial;
    double temperatureC = kNoValue, voltageV = kNoValue;
    struct Lane {
        double biasMa = kNoValue, txPowerDbm = kNoValue, rxPowerDbm = kNoValue;
    };
    std::vector<Lane> lanes;
    bool hasThresholds = false;
    TransceiverThresholds thresholds;
    std::vector<std::string> raisedFlags; // alarm/warning flags that are on ("Laser rx power low warning (Channel 2)")
};

// `ethtool -m` text (SFF-8472 SFP and SFF-8636 QSFP layouts; "-inf dBm" for a dark lane is kept as -inf).
Result<TransceiverDom> parseEthtoolModule(std::string_view text, std::string_view source);
// SONiC STATE_DB dump (JSON object of "TABLE|Ethernet0" → fields): TRANSCEIVER_DOM_SENSOR, _DOM_THRESHOLD and _INFO
// merged per interface; "N/A" is not a value. (In the I/O layer: it needs the JSON parser.)
Result<std::map<std::string, TransceiverDom>> parseSonicTransceiverTables(std::string_view json, std::string_view source);

// perfquery output ("Field:....value"), basic or extended (-x), per port or aggregated (-a, port 255 / ALL).
struct PortCounters {
    int lid = 0;
    int port = 0;
    bool extended = false;
    std::map<std::string, std::uint64_t> values;
};
Result<PortCounters> parsePerfquery(std::string_view text, std::string_view source);

// ibqueryerrors (and --data): counters over threshold per port; port -1 = "ALL".
struct PortErrorReport {
    std::uint64_t guid = 0;
    std::string description;
    int port = -1;
    std::map<std::string, std::uint64_t> counters;
};
Result<std::vector<PortErrorReport>> parseIbqueryerrors(std::string_view text, std::string_view source);

// A dump of /sys/class/infiniband ("path: value" lines): per device and port, counters, hw_counters, rate, state.
struct SysfsPort {
    std::string device;
    int port = 0;
    std::map<std::string, std::uint64_t> counters; // counters/* and hw_counters/*
    std::string rate, state, physState, linkLayer;
};
Result<std::vector<SysfsPort>> parseSysfsInfiniband(std::string_view text, std::string_view source);

// dcgm-exporter metrics as per-GPU samples with fabric ids "<host>/gpu<N>". The host comes from the Hostname /
// hostname label (both spellings), else `defaultHost` (the scrape target). Samples without a gpu label (NVSwitch,
// CPU, the DataDog fixture's dummies) are counted in `unattributed`; DCGM blanks were already skipped by the parser.
struct GpuSample {
    std::string gpu; // fabric id
    std::string metric;
    double value = 0;
};
struct DcgmSamples {
    std::vector<GpuSample> samples;
    std::size_t unattributed = 0;
    std::size_t blanks = 0;
};
DcgmSamples dcgmGpuSamples(const ExpositionResult &exposition, std::string_view defaultHost);

// Counter → rate per second. A counter that goes down was reset (perfquery -R, driver reload): the new value is the
// increase since the reset. IB error counters saturate instead of wrapping (16-bit SymbolErrorCounter at 65535,
// 8-bit LinkDownedCounter at 255): a saturated reading gives no rate until the counter is cleared.
class CounterRate
{
public:
    explicit CounterRate(std::uint64_t saturation = 0) : m_saturation(saturation) {}
    std::optional<double> update(Timestamp ts, std::uint64_t value);
    bool saturated() const { return m_saturated; }
    std::size_t resets() const { return m_resets; }

private:
    std::uint64_t m_saturation;
    bool m_have = false, m_saturated = false;
    Timestamp m_ts = 0;
    std::uint64_t m_value = 0;
    std::size_t m_resets = 0;
};
// The saturation value of an InfiniBand PortCounters field (0 = 64-bit, never saturates in practice).
std::uint64_t ibCounterSaturation(std::string_view field);

// One value for the fabric monitor (and the series store): element id, metric name as the monitor knows it.
struct FabricObservation {
    std::string element;
    std::string metric;
    double value = 0;
};

// Port counter snapshots (perfquery or sysfs names; mlx5 hw_counters; ethtool -S per-priority pause counters) →
// per-second rates under the monitor's metric names, remembering the previous snapshot per port and counter:
//   SymbolErrorCounter / symbol_error → ib_port_symbol_errors_per_second
//   PortRcvErrors / port_rcv_errors → ib_port_rcv_errors_per_second
//   PortXmitWait / port_xmit_wait → ib_port_xmit_wait_per_second
//   LinkDownedCounter / link_downed → ib_port_link_downed_total (the count itself)
//   PortXmitData / port_xmit_data (4-byte words) → ib_port_xmit_data_bytes_per_second, and
//     ib_port_utilization_ratio when the link rate is known
//   port_xmit_bytes (node_exporter's port_data_transmitted_bytes_total, in bytes) → the same two
//   rx_prio<N>_pause + tx_prio<N>_pause (any priority) → roce_pfc_pause_frames_per_second
// The first snapshot of a counter gives no rate; a reset restarts from the new value; saturated counters give none.
class FabricCounterRates
{
public:
    std::vector<FabricObservation> update(const std::string &portElement, Timestamp ts,
                                          const std::map<std::string, std::uint64_t> &counters, bool extended = true,
                                          double linkGbps = 0);
    std::size_t resets() const;

private:
    std::map<std::pair<std::string, std::string>, CounterRate> m_rates;
};

// node_exporter's infiniband collector (node_infiniband_*_total{device, port}) as the counter names above; empty
// for series it does not map.
std::string nodeExporterInfinibandField(std::string_view metric);

// A DOM reading as observations on an optic ("<port>/xcvr"): the weakest lane's RX and TX power, the highest bias,
// module temperature and voltage.
std::vector<FabricObservation> domObservations(const std::string &transceiverElement, const TransceiverDom &dom);

// rdma-core's default error thresholds (etc/error_thresholds): 10 for SymbolErrorCounter, LinkErrorRecoveryCounter,
// LinkDownedCounter, PortRcvErrors, LocalLinkIntegrityErrors, ExcessiveBufferOverrunErrors; 1000 for PortXmitWait;
// 100 for the rest.
std::uint64_t ibErrorThreshold(std::string_view field);
// Link rate in Gb/s from "4x HDR" / "100 Gb/sec (4X EDR)" spellings; 0 when unknown.
double ibLinkGbps(std::string_view width, std::string_view speed);

} // namespace Nocturne::Engine
