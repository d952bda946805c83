#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "alerts/alert_book.h"
#include "alerts/topology_distance.h"
#include "core/clock.h"
#include "core/result.h"
#include "decode/feed_decoding.h"
#include "forecast/holt_winters.h"
#include "logs/log_analyzer.h"
#include "model/bounded_buffer.h"
#include "model/health_evaluator.h"
#include "model/series_store.h"
#include "diagnose/root_cause.h"
#include "diagnose/trace_analytics.h"
#include "diagnose/diagnosis.h"
#include "model/topology.h"
#include "profile/profile_store.h"
#include "runtime/detection_service.h"
#include "runtime/engine_snapshot.h"
#include "scenario/scenario.h"
#include "fabric/fabric_health.h"

namespace Nocturne::Engine {

class EventStore;
class ScenarioReplayer;

// The engine runtime: owns the stores, the feeds (for now the scenario replayer) and the snapshot publisher thread.
// Thread model: feeds write through ingest*(); the publisher builds an EngineSnapshot every `publishInterval` and swaps
// it in atomically; views read snapshot() without locks and query the stores from worker threads.
class Engine
{
public:
    struct Options {
        SeriesStore::Options store;
        ProfileStore::Options profiles{std::size_t(64) << 20, 720};
        std::size_t logCapacity = 200'000;
        std::size_t spanCapacity = 100'000;
        Duration publishInterval = 100 * kMillisecond; // ≤ 10 Hz
        Duration healthInterval = kSecond;
        std::string eventDatabase; // empty: no persistent event store
        bool detection = true;     // run the streaming detectors and build anomaly events
        DetectionService::Options detector;
        Duration alertRetention = 365 * kDay; // resolved alerts keep their history this long
        Duration alertSaveInterval = 30 * kSecond;
    };

    Engine();
    explicit Engine(Options options);
    ~Engine();
    Engine(const Engine &) = delete;
    Engine &operator=(const Engine &) = delete;

    // Attaches a scenario (the engine keeps its own copy) and prepares its series; call before start().
    Status loadScenario(Scenario scenario);
    const Scenario *scenario() const { return m_scenario.get(); }
    // The simulated estate's reaction to a remediation: faults rooted at `entity` end now (undo: a rollback lets them
    // resume). False when no scenario is replaying.
    bool mitigateScenarioFault(const std::string &entity, bool undo);

    // The GPU fabric (from a gpu-cluster scenario's estate, or imported with loadFabric) and its live health: every
    // stored sample that names a fabric element (entity label, or dcgm-exporter's gpu + Hostname) feeds the
    // FabricMonitor; the health snapshot is rebuilt at most once a second. Null when there is no fabric.
    void loadFabric(Fabric fabric);
    std::shared_ptr<const Fabric> fabric() const;
    std::shared_ptr<const FabricHealthSnapshot> fabricHealth() const;
    // Fabric telemetry decoded elsewhere (port counters turned into rates by FabricCounterRates, DOM readings by
    // domObservations) joins the store as series {entity="<element>"} and so reaches the monitor.
    void ingestFabricObservations(std::span<const FabricObservation> observations, Timestamp ts, const std::string &feed);

    struct ReplayOptions {
        double speed = 1.0;        // simulated seconds per wall second; 0 = as fast as possible
        Duration history = 0;      // generated as fast as possible before live pacing begins
        Duration duration = 0;     // 0 = until stop(); otherwise stops at start + duration
        bool injectFaults = true;
    };
    Status startReplay(ReplayOptions options);
    void stop();
    // Persists what must survive a restart (log template ids, the alert book); also done by the destructor.
    Status saveState();
    // Writes the alert book if it changed since the last save (the publisher does this every alertSaveInterval).
    Status persistAlerts();
    // Blocks until the replay reaches its end (duration > 0) or stop() is called.
    void waitForReplay();
    bool replayFinished() const;

