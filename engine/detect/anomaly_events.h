#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "detect/series_detector.h"

namespace Nocturne::Engine {

enum class EventSeverity : std::uint8_t { Low, Medium, High, Critical };
const char *eventSeverityName(EventSeverity severity);

struct InvolvedMetric {
    std::string metric;
    double maxScore = 0;
    Timestamp firstAnomalous = 0;
    AnomalyReason reason = AnomalyReason::None;
};

// What alerts and root-cause analysis consume: one entity misbehaving over a time span, with the metrics involved.
struct AnomalyEvent {
    std::uint64_t id = 0;
    std::string entity;
    Timestamp onset = 0;
    Timestamp end = 0;       // last anomalous point; the event is closed once `open` is false
    bool open = true;
    bool confirmed = false;  // open for at least EventConfig::forDuration (Prometheus-style `for` gating)
    double score = 0;        // max of per-metric and joint scores
    double jointScore = 0;   // multi-metric (Mahalanobis) score at its peak
    double fusedScore = 0;   // fused window-difference curve score at its peak
    EventSeverity severity = EventSeverity::Low;
    std::vector<InvolvedMetric> metrics;
};

struct EventConfig {
    double pointScore = 0.5;       // a sample counts as an anomalous point from this (undebounced) score
    double openScore = 0.9;        // two points of one metric, one this strong, open an event (a lone sample never does)
    int minPoints = 3;             // otherwise: this many points within `eps` (DBSCAN core condition); a lone
                                   // spike is noise, an anomaly persists or spreads across metrics
    Duration eps = 2 * kMinute;    // points closer than this belong to the same event
    double jointPointScore = 0.5;  // joint score that counts as a point of its own
    double shrinkage = 0.2;        // covariance shrinkage towards its diagonal
    double covarianceAlpha = 0.01; // EW covariance of standardised residuals
    int jointWarmup = 60;          // rows before the joint score is trusted
    Duration forDuration = 0;      // an event is confirmed once it has lasted this long (0: at once)
    int fusionWindow = 6;          // rows per half-window of the window-difference features
    double fusedPointScore = 0.75; // fused-curve score that counts as a point
    // Persistence (Prometheus' `for`, per metric): a metric's anomalous samples become points only once they run for
    // minRunSamples consecutive samples, or minRunSamples - 1 spanning minRunSpan (slow scrapes); the points then date
    // from the run's first sample. A one- or two-sample blip of a noisy metric is noise, a fault persists.
    int minRunSamples = 3;
    Duration minRunSpan = 30 * kSecond;
    int minJointRun = 2;           // consecutive rows with a joint (or fused) point before they count
    // Recovery: after an episode, a metric moving back (the opposite direction) into the band it had before the
    // episode is returning to normal, not a new anomaly. Remembered until the metric has been normal for
    // recoveryQuietSamples samples or for recoveryMemory.
    int recoveryQuietSamples = 30;
    Duration recoveryMemory = 24 * kHour;
    double recoveryBandSlack = 0.5; // the pre-episode band widened by this share of its width on each side
    // Estate-wide shifts: when metrics start moving the same way on at least estateShiftShare of all entities (and
    // estateShiftMinEntities of them) within estateShiftWindow, it is a load change (time of week, a campaign), not a
    // fault of each: one event on the pseudo-entity kEstateEntity instead of one per entity.
    double estateShiftShare = 0.25;
    int estateShiftMinEntities = 8;
    Duration estateShiftWindow = 5 * kMinute;
};

inline constexpr const char *kEstateEntity = "(estate)";

// Turns per-series detections into anomaly events per entity.
//  * Joint scoring: per entity, the standardised residuals of its metrics at one timestamp form a row; the squared
//    Mahalanobis distance of the row under a shrinkage EW covariance (Eigen LDLT) gives a joint score, so several
//    metrics that are each only a little off raise the alarm together.
//  * Fusion (the product brief's pipeline): per entity and sampling-interval group, each metric's standardised residual
//    becomes a window-difference feature (mean of the last w rows minus the w before), the features are fused into one
//    curve (root mean square), and a streaming detector scores the fused curve.
//  * Clustering: anomalous points (per-metric or joint) are clustered along time per entity, DBSCAN-style in one
//    dimension: a point joins the open event when it lies within eps of its last point; a new event needs a strong
//    point or minPoints points within eps. The event closes eps after its last point.
//  * Persistence and recovery: a metric's anomalous samples count once they persist (EventConfig::minRunSamples), and
//    a metric returning into the band it had before its episode raises nothing (EventConfig::recovery*).
class AnomalyEventBuilder
{
public:
    explicit AnomalyEventBuilder(EventConfig config = {});
    ~AnomalyEventBuilder();

    // Feeds one scored sample. `intervalClass` groups an entity's series by sampling interval (rows, the joint score
    // and the fused curve are per group; events are per entity).
    void add(const std::string &entity, const std::string &metric, Timestamp ts, const Detection &detection, int intervalClass = 0);
    // Evidence from outside the series detectors (log anomalies, probes): a point on the entity's event stream.
    void addEvidence(const std::string &entity, const std::string &what, Timestamp ts, double score, AnomalyReason reason);
    // Closes events whose last point is older than now - eps.
    void advance(Timestamp now);

    // Events that changed (opened, grew, closed) since the last call.
    std::vector<AnomalyEvent> takeChanged();
    std::vector<AnomalyEvent> openEvents() const;
    std::uint64_t eventCount() const { return m_nextId - 1; }

private:
    struct EntityState;
    EntityState &entity(const std::string &name, int intervalClass);
    void addPoint(EntityState &state, const std::string &metric, Timestamp ts, double score, AnomalyReason reason, bool joint);
    void addJointPoint(EntityState &state, int channel, Timestamp ts, double score, AnomalyReason reason);
    void finishRow(EntityState &state);
    void fuse(EntityState &state);

    EventConfig m_config;
    std::unordered_map<std::string, std::unique_ptr<EntityState>> m_entities;
    std::unordered_map<std::string, std::string> m_primaryKey; // entity → key of its first state (for evidence)
    bool estateWide(int direction, Timestamp ts);
    struct RunStart {
        Timestamp ts;
        const EntityState *entity;
    };
    std::unordered_map<std::string, std::vector<RunStart>> m_runStarts; // direction → recent run starts
    std::map<std::uint64_t, AnomalyEvent> m_changed;
    std::uint64_t m_nextId = 1;
};

} // namespace Nocturne::Engine
