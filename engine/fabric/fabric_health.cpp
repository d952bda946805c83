#include "fabric_health.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <set>

namespace Nocturne::Engine {

XidInfo classifyXid(int code)
{
    switch (code) {
    case 13: return {13, "graphics engine exception", XidAction::RestartApp};
    case 31: return {31, "GPU memory page fault", XidAction::RestartApp};
    case 43: return {43, "GPU stopped processing", XidAction::RestartApp};
    case 45: return {45, "preemptive cleanup", XidAction::None};
    case 48: return {48, "double-bit ECC error", XidAction::DrainNode};
    case 63: return {63, "ECC page retirement / row remapping recorded", XidAction::ResetGpu};
    case 64: return {64, "page retirement / row remapping failure", XidAction::DrainNode};
    case 74: return {74, "NVLink error", XidAction::DrainNode};
    case 79: return {79, "GPU has fallen off the bus", XidAction::DrainNode};
    case 92: return {92, "high single-bit ECC error rate", XidAction::Investigate};
    case 94: return {94, "contained ECC error", XidAction::RestartApp};
    case 95: return {95, "uncontained ECC error", XidAction::DrainNode};
    case 119: return {119, "GSP RPC timeout", XidAction::ResetGpu};
    case 120: return {120, "GSP error", XidAction::ResetGpu};
    case 154: return {154, "GPU recovery action changed", XidAction::Investigate};
    default: return {code, "unlisted XID", XidAction::Investigate};
    }
}

const char *xidActionName(XidAction action)
{
    switch (action) {
    case XidAction::None: return "none";
    case XidAction::RestartApp: return "restart the application";
    case XidAction::ResetGpu: return "reset the GPU";
    case XidAction::DrainNode: return "drain the node";
    case XidAction::Investigate: return "investigate";
    }
    return "investigate";
}

const char *findingKindName(FindingKind kind)
{
    switch (kind) {
    case FindingKind::GpuXid: return "gpu_xid";
    case FindingKind::GpuEcc: return "gpu_ecc";
    case FindingKind::GpuThermal: return "gpu_thermal";
    case FindingKind::GpuNvlink: return "gpu_nvlink";
    case FindingKind::GpuIdle: return "gpu_idle";
    case FindingKind::LinkErrors: return "link_errors";
    case FindingKind::LinkDown: return "link_down";
    case FindingKind::Congestion: return "congestion";
    case FindingKind::PfcStorm: return "pfc_storm";
    case FindingKind::PfcVictim: return "pfc_victim";
    case FindingKind::TransceiverAlarm: return "transceiver_alarm";
    case FindingKind::TransceiverPredicted: return "transceiver_predicted_failure";
    case FindingKind::JobSlow: return "job_slow";
    }
    return "finding";
}

namespace {
std::string fmt(const char *format, double a, double b = 0, double c = 0)
{
    char buffer[256];
    std::snprintf(buffer, sizeof buffer, format, a, b, c);
    return buffer;
}

double kindWeight(FindingKind kind)
{
    switch (kind) {
    case FindingKind::GpuXid: return 1.0;
    case FindingKind::PfcStorm: return 0.95;
    case FindingKind::LinkDown: return 0.9;
    case FindingKind::LinkErrors: return 0.85;
    case FindingKind::TransceiverAlarm: return 0.85;
    case FindingKind::TransceiverPredicted: return 0.8;
    case FindingKind::GpuNvlink: return 0.8;
    case FindingKind::GpuEcc: return 0.75;
    case FindingKind::Congestion: return 0.7;
    case FindingKind::GpuThermal: return 0.5;
    case FindingKind::GpuIdle: return 0.1;
    case FindingKind::PfcVictim: return 0.1;
    case FindingKind::JobSlow: return 0.0;
    }
    return 0.5;
}

std::string formatDuration(double seconds)
{
    if (seconds < 3600)
        return fmt("%.0f min", seconds / 60);
    if (seconds < 2 * 86400)
        return fmt("%.1f h", seconds / 3600);
    return fmt("%.1f days", seconds / 86400);
}
} // namespace

TransceiverAssessment assessTransceiver(const TransceiverDom &dom, const TransceiverDom *farEnd, double ageDays,
                                        double secondsToFailure)
{
    TransceiverAssessment a;
    const TransceiverThresholds &th = dom.thresholds;
    auto penalise = [&](double points, std::string why) {
        a.score -= points;
        a.reasons.push_back(std::move(why));
    };
    for (std::size_t i = 0; i < dom.lanes.size(); ++i) {
        const TransceiverDom::Lane &lane = dom.lanes[i];
        if (!std::isnan(lane.rxPowerDbm)) {
            const double margin = lane.rxPowerDbm - th.rxPowerLowAlarm;
            if (std::isnan(a.worstRxMarginDb) || margin < a.worstRxMarginDb)
                a.worstRxMarginDb = margin;
        }
    }
    if (!std::isnan(a.worstRxMarginDb)) {
        if (a.worstRxMarginDb < 0)
            penalise(60, fmt("RX power below its low alarm by %.1f dB", -a.worstRxMarginDb));
        else if (a.worstRxMarginDb < 3)
            penalise(40 * (1 - a.worstRxMarginDb / 3), fmt("RX power only %.1f dB above its low alarm", a.worstRxMarginDb));
    }
    for (std::size_t i = 0; i < dom.lanes.size(); ++i) {
        const double tx = dom.lanes[i].txPowerDbm;
        if (!std::isnan(tx) && tx < th.txPowerLowWarning) {
            penalise(tx < th.txPowerLowAlarm ? 25 : 10, fmt("lane %.0f TX power %.2f dBm is low", double(i + 1), tx));
            break;
        }
    }
    for (std::size_t i = 0; i < dom.lanes.size(); ++i) {
        const double bias = dom.lanes[i].biasMa;
        if (!std::isnan(bias) && (bias > th.biasHighAlarm || bias < th.biasLowAlarm) && bias != 0) {
            penalise(15, fmt("lane %.0f laser bias %.2f mA outside its alarm range", double(i + 1), bias));
            break;
        }
    }
    if (!std::isnan(dom.temperatureC)) {
        if (dom.temperatureC >= th.tempHighAlarm)
            penalise(40, fmt("module temperature %.1f °C at or above its alarm", dom.temperatureC));
        else if (dom.temperatureC >= th.tempHighWarning)
            penalise(20, fmt("module temperature %.1f °C above its warning", dom.temperatureC));
    }
    if (!std::isnan(dom.voltageV) && (dom.voltageV < th.vccLowAlarm || dom.voltageV > th.vccHighAlarm))
        penalise(15, fmt("supply voltage %.3f V outside its alarm range", dom.voltageV));
    // The two ends of the same cable: far TX − local RX is the loss of the cable and connectors.
    if (farEnd) {
        double worstLoss = -1;
        for (std::size_t i = 0; i < std::min(dom.lanes.size(), farEnd->lanes.size()); ++i) {
            const double tx = farEnd->lanes[i].txPowerDbm, rx = dom.lanes[i].rxPowerDbm;
            if (!std::isnan(tx) && !std::isnan(rx) && std::isfinite(tx) && std::isfinite(rx))
                worstLoss = std::max(worstLoss, tx - rx);
        }
        if (worstLoss > 4)
            penalise(std::min(30.0, 5 * (worstLoss - 4) + 10), fmt("link loss %.1f dB (far-end TX − local RX)", worstLoss));
    }
    if (secondsToFailure >= 0 && secondsToFailure < 7 * 86400)
        penalise(30 * (1 - secondsToFailure / (7 * 86400)), "RX power trend crosses the alarm in " + formatDuration(secondsToFailure));
    if (ageDays > 1500)
        penalise(5, fmt("module age %.0f days", ageDays));
    for (const std::string &flag : dom.raisedFlags)
        if (flag.find("alarm") != std::string::npos) {
            penalise(10, "flag raised: " + flag);
            break;
        }
    a.score = std::clamp(a.score, 0.0, 100.0);
    return a;
}

// ---------------------------------------------------------------------------------------------------------------------

namespace {
enum class Metric : std::uint8_t {
    GpuXid, GpuUtil, GpuTemp, GpuEcc, GpuNvlink,
    PortUtil, PortWait, PortRcvErr, PortSymErr, PortLinkDowned, PortPfc,
    XcvrRx, XcvrTx, XcvrTemp, XcvrBias, XcvrVcc,
    JobStep, JobBw,
};

struct MetricName {
    std::string_view name;
    Metric metric;
};
constexpr MetricName kGpuMetrics[] = {
    {"DCGM_FI_DEV_XID_ERRORS", Metric::GpuXid},
    {"DCGM_FI_DEV_GPU_UTIL", Metric::GpuUtil},
    {"DCGM_FI_DEV_GPU_TEMP", Metric::GpuTemp},
    {"DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", Metric::GpuEcc},
    {"DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", Metric::GpuEcc},
    {"DCGM_FI_DEV_ROW_REMAP_FAILURE", Metric::GpuEcc},
    {"DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL", Metric::GpuNvlink},
    {"DCGM_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL", Metric::GpuNvlink},
    {"DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL", Metric::GpuNvlink},
};
constexpr MetricName kPortMetrics[] = {
    {"ib_port_utilization_ratio", Metric::PortUtil},
    {"ib_port_xmit_wait_per_second", Metric::PortWait},
    {"ib_port_rcv_errors_per_second", Metric::PortRcvErr},
    {"ib_port_symbol_errors_per_second", Metric::PortSymErr},
    {"ib_port_link_downed_total", Metric::PortLinkDowned},
    {"roce_pfc_pause_frames_per_second", Metric::PortPfc},
};
constexpr MetricName kOpticMetrics[] = {
    {"transceiver_rx_power_dbm", Metric::XcvrRx},
    {"transceiver_tx_power_dbm", Metric::XcvrTx},
    {"transceiver_temperature_celsius", Metric::XcvrTemp},
    {"transceiver_bias_current_ma", Metric::XcvrBias},
    {"transceiver_voltage_volts", Metric::XcvrVcc},
};
constexpr MetricName kJobMetrics[] = {
    {"training_step_time_seconds", Metric::JobStep},
    {"nccl_allreduce_bus_bandwidth_gbps", Metric::JobBw},
};

template<std::size_t N>
bool findMetric(const MetricName (&table)[N], std::string_view name, Metric &out)
{
    for (const MetricName &m : table)
        if (m.name == name) {
            out = m.metric;
            return true;
        }
    return false;
}
} // namespace

struct FabricMonitor::TrendState {
    Timestamp bucketStart = 0;
    double bucketSum = 0;
    int bucketCount = 0;
    std::deque<std::pair<double, double>> points; // (seconds, bucket mean)
    int confirm = 0;
    double slope = kNoValue; // dB per second, latest fit
    double fitted = kNoValue;
};

struct FabricMonitor::Slot {
    std::string element;
    Metric metric = Metric::GpuUtil;
    int index = -1; // GPU, port or job index
    double mean = 0;
    int samples = 0;
    int consecutive = 0;
    double last = kNoValue;
    std::unique_ptr<TrendState> trend;
};

FabricMonitor::FabricMonitor(std::shared_ptr<const Fabric> fabric) : FabricMonitor(std::move(fabric), Options{}) {}

FabricMonitor::FabricMonitor(std::shared_ptr<const Fabric> fabric, Options options)
    : m_fabric(std::move(fabric)), m_options(options)
{
    const float nan = std::numeric_limits<float>::quiet_NaN();
    m_gpuUtil.assign(m_fabric->gpus.size(), nan);
    m_gpuTemp.assign(m_fabric->gpus.size(), nan);
    m_gpuXid.assign(m_fabric->gpus.size(), 0);
    m_portUtil.assign(m_fabric->ports.size(), nan);
    m_portErrors.assign(m_fabric->ports.size(), nan);
    m_xcvrScore.assign(m_fabric->ports.size(), nan);
}

FabricMonitor::~FabricMonitor() = default;

int FabricMonitor::resolve(std::string_view element, std::string_view metric)
{
    const auto key = std::make_pair(std::string(element), std::string(metric));
    if (auto it = m_handles.find(key); it != m_handles.end())
        return it->second;
    Slot slot;
    slot.element = key.first;
    const Fabric::Lookup l = m_fabric->lookup(element);
    bool ok = false;
    switch (l.kind) {
    case Fabric::Lookup::Kind::Gpu: ok = findMetric(kGpuMetrics, metric, slot.metric); break;
    case Fabric::Lookup::Kind::Port: ok = findMetric(kPortMetrics, metric, slot.metric); break;
    case Fabric::Lookup::Kind::Transceiver: ok = findMetric(kOpticMetrics, metric, slot.metric); break;
    default:
        if (const int job = m_fabric->findJob(element); job >= 0) {
            ok = findMetric(kJobMetrics, metric, slot.metric);
            slot.index = job;
        }
        break;
    }
    int handle = -1;
    if (ok) {
        if (slot.index < 0)
            slot.index = l.index;
        if (slot.metric == Metric::XcvrRx || slot.metric == Metric::XcvrTx)
            slot.trend = std::make_unique<TrendState>();
        m_slots.push_back(std::move(slot));
        handle = int(m_slots.size()) - 1;
    }
    m_handles.emplace(key, handle);
    return handle;
}

bool FabricMonitor::observe(std::string_view element, std::string_view metric, Timestamp ts, double value)
{
    const int h = resolve(element, metric);
    if (h < 0)
        return false;
    observe(h, ts, value);
    return true;
}

void FabricMonitor::raise(FindingKind kind, const std::string &element, double severity, Timestamp ts, std::string summary,
                          std::vector<std::string> evidence, bool rootCandidate, double secondsToFailure)
{
    const auto key = std::make_pair(element, kind);
    auto it = m_findingIndex.find(key);
    if (it == m_findingIndex.end()) {
        FabricFinding f;
        f.element = element;
        f.kind = kind;
        f.firstSeen = ts;
        m_findings.push_back(std::move(f));
        it = m_findingIndex.emplace(key, m_findings.size() - 1).first;
    }
    FabricFinding &f = m_findings[it->second];
    f.severity = std::clamp(severity, 0.0, 1.0);
    f.lastSeen = ts;
    f.summary = std::move(summary);
    if (!evidence.empty())
        f.evidence = std::move(evidence);
    f.rootCandidate = rootCandidate;
    f.secondsToFailure = secondsToFailure;
}

void FabricMonitor::observe(int handle, Timestamp ts, double value)
{
    if (handle < 0 || std::size_t(handle) >= m_slots.size() || std::isnan(value))
        return;
    Slot &s = m_slots[std::size_t(handle)];
    const double previous = s.last;
    s.last = value;
    auto learn = [&] {
        ++s.samples;
        const double a = std::max(m_options.baselineAlpha, 1.0 / s.samples);
        s.mean += a * (value - s.mean);
    };
    // Above max(floor, k × baseline) for `confirmSamples` samples in a row; the baseline learns only from normal ones.
    auto spike = [&](double k, double floor) {
        if (s.samples < m_options.warmupSamples) {
            learn();
            return false;
        }
        if (value <= std::max(floor, k * s.mean)) {
            learn();
            s.consecutive = 0;
            return false;
        }
        return ++s.consecutive >= m_options.confirmSamples;
    };
    auto drop = [&](double k) {
        if (s.samples < m_options.warmupSamples) {
            learn();
            return false;
        }
        if (value >= k * s.mean) {
            learn();
            s.consecutive = 0;
            return false;
        }
        return ++s.consecutive >= m_options.confirmSamples;
    };
    switch (s.metric) {
    case Metric::GpuXid: {
        m_gpuXid[std::size_t(s.index)] = int(value);
        if (value > 0) {
            const XidInfo info = classifyXid(int(value));
            raise(FindingKind::GpuXid, s.element, info.action == XidAction::DrainNode ? 1.0 : 0.6, ts,
                  "XID " + std::to_string(info.code) + ": " + info.meaning + " → " + xidActionName(info.action),
                  {"DCGM_FI_DEV_XID_ERRORS = " + std::to_string(info.code)});
        }
        break;
    }
    case Metric::GpuUtil:
        m_gpuUtil[std::size_t(s.index)] = float(value);
        if (drop(0.2) && s.mean > 40)
            raise(FindingKind::GpuIdle, s.element, 0.3, ts, fmt("GPU utilisation %.0f %% (usually %.0f %%)", value, s.mean), {}, false);
        break;
    case Metric::GpuTemp:
        m_gpuTemp[std::size_t(s.index)] = float(value);
        if (value >= 87)
            raise(FindingKind::GpuThermal, s.element, (value - 80) / 20, ts, fmt("GPU at %.0f °C (throttling range)", value));
        break;
    case Metric::GpuEcc:
        if (value > 0 && (std::isnan(previous) || value > previous))
            raise(FindingKind::GpuEcc, s.element, 0.8, ts, fmt("uncorrectable ECC / row-remap count %.0f", value));
        break;
    case Metric::GpuNvlink:
        if (!std::isnan(previous) && value > previous)
            raise(FindingKind::GpuNvlink, s.element, 0.7, ts, fmt("NVLink errors +%.0f", value - previous));
        break;
    case Metric::PortUtil:
        m_portUtil[std::size_t(s.index)] = float(value);
        break;
    case Metric::PortWait:
        if (spike(8, 1000)) {
            const float util = m_portUtil[std::size_t(s.index)];
            std::vector<std::string> evidence{fmt("PortXmitWait %.0f ticks/s, %.0f× its baseline", value, value / std::max(1.0, s.mean))};
            if (!std::isnan(util))
                evidence.push_back(fmt("utilisation %.0f %%", util * 100.0));
            raise(FindingKind::Congestion, s.element, std::min(1.0, std::log10(value / std::max(1.0, s.mean)) / 2), ts,
                  fmt("congested: transmit wait %.0f× baseline", value / std::max(1.0, s.mean)), std::move(evidence));
        }
        break;
    case Metric::PortRcvErr:
    case Metric::PortSymErr: {
        float &errors = m_portErrors[std::size_t(s.index)];
        errors = std::isnan(errors) ? float(value) : std::max(errors * 0.5f, float(value));
        if (spike(20, 1.0))
            raise(FindingKind::LinkErrors, s.element, std::min(1.0, std::log10(1 + value) / 3), ts,
                  fmt(s.metric == Metric::PortSymErr ? "symbol errors %.0f/s" : "receive errors %.0f/s", value));
        break;
    }
    case Metric::PortLinkDowned:
        if (!std::isnan(previous) && value > previous)
            raise(FindingKind::LinkDown, s.element, 1.0, ts, fmt("link went down (+%.0f)", value - previous));
        break;
    case Metric::PortPfc:
        m_pfcRate[s.element] = value;
        if (spike(20, 1000))
            raise(FindingKind::PfcStorm, s.element, std::min(1.0, std::log10(value) / 6), ts, fmt("PFC pause frames %.0f/s", value));
        break;
    case Metric::XcvrRx:
    case Metric::XcvrTx:
    case Metric::XcvrTemp:
    case Metric::XcvrBias:
    case Metric::XcvrVcc:
        observeOptic(s, ts, value);
        break;
    case Metric::JobStep:
        if (spike(1.2, 0))
            raise(FindingKind::JobSlow, s.element, std::min(1.0, value / std::max(1e-9, s.mean) - 1), ts,
                  fmt("step time %.2f s, %.1f× usual", value, value / std::max(1e-9, s.mean)), {}, false);
        break;
    case Metric::JobBw:
        if (drop(0.8))
            raise(FindingKind::JobSlow, s.element, 0.5, ts, fmt("all-reduce bus bandwidth %.0f Gb/s (usually %.0f)", value, s.mean), {}, false);
        break;
    }
}

void FabricMonitor::observeOptic(Slot &s, Timestamp ts, double value)
{
    const FabricPort &port = m_fabric->ports[std::size_t(s.index)];
    const TransceiverThresholds &th = port.transceiver.thresholds;
    const bool rx = s.metric == Metric::XcvrRx, tx = s.metric == Metric::XcvrTx;
    if (s.metric == Metric::XcvrTemp && value >= th.tempHighWarning)
        raise(FindingKind::TransceiverAlarm, s.element, value >= th.tempHighAlarm ? 0.8 : 0.4, ts,
              fmt("module at %.1f °C (warning %.0f, alarm %.0f)", value, th.tempHighWarning, th.tempHighAlarm));
    if (s.metric == Metric::XcvrVcc && (value < th.vccLowAlarm || value > th.vccHighAlarm))
        raise(FindingKind::TransceiverAlarm, s.element, 0.6, ts, fmt("supply %.3f V outside its alarm range", value));
    if (!rx && !tx)
        return;
    const double lowAlarm = rx ? th.rxPowerLowAlarm : th.txPowerLowAlarm;
    const double lowWarning = rx ? th.rxPowerLowWarning : th.txPowerLowWarning;
    if (value < lowWarning) {
        if (++s.consecutive >= m_options.confirmSamples)
            raise(FindingKind::TransceiverAlarm, s.element, value < lowAlarm ? 0.9 : 0.5, ts,
                  fmt(rx ? "RX power %.2f dBm below its low " : "TX power %.2f dBm below its low ", value)
                      + (value < lowAlarm ? "alarm" : "warning"),
                  {fmt("low warning %.1f dBm, low alarm %.1f dBm", lowWarning, lowAlarm)});
    } else {
        s.consecutive = 0;
    }
    if (rx) {
        const double margin = value - lowAlarm;
        double score = 100;
        if (margin < 0)
            score -= 60;
        else if (margin < 3)
            score -= 40 * (1 - margin / 3);
        if (s.trend && !std::isnan(s.trend->slope) && s.trend->confirm >= 2 && s.trend->slope < 0)
            score -= 30;
        m_xcvrScore[std::size_t(s.index)] = float(std::max(0.0, score));
    }

    // Trend: bucket means, least squares over the window, a forecast of when the low alarm is crossed.
    TrendState &t = *s.trend;
    if (t.bucketCount == 0)
        t.bucketStart = ts;
    t.bucketSum += value;
    ++t.bucketCount;
    if (ts - t.bucketStart + 1 < m_options.trendBucket && t.bucketCount < 1000)
        return;
    const double secs = double(t.bucketStart) / double(kSecond);
    t.points.emplace_back(secs, t.bucketSum / t.bucketCount);
    t.bucketSum = 0;
    t.bucketCount = 0;
    while (int(t.points.size()) > m_options.trendBuckets)
        t.points.pop_front();
    if (int(t.points.size()) < m_options.trendBuckets / 2)
        return;
    const double n = double(t.points.size());
    double mx = 0, my = 0;
    for (auto [x, y] : t.points)
        mx += x, my += y;
    mx /= n, my /= n;
    double sxx = 0, sxy = 0;
    for (auto [x, y] : t.points)
        sxx += (x - mx) * (x - mx), sxy += (x - mx) * (y - my);
    if (sxx <= 0)
        return;
    const double slope = sxy / sxx;
    double sse = 0;
    for (auto [x, y] : t.points) {
        const double r = y - (my + slope * (x - mx));
        sse += r * r;
    }
    const double se = std::sqrt(std::max(sse / std::max(1.0, n - 2), 1e-12) / sxx);
    t.slope = slope;
    t.fitted = my + slope * (t.points.back().first - mx);
    const bool decaying = slope * 3600 < -m_options.minTrendDbPerHour && -slope / se > m_options.minTrendT;
    t.confirm = decaying ? t.confirm + 1 : 0;
    if (t.confirm < 2)
        return;
    const double secondsToFailure = std::max(0.0, (t.fitted - lowAlarm) / -slope);
    if (secondsToFailure > m_options.forecastHorizonSeconds)
        return;
    // Which end? Low RX with the far transmitter decaying as fast: the far laser. Otherwise this receiver or the
    // cable between (the optic at this end is the replaceable part to suspect first).
    std::string culprit = s.element;
    std::vector<std::string> evidence{std::string(rx ? "RX" : "TX")
                                      + fmt(" power falling %.2f dB/h (t = %.0f)", slope * 3600, -slope / se)};
    if (rx && port.peer >= 0) {
        const std::string far = m_fabric->ports[std::size_t(port.peer)].id + "/xcvr";
        auto h = m_handles.find({far, "transceiver_tx_power_dbm"});
        if (h != m_handles.end() && h->second >= 0) {
            const TrendState *farTrend = m_slots[std::size_t(h->second)].trend.get();
            if (farTrend && !std::isnan(farTrend->slope)) {
                evidence.push_back("far-end TX (" + far + ")" + fmt(" trend %.2f dB/h", farTrend->slope * 3600));
                if (farTrend->slope < 0.7 * slope)
                    culprit = far;
                else
                    evidence.push_back("the far laser is steady: the loss is in this receiver or the cable");
            }
        }
    }
    raise(FindingKind::TransceiverPredicted, culprit, std::clamp(1 - secondsToFailure / (7 * 86400.0), 0.4, 1.0), ts,
          std::string(rx ? "RX" : "TX") + " power forecast to cross its low alarm in " + formatDuration(secondsToFailure),
          std::move(evidence), true, secondsToFailure);
}

void FabricMonitor::evaluate(Timestamp now)
{
    const Timestamp cutoff = now - m_options.findingHold;
    const auto quiet = std::remove_if(m_findings.begin(), m_findings.end(), [&](const FabricFinding &f) { return f.lastSeen < cutoff; });
    if (quiet != m_findings.end()) {
        m_findings.erase(quiet, m_findings.end());
        m_findingIndex.clear();
        for (std::size_t i = 0; i < m_findings.size(); ++i)
            m_findingIndex.emplace(std::make_pair(m_findings[i].element, m_findings[i].kind), i);
    }
    // A PFC storm has one origin (the port pausing hardest); ports pausing far less are its victims.
    double worst = 0;
    for (const FabricFinding &f : m_findings)
        if (f.kind == FindingKind::PfcStorm || f.kind == FindingKind::PfcVictim)
            worst = std::max(worst, m_pfcRate[f.element]);
    for (FabricFinding &f : m_findings)
        if (f.kind == FindingKind::PfcStorm || f.kind == FindingKind::PfcVictim) {
            const bool victim = m_pfcRate[f.element] < 0.1 * worst;
            f.rootCandidate = !victim;
            if (victim && f.summary.find("victim") == std::string::npos)
                f.summary += " (victim of a storm elsewhere)";
        }
}

std::vector<FabricSuspect> FabricMonitor::suspects(Timestamp since) const
{
    std::map<std::string, FabricSuspect> byElement;
    for (const FabricFinding &f : m_findings) {
        if (!f.rootCandidate || f.firstSeen < since || kindWeight(f.kind) <= 0)
            continue;
        // A port with errors whose optic has its own finding is the optic's symptom: one suspect, the optic.
        std::string element = f.element;
        if (f.kind == FindingKind::LinkErrors || f.kind == FindingKind::LinkDown) {
            for (const FabricFinding &g : m_findings)
                if ((g.kind == FindingKind::TransceiverPredicted || g.kind == FindingKind::TransceiverAlarm)
                    && g.element.size() > element.size() && g.element.compare(0, element.size(), element) == 0) {
                    element = g.element;
                    break;
                }
        }
        FabricSuspect &s = byElement[element];
        s.element = element;
        const double score = kindWeight(f.kind) * (0.5 + 0.5 * f.severity);
        s.score = std::max(s.score, score) + 0.1 * std::min(s.score, score);
        s.findings.push_back(&f);
    }
    std::vector<FabricSuspect> out;
    for (auto &[e, s] : byElement)
        out.push_back(std::move(s));
    std::stable_sort(out.begin(), out.end(), [](const FabricSuspect &a, const FabricSuspect &b) { return a.score > b.score; });
    return out;
}

std::vector<FabricProposal> FabricMonitor::proposals(Timestamp since) const
{
    const Fabric &fabric = *m_fabric;
    auto jobsOf = [&](const std::set<int> &servers) {
        std::vector<std::string> jobs;
        for (const FabricJob &j : fabric.jobs)
            for (int s : j.servers)
                if (servers.count(s)) {
                    jobs.push_back(j.name);
                    break;
                }
        return jobs;
    };
    auto names = [&](const std::set<int> &servers) {
        std::vector<std::string> out;
        for (int s : servers)
            out.push_back(fabric.servers[std::size_t(s)].name);
        return out;
    };
    // Hosts whose traffic crosses a port: the host behind an HCA-facing port, or every host under the leaf for an
    // uplink (its traffic moves to the other equal-cost uplinks).
    auto hostsBehind = [&](int port) {
        std::set<int> servers;
        const FabricPort &p = fabric.ports[std::size_t(port)];
        const int peer = p.peer;
        auto underLeaf = [&](int leaf) {
            for (int q : fabric.nodes[std::size_t(leaf)].ports) {
                const int far = fabric.ports[std::size_t(q)].peer;
                if (far >= 0) {
                    const FabricNode &n = fabric.nodes[std::size_t(fabric.ports[std::size_t(far)].node)];
                    if (n.kind == FabricNodeKind::Hca && n.server >= 0)
                        servers.insert(n.server);
                }
            }
        };
        const FabricNode &self = fabric.nodes[std::size_t(p.node)];
        if (self.kind == FabricNodeKind::Hca && self.server >= 0)
            servers.insert(self.server);
        else if (peer >= 0) {
            const FabricNode &far = fabric.nodes[std::size_t(fabric.ports[std::size_t(peer)].node)];
            if (far.kind == FabricNodeKind::Hca && far.server >= 0)
                servers.insert(far.server);
            else if (self.role == SwitchRole::Leaf)
                underLeaf(p.node);
            else if (far.role == SwitchRole::Leaf)
                underLeaf(fabric.ports[std::size_t(peer)].node);
        }
        return servers;
    };
    std::vector<FabricProposal> out;
    const auto ranked = suspects(since);
    for (std::size_t i = 0; i < ranked.size() && i < 3; ++i) {
        const FabricSuspect &s = ranked[i];
        const Fabric::Lookup l = fabric.lookup(s.element);
        const FabricFinding &top = *s.findings.front();
        if (l.kind == Fabric::Lookup::Kind::Gpu) {
            const int server = fabric.gpus[std::size_t(l.index)].server;
            if (server < 0)
                continue;
            std::set<int> servers{server};
            if (top.kind == FindingKind::GpuXid || top.kind == FindingKind::GpuEcc || top.kind == FindingKind::GpuNvlink) {
                out.push_back(FabricProposal{"drain_node", fabric.servers[std::size_t(server)].name, top.summary, names(servers), jobsOf(servers)});
                for (const std::string &job : jobsOf(servers)) {
                    const int j = fabric.findJob(job);
                    std::set<int> members(fabric.jobs[std::size_t(j)].servers.begin(), fabric.jobs[std::size_t(j)].servers.end());
                    out.push_back(FabricProposal{"migrate_job", job, "restart from checkpoint without " + fabric.servers[std::size_t(server)].name,
                                                 names(members), {job}});
                }
            }
        } else if (l.kind == Fabric::Lookup::Kind::Port || l.kind == Fabric::Lookup::Kind::Transceiver) {
            const std::string port = fabric.ports[std::size_t(l.index)].id;
            const std::set<int> servers = hostsBehind(l.index);
            out.push_back(FabricProposal{"isolate_port", port, top.summary, names(servers), jobsOf(servers)});
        }
    }
    return out;
}

FabricHealthSnapshot FabricMonitor::snapshot() const
{
    FabricHealthSnapshot s;
    s.gpuUtil = m_gpuUtil;
    s.gpuTemp = m_gpuTemp;
    s.gpuXid = m_gpuXid;
    s.portUtil = m_portUtil;
    s.portErrors = m_portErrors;
    s.xcvrScore = m_xcvrScore;
    s.portState.assign(m_fabric->ports.size(), 0);
    for (const FabricFinding &f : m_findings) {
        s.at = std::max(s.at, f.lastSeen);
        const Fabric::Lookup l = m_fabric->lookup(f.element);
        if (l.kind == Fabric::Lookup::Kind::Port || l.kind == Fabric::Lookup::Kind::Transceiver) {
            std::uint8_t &state = s.portState[std::size_t(l.index)];
            state = std::max<std::uint8_t>(state, f.severity >= 0.6 ? 2 : 1);
        }
    }
    s.findings = m_findings;
    for (const FabricSuspect &suspect : suspects())
        s.suspects.push_back(suspect.element);
    s.proposals = proposals();
    return s;
}

std::vector<std::pair<std::string, double>> localiseSlowPairs(const Fabric &fabric, const std::vector<PairResult> &pairs)
{
    std::map<std::string, double> slowCover, healthyCover;
    int slow = 0, healthy = 0;
    for (const PairResult &pair : pairs) {
        auto paths = fabric.pathsBetween(pair.a, pair.b);
        if (!paths || paths->empty())
            continue;
        auto &cover = pair.slow ? slowCover : healthyCover;
        (pair.slow ? slow : healthy) += 1;
        const double perPath = 1.0 / double(paths->size());
        std::map<std::string, double> mine;
        for (const FabricPath &p : *paths)
            for (const PathStage &stage : p.stages)
                for (const std::string &e : stage.elements)
                    mine[e] += perPath / double(stage.elements.size());
        for (auto &[e, w] : mine)
            cover[e] += std::min(1.0, w);
    }
    std::vector<std::pair<std::string, double>> out;
    for (auto &[e, c] : slowCover) {
        const double score = c / std::max(1, slow) - (healthyCover.count(e) ? healthyCover[e] / std::max(1, healthy) : 0.0);
        if (score > 0)
            out.emplace_back(e, score);
    }
    std::stable_sort(out.begin(), out.end(), [](const auto &a, const auto &b) { return a.second > b.second; });
    return out;
}

} // namespace Nocturne::Engine