    // Feed entry points (thread-safe).
    void ingestSamples(std::span<const SampleRef> samples, const std::string &feed);
    void ingestLogs(std::span<const LogRecord> logs, const std::string &feed);
    void ingestSpans(std::span<const SpanRecord> spans, const std::string &feed);
    void ingestEvents(std::span<const EventRecord> events, const std::string &feed);
    void setFeedState(const std::string &feed, FeedState state, std::string lastError = {});
    // Items a feed refused: counted per reason and kept (bounded) in the dead-letter ring. `position` says where in
    // the feed they were (topic[partition]@offset, URL, file:line).
    void recordRejects(const std::string &feed, std::span<const Reject> rejects, const std::string &position);
    // Gauges a feed reports about itself; lag < 0: not applicable.
    void setFeedGauges(const std::string &feed, std::int64_t lag, std::uint64_t queueDepth, std::uint64_t queueCapacity);
    void setFeedEndpoint(const std::string &feed, std::string endpoint);
    // Drops a feed from the feed list (it was reconfigured away); its data stays.
    void removeFeed(const std::string &feed);
    // The newest dead letters (all feeds when `feed` is empty), oldest first.
    std::vector<DeadLetter> deadLetters(const std::string &feed = {}, std::size_t n = 1000) const;
    // Alerts from sources other than the detectors (Alertmanager, Prometheus rules, Kafka events).
    void ingestAlerts(std::span<const AlertInput> alerts);
    // Operator actions on alerts; `who` is the person (every change is attributable).
    Status acknowledgeAlert(std::int64_t id, const std::string &who, const std::string &comment);
    Status resolveAlert(std::int64_t id, const std::string &who, const std::string &comment);
    Status noteAlert(std::int64_t id, const std::string &who, const std::string &comment);
    // Operator actions on whole incidents (see AlertBook::acknowledgeIncident & co.); persisted with the book.
    Status acknowledgeIncident(std::int64_t incidentId, const std::string &who, const std::string &comment);
    Status assignIncident(std::int64_t incidentId, const std::string &owner, const std::string &who);
    Status resolveIncident(std::int64_t incidentId, const std::string &who, const std::string &comment);
    Result<std::int64_t> addSilence(const std::string &matchers, Duration length, const std::string &who, const std::string &comment,
                                    const std::string &ticket = {});
    Result<std::vector<std::int64_t>> previewSilence(const std::string &matchers) const;
    // Operator corrections to grouping (stored and learnt by the alert book).
    Status mergeIncidents(std::int64_t into, std::int64_t from, const std::string &who);
    Result<std::int64_t> splitAlerts(std::int64_t incident, const std::vector<std::int64_t> &alerts, const std::string &who);
    Status moveAlert(std::int64_t alert, std::int64_t toIncident, const std::string &who);
    // A consistent copy of one alert / incident (thread-safe), e.g. for a details view.
    std::optional<Alert> alert(std::int64_t id) const;
    std::optional<Incident> incident(std::int64_t id) const;
    // Log anomalies (new templates, bursts, drops, error-ratio changes) written by the incident's entities from five
    // minutes before it started until it ended (or now), strongest first: the lines that turn a suspicion into a
    // diagnosis. Each names the source and template the log panel can open.
    std::vector<LogAnomaly> incidentLogEvidence(std::int64_t incidentId, std::size_t limit = 20) const;
    // Ranked root-cause candidates for an incident: its entities and their direct neighbours on the estate topology,
    // each scored from its metrics (the 30 minutes before the incident as reference, the incident window as
    // evidence), walked down the call graph from the incident's most upstream entity, with the log evidence of
    // each entity attached. Runs on the caller's thread (call it off the GUI thread).
    Result<std::vector<RcaCandidate>> diagnoseIncident(std::int64_t incidentId) const;
    // A closed incident's diagnosis is frozen when it closes (kept with the incident, persisted); an operator can
    // re-rank it explicitly, which replaces the frozen ranking and records who did.
    Result<std::vector<RcaCandidate>> rerankIncident(std::int64_t incidentId, const std::string &who);
    std::optional<Timestamp> diagnosisFrozenAt(std::int64_t incidentId) const;
    std::string diagnosisFrozenBy(std::int64_t incidentId) const;
    // An operator confirms the incident's cause (fault or error class): recorded on the incident, and its log
    // evidence templates are learnt as associated with that class (persisted), which then ranks them higher in
    // later incidents and names the class beside them.
    Status confirmIncidentCause(std::int64_t incidentId, const std::string &cause, const std::string &who, const std::string &note);
    // An operator's verdict on one candidate of an incident's diagnosis: stored (SQLite), re-weights later rankings
    // (RcaFeedback), and written as an attributed note on the incident. A confirmation also confirms the cause.
    Status recordCauseVerdict(std::int64_t incidentId, const std::string &entity, const std::string &faultClass, bool confirmed,
                              const std::string &who, const std::string &note);
    // War-room notes (attributed, timestamped; persisted), oldest first.
    Status addIncidentNote(std::int64_t incidentId, const std::string &who, const std::string &text);
    std::vector<IncidentNote> incidentNotes(std::int64_t incidentId) const;
    double causeFeedbackWeight(const std::string &entity, const std::string &faultClass) const;
    // The estate's graph (scenario, YAML, traces merged) with the latest call statistics (thread-safe copy).
    struct TopologySnapshot
    {
        std::vector<TopologyNode> nodes;
        std::vector<TopologyEdge> edges;
        std::uint64_t version = 0;
    };
    TopologySnapshot topology() const;
    // Merges a YAML topology description (see Topology::mergeYaml); errors name the line and column.
    Status mergeTopologyYaml(const std::string &text, const std::string &sourceName);
    // The class a template was most associated with in confirmed incidents, and the lift (×; 0 when none).
    std::pair<std::string, double> templateAssociation(std::uint32_t templateId) const;
    // Engine self-monitoring in the Prometheus text format (served on /metrics by MetricsServer).
    std::string metricsExposition() const;
    // Time moved on to `now` (simulated during replay): close quiet anomaly events, persist closed ones.
    void advanceTo(Timestamp now);

