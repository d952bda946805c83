#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <utility>
#include <string>
#include <vector>

#include "alerts/alert_book.h"
#include "detect/anomaly_events.h"
#include "logs/log_analyzer.h"
#include "model/health_evaluator.h"
#include "model/records.h"
#include "model/series_store.h"

namespace Nocturne::Engine {

enum class FeedState { Connecting, Healthy, Degraded, Down, Finished };
const char *feedStateName(FeedState state);

struct FeedStatus {
    std::string name;  // "scenario:shop", later "kafka:otlp_metrics", "prometheus:…"
    FeedState state = FeedState::Connecting;
    double samplesPerSecond = 0; // wall-clock rate over the last second
    std::uint64_t samples = 0;
    std::uint64_t logs = 0;
    std::uint64_t spans = 0;
    std::uint64_t events = 0;
    std::uint64_t rejected = 0;
    std::vector<std::pair<std::string, std::uint64_t>> rejectsByReason; // reason → count, in first-seen order
    std::string lastError;
    std::string lastRejected;   // "reason: detail [at position]: excerpt" of the newest refused item
    Timestamp lastRejectedWall = 0;
    Timestamp lastDataWall = 0; // wall-clock time of the last accepted batch
    std::int64_t lag = -1;      // Kafka consumer lag in messages over all assigned partitions; -1: not applicable
    std::uint64_t queueDepth = 0, queueCapacity = 0; // bytes waiting between the feed's reader and the engine
    std::string endpoint;       // where the feed reads from (brokers/topics, URL, file), for the Feeds dock
};

// A refused item, kept in a bounded ring so an operator can see exactly what was refused and why.
struct DeadLetter {
    Timestamp wall = 0;
    std::string feed;
    std::string reason;
    std::string detail;
    std::string position; // e.g. "otlp_metrics[2]@1234" (topic[partition]@offset), "line 17"
    std::string excerpt;
};

// What views need, published by the engine at ≤ 10 Hz as an immutable value. Views hold a shared_ptr to one and
// never touch engine state directly.
struct EngineSnapshot {
    std::uint64_t version = 0;
    Timestamp publishedWall = 0;
    Timestamp simTime = 0;       // the engine's notion of "now" (simulated during replay)
    double speed = 1.0;          // replay speed; 0 = as fast as possible
    std::string scenario;
    std::vector<FeedStatus> feeds;
    SeriesStoreStats store;
    std::uint64_t logCount = 0;
    std::uint64_t spanCount = 0;
    std::uint64_t eventCount = 0;
    std::vector<EntityHealth> health;
    std::vector<EventRecord> recentEvents; // newest last
    std::vector<LogRecord> recentProblems; // WARN and above, newest last
    std::vector<AnomalyEvent> openAnomalies;   // by onset
    std::vector<AnomalyEvent> recentAnomalies; // closed, newest last
    std::uint64_t anomalyCount = 0;
    std::vector<LogAnomaly> recentLogAnomalies; // newest last
    double publishMillis = 0;              // time taken to build this snapshot
    double detectorMicrosPerSample = 0;    // mean streaming-detector cost per sample since start
    // Alerts and incidents: the active alerts (newest 5,000) and recently resolved ones (newest 500), the open
    // incidents and the 50 most recently closed; alertsVersion changes whenever any of them changed.
    std::shared_ptr<const std::vector<Alert>> alerts;
    std::shared_ptr<const std::vector<Incident>> incidents;
    std::uint64_t alertsVersion = 0;
    std::uint64_t alertTotal = 0;
    std::array<std::uint64_t, 5> alertsByState{}; // indexed by AlertState
};

using SnapshotPtr = std::shared_ptr<const EngineSnapshot>;

} // namespace Nocturne::Engine
