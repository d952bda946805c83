#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "model/series_store.h"
#include "scenario/scenario.h"

namespace Nocturne::Engine {

enum class HealthState { Unknown, Ok, Warning, Critical };
const char *healthStateName(HealthState state);

// One tile on the estate overview: a top-level entity with its worst descendant rolled up.
struct EntityHealth {
    std::string entity;
    EntityKind kind = EntityKind::Service;
    HealthState state = HealthState::Unknown;
    std::string headline;             // "p99 182 ms · err 0.21 %"
    std::string reason;               // why the state is not Ok: "order p99 4.1× its 30-min median"
    std::vector<double> sparkline;    // recent values of the headline metric, oldest first
    int children = 0;                 // pods, GPUs, ports… rolled into this tile
    int unhealthyChildren = 0;
};

// Relative health check used until the detectors land: each key metric of an entity is compared with its own
// median over a trailing window (direction-aware), plus hard rules (a non-zero XID is critical). It answers "is
// this visibly worse than its recent normal", not "is this anomalous" — that is the detectors' job.
class HealthEvaluator
{
public:
    struct Options {
        Duration baselineWindow = 30 * kMinute;
        Duration recentWindow = 30 * kSecond;
        double warningRatio = 1.8;
        double criticalRatio = 3.0;
        std::size_t sparklinePoints = 60;
    };

    HealthEvaluator(const Estate &estate, const SeriesStore &store, Options options);
    explicit HealthEvaluator(const Estate &estate, const SeriesStore &store)
        : HealthEvaluator(estate, store, Options{})
    {
    }

    // Registers a series for its entity (the engine calls this for every series it interns).
    void addSeries(const std::string &entity, const std::string &metric, SeriesId id);
    std::vector<EntityHealth> evaluate(Timestamp now) const;
    // The overview tile an entity (or a call edge "a->b", by its caller) rolls up into; empty when none.
    std::string tileOf(const std::string &entity) const;

private:
    struct KeyMetric {
        std::string metric;
        SeriesId id;
    };
    struct MetricVerdict {
        HealthState state = HealthState::Ok;
        double ratio = 1.0;
        double value = 0.0;
    };
    MetricVerdict judge(const std::string &metric, SeriesId id, Timestamp now) const;
    std::string topLevelOf(const std::string &entity) const;

    const Estate &m_estate;
    const SeriesStore &m_store;
    Options m_options;
    std::unordered_map<std::string, std::vector<KeyMetric>> m_keyMetrics; // entity → its key series
    std::unordered_map<std::string, std::string> m_topLevel;              // entity → tile entity
    std::vector<std::string> m_tiles;                                     // tile entities in estate order
};

} // namespace Nocturne::Engine