    SnapshotPtr snapshot() const { return m_snapshot.load(std::memory_order_acquire); }
    // Builds and publishes a snapshot now (the publisher thread does this periodically).
    SnapshotPtr publishNow();

    // Capacity forecast of one series over its stored history (thread-safe; call off the GUI thread).
    Result<Forecast> forecast(SeriesId id, const ForecastRequest &request) const;

    const SeriesStore &store() const { return m_store; }
    SeriesStore &store() { return m_store; }
    // Profiles by service (live pprof feeds, the scenario); thread-safe.
    ProfileStore &profiles() { return m_profiles; }
    const ProfileStore &profiles() const { return m_profiles; }
    const BoundedBuffer<LogRecord> &logs() const { return m_logs; }
    const BoundedBuffer<SpanRecord> &spans() const { return m_spans; }
    EventStore *events() const { return m_eventStore.get(); }
    DetectionService *detection() const { return m_detection.get(); }
    struct LogQuery {
        std::string source;          // exact; empty: any
        std::uint32_t templateId = UINT32_MAX; // with source; UINT32_MAX: any
        LogLevel minLevel = LogLevel::Trace;
        std::string contains;        // case-sensitive substring of the message; empty: any
        std::size_t limit = 100'000; // newest first are kept, returned oldest first
    };
    struct LogRow {
        LogRecord record;
        std::vector<std::pair<std::uint32_t, std::uint32_t>> variables; // byte ranges of masked variables in message
    };
    // Recent log lines matching the query (thread-safe; call off the GUI thread).
    std::vector<LogRow> queryLogs(const LogQuery &query) const;
    // Log templates seen so far, most frequent first (thread-safe copy).
    std::vector<TemplateStats> templateStats(std::size_t limit = 1000) const;
    std::vector<LogAnomaly> recentLogAnomalies(std::size_t n = 50) const { return m_logAnomalies.latest(n); }
    // Every anomaly event that closed so far (bounded), oldest first.
    std::vector<AnomalyEvent> closedAnomalies() const { return m_closedAnomalies.latest(m_closedAnomalies.capacity()); }
    const Clock &clock() const { return m_clock; }
    ManualClock &simulationClock() { return m_clock; }

private:
    void refreshAlertTopology();
    struct FeedCounters {
        FeedStatus status;
        std::uint64_t samplesAtLastRate = 0;
        Timestamp lastRateWall = 0;
    };
    FeedCounters &feed(const std::string &name); // caller holds m_feedsMutex
    // Store and run the detectors; returns how many samples the store took (no feed accounting).
    std::size_t storeAndDetect(std::span<const SampleRef> samples);
    void feedFabric(std::span<const SampleRef> samples);
    void publisherLoop(std::stop_token stop);

