#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "fabric/fabric.h"
#include "fabric/fabric_telemetry.h"

namespace Nocturne::Engine {

// NVIDIA XID catalogue (Ampere and later): what an XID means and what to do. 48, 64, 74, 79 and 95 drain the node.
enum class XidAction : std::uint8_t { None, RestartApp, ResetGpu, DrainNode, Investigate };
struct XidInfo {
    int code = 0;
    const char *meaning = "";
    XidAction action = XidAction::None;
};
XidInfo classifyXid(int code);
const char *xidActionName(XidAction action);

// Sub-health of one optic, 0 (failing) … 100 (healthy), with the reasons that cost points.
struct TransceiverAssessment {
    double score = 100;
    double worstRxMarginDb = kNoValue; // worst lane RX power above its low alarm
    std::vector<std::string> reasons;
};
// Scores a DOM reading against its thresholds; `farEnd` (the module at the other end of the cable) lets the link
// loss be checked: far TX − local RX per lane. `secondsToFailure` < 0: no forecast.
TransceiverAssessment assessTransceiver(const TransceiverDom &dom, const TransceiverDom *farEnd, double ageDays = -1,
                                        double secondsToFailure = -1);

enum class FindingKind : std::uint8_t {
    GpuXid, GpuEcc, GpuThermal, GpuNvlink, GpuIdle,
    LinkErrors, LinkDown, Congestion, PfcStorm, PfcVictim,
    TransceiverAlarm, TransceiverPredicted, JobSlow,
};
const char *findingKindName(FindingKind kind);

struct FabricFinding {
    std::string element; // the exact element: GPU, port, optic or job id
    FindingKind kind = FindingKind::LinkErrors;
    double severity = 0; // 0 … 1
    Timestamp firstSeen = 0, lastSeen = 0;
    std::string summary;
    std::vector<std::string> evidence;
    double secondsToFailure = -1; // optics: forecast time until RX power crosses its low alarm
    bool rootCandidate = true;    // false for victims and symptoms (idle GPUs, slow jobs, PFC victims)
};

struct FabricSuspect {
    std::string element;
    double score = 0;
    std::vector<const FabricFinding *> findings; // valid until the monitor's next observe/evaluate
};

struct FabricProposal {
    std::string action; // "isolate_port", "drain_node", "migrate_job"
    std::string target;
    std::string reason;
    std::vector<std::string> hosts; // blast radius: hosts whose traffic or work is affected
    std::vector<std::string> jobs;
};

// What the map view paints, by fabric index; NaN: no data.
struct FabricHealthSnapshot {
    Timestamp at = 0;
    std::vector<float> gpuUtil, gpuTemp;
    std::vector<int> gpuXid;
    std::vector<float> portUtil, portErrors; // errors: symbol + receive errors per second
    std::vector<std::uint8_t> portState;     // 0 ok, 1 warn, 2 bad
    std::vector<float> xcvrScore;            // by port index; NaN: no optic data
    std::vector<FabricFinding> findings;
    std::vector<FabricProposal> proposals;
    std::vector<std::string> suspects;
};

// Streaming fabric health: samples in (GPU, port, optic and job metrics by element id, named like dcgm-exporter and
// the scenario's fabric metrics), findings, suspects and proposals out. Not thread-safe; the engine guards it.
class FabricMonitor
{
public:
    struct Options {
        double baselineAlpha = 0.02;          // EWMA weight per sample
        int warmupSamples = 24;
        int confirmSamples = 2;               // consecutive anomalous samples before a finding (XIDs: 1)
        Duration findingHold = 60 * kSecond;  // a finding stays open this long after its last anomalous sample
        Duration trendBucket = 10 * kSecond;  // optic trends: bucket means …
        int trendBuckets = 24;                // … over this many buckets (4 min)
        double minTrendDbPerHour = 1.0;       // a real decay, not drift: below this no forecast
        double minTrendT = 6.0;               // slope / standard error
        double forecastHorizonSeconds = 30 * 86400.0;
    };
    explicit FabricMonitor(std::shared_ptr<const Fabric> fabric);
    FabricMonitor(std::shared_ptr<const Fabric> fabric, Options options);
    ~FabricMonitor();

    const Fabric &fabric() const { return *m_fabric; }

    // Resolves (element, metric) once; -1 when it is not fabric telemetry this monitor understands.
    int resolve(std::string_view element, std::string_view metric);
    void observe(int handle, Timestamp ts, double value);
    bool observe(std::string_view element, std::string_view metric, Timestamp ts, double value);
    // Closes findings that have gone quiet; call once per step (or second).
    void evaluate(Timestamp now);

    const std::vector<FabricFinding> &findings() const { return m_findings; }
    // Root candidates ranked, from findings first seen at or after `since`; an optic and its port are one suspect
    // (the optic, the more exact element).
    std::vector<FabricSuspect> suspects(Timestamp since = 0) const;
    std::vector<FabricProposal> proposals(Timestamp since = 0) const;
    FabricHealthSnapshot snapshot() const;

private:
    struct Slot;
    struct TrendState;
    void raise(FindingKind kind, const std::string &element, double severity, Timestamp ts, std::string summary,
               std::vector<std::string> evidence = {}, bool rootCandidate = true, double secondsToFailure = -1);
    void observeOptic(Slot &slot, Timestamp ts, double value);
    std::shared_ptr<const Fabric> m_fabric;
    Options m_options;
    std::vector<Slot> m_slots;
    std::map<std::pair<std::string, std::string>, int> m_handles;
    std::vector<FabricFinding> m_findings;
    std::map<std::pair<std::string, FindingKind>, std::size_t> m_findingIndex;
    std::vector<float> m_gpuUtil, m_gpuTemp, m_portUtil, m_portErrors, m_xcvrScore;
    std::vector<int> m_gpuXid;
    std::map<std::string, double> m_pfcRate; // per port, latest pause frames/s (for origin vs victims)
};

// Boolean tomography over probe or job-pair results: elements every slow pair crosses and healthy pairs avoid rank
// first (ECMP stages count 1/width). Returns elements with their score (slow coverage − healthy coverage), best first.
struct PairResult {
    std::string a, b; // hosts or GPUs
    bool slow = false;
};
std::vector<std::pair<std::string, double>> localiseSlowPairs(const Fabric &fabric, const std::vector<PairResult> &pairs);

} // namespace Nocturne::Engine