    Options m_options;
    SeriesStore m_store;
    ProfileStore m_profiles;
    BoundedBuffer<LogRecord> m_logs;
    BoundedBuffer<SpanRecord> m_spans;
    BoundedBuffer<EventRecord> m_recentEvents{200};
    BoundedBuffer<LogRecord> m_recentProblems{200};
    std::unique_ptr<EventStore> m_eventStore;
    std::unique_ptr<DetectionService> m_detection;
    BoundedBuffer<AnomalyEvent> m_closedAnomalies{5000};
    mutable std::mutex m_logMutex;
    LogAnalyzer m_logAnalyzer;              // guarded by m_logMutex
    BoundedBuffer<LogAnomaly> m_logAnomalies{2000};
    TemplateIncidentAssociation m_templateAssociation; // guarded by m_logMutex
    mutable std::mutex m_traceMutex;
    TraceAggregator m_traceAggregator; // guarded by m_traceMutex
    std::map<std::pair<std::string, std::string>, std::pair<SeriesId, SeriesId>> m_traceSeries; // guarded by m_traceMutex
    mutable std::mutex m_graphMutex;
    Topology m_estateGraph;                 // guarded by m_graphMutex
    // The loaded fabric as graph elements, for alert grouping only (the topology view does not draw 50k ports).
    Topology m_fabricGraph;                 // guarded by m_graphMutex
    mutable std::mutex m_fabricMutex;
    std::shared_ptr<const Fabric> m_fabric;                  // guarded by m_fabricMutex
    std::unique_ptr<FabricMonitor> m_fabricMonitor;          // guarded by m_fabricMutex
    std::vector<int> m_fabricHandles;                        // by series id; -2: not resolved yet, -3: a counter
    std::unordered_map<std::uint32_t, std::pair<std::string, std::string>> m_fabricCounters; // series → (port, field)
    std::unordered_map<std::string, double> m_fabricLinkGbps;  // port → link rate from node_infiniband_rate_bytes_per_second
    FabricCounterRates m_fabricRates;                        // guarded by m_fabricMutex
    std::shared_ptr<const FabricHealthSnapshot> m_fabricHealth; // guarded by m_fabricMutex
    // Findings seen over the last hours, by (element, kind), so a diagnosis made after a finding closed still has it
    // (bounded; the oldest by last sighting leave first). Guarded by m_fabricMutex.
    std::map<std::pair<std::string, int>, FabricFinding> m_fabricFindingHistory;
    Timestamp m_fabricHealthAt = 0;
    std::vector<SpanRecord> m_graphSpans;   // spans since the last merge into the graph; guarded by m_graphMutex
    Timestamp m_graphMergedAt = 0;          // guarded by m_graphMutex
    mutable std::mutex m_rcaMutex;
    RcaFeedback m_rcaFeedback;              // guarded by m_rcaMutex
    std::map<std::int64_t, std::vector<IncidentNote>> m_incidentNotes; // guarded by m_rcaMutex
    struct FrozenRanking {
        Timestamp at = 0;
        std::string by;
        std::vector<RcaCandidate> candidates;
    };
    mutable std::map<std::int64_t, FrozenRanking> m_frozenDiagnoses; // guarded by m_rcaMutex
    Result<std::vector<RcaCandidate>> computeDiagnosis(const Incident &incident) const;
    void freezeClosedIncidents();
    std::uint64_t m_closuresSeen = 0; // AlertBook::closures() at the last freeze; guarded by m_alertMutex
    void freezeDiagnosis(std::int64_t incidentId, FrozenRanking frozen) const;
    std::unique_ptr<Scenario> m_scenario;
    std::unique_ptr<HealthEvaluator> m_health;
    std::unique_ptr<ScenarioReplayer> m_replayer;
    ManualClock m_clock;
    SystemClock m_wallClock;
    std::atomic<double> m_speed{1.0};

    BoundedBuffer<DeadLetter> m_deadLetters{1000};
    mutable std::mutex m_alertMutex;
    AlertBook m_alertBook;                           // guarded by m_alertMutex
    std::shared_ptr<TopologyDistance> m_topology;    // from m_estateGraph; replaced and read under m_alertMutex
    std::atomic<std::uint64_t> m_topologyVersion{~0ULL}; // the graph version m_topology was built from (none yet)
    std::uint64_t m_alertsVersion = 0;               // guarded by m_alertMutex; bumps on every change
    std::uint64_t m_savedAlertsVersion = 0;          // guarded by m_alertMutex
    Timestamp m_lastAlertSaveWall = 0;               // publisher thread only
    std::atomic<std::uint64_t> m_detectorNanos{0}, m_detectorSamples{0};
    std::atomic<std::uint64_t> m_publishCount{0};
    std::atomic<std::uint64_t> m_publishNanosTotal{0};
    std::atomic<double> m_lastPublishMillis{0};

    mutable std::mutex m_feedsMutex;
    std::vector<std::unique_ptr<FeedCounters>> m_feeds; // guarded by m_feedsMutex

    std::mutex m_publishMutex;                     // serialises snapshot building
    std::vector<EntityHealth> m_lastHealth;        // guarded by m_publishMutex
    Timestamp m_lastHealthWall = 0;                // guarded by m_publishMutex
    Timestamp m_lastHealthSim = 0;                 // guarded by m_publishMutex
    std::uint64_t m_version = 0;                   // guarded by m_publishMutex
    std::atomic<std::shared_ptr<const EngineSnapshot>> m_snapshot;
    std::jthread m_publisher;
};

} // namespace Nocturne::Engine
